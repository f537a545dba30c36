/*
 * The local cloud daemon: one per state directory, started detached by `startLocalCloud`.
 * It runs moto on an internal loopback port, replays the journal into it, and publishes the front
 * on the workspace's port. Arguments: one JSON object (DaemonArgs) as argv[2].
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { readJson, statePaths, writeJsonAtomic, type CloudSettings, type DaemonInfo } from '../state-dir';
import { Front } from './front';
import { Journal } from './journal';
import { MotoClient } from './moto-client';
import { startMoto, stopMoto, type MotoProcess } from './moto-process';
import { allGaps, answerFilters } from './gaps';
import { setUpAccess, type AccessKeys } from './access';
import { KeyRing } from './auth';
import { describeRequest } from './request-info';
import { AUTHORIZE_ONLY_HEADER, LocalLambda } from './lambda/functions';
import { HttpEndpoints } from './lambda/http-endpoints';
import { SqsEventSources } from './lambda/event-sources';
import { EventBusTargets } from './lambda/event-bus';
import { Schedules, motoScheduleSource, runTarget } from './lambda/schedules';
import { StreamEventSources } from './lambda/streams';

export interface DaemonArgs {
  stateDir: string;
  port?: number;
  iam?: boolean;
  accountId?: string;
  region?: string;
}

export const DEFAULT_ACCOUNT_ID = '000000000000';
export const DEFAULT_REGION = 'us-east-1';

async function main(): Promise<void> {
  const args = JSON.parse(process.argv[2] ?? '{}') as DaemonArgs;
  const paths = statePaths(args.stateDir);
  const log = fs.createWriteStream(paths.log, { flags: 'a', mode: 0o600 });
  const say = (line: string) => log.write(`${new Date().toISOString()} ${line}\n`);
  fs.rmSync(paths.error, { force: true });

  const saved = readJson<
    CloudSettings & {
      accessKeyId?: string;
      secretAccessKey?: string;
      seedBase?: string;
      controlToken?: string;
    }
  >(paths.settings);
  const settings: CloudSettings = {
    port: args.port ?? saved?.port ?? 0,
    accountId: saved?.accountId ?? args.accountId ?? DEFAULT_ACCOUNT_ID,
    region: saved?.region ?? args.region ?? DEFAULT_REGION,
    iam: saved?.iam ?? args.iam ?? false,
  };

  let moto: MotoProcess | undefined;
  let front: Front | undefined;
  let journal: Journal | undefined;
  let lambda: LocalLambda | undefined;
  let eventSources: SqsEventSources | undefined;
  let eventBus: EventBusTargets | undefined;
  let schedules: Schedules | undefined;
  let streams: StreamEventSources | undefined;
  let stopping = false;

  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping');
    const info = readJson<DaemonInfo>(paths.daemon);
    if (info?.pid === process.pid) fs.rmSync(paths.daemon, { force: true });
    eventSources?.stop();
    eventBus?.stop();
    schedules?.stop();
    streams?.stop();
    lambda?.close();
    await front?.close().catch(() => undefined);
    if (moto) await stopMoto(moto).catch(() => undefined);
    await journal?.close().catch(() => undefined);
    log.end(() => process.exit(code));
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));

  try {
    say(`starting for ${args.stateDir}`);
    // The state directory holds the keys and the journal (secrets included): its owner's only.
    fs.chmodSync(args.stateDir, 0o700);
    const opened = await Journal.open(paths.journal);
    journal = opened.journal;
    let seedBase: bigint;
    if (saved?.seedBase !== undefined) seedBase = BigInt(saved.seedBase);
    else if (opened.records.length > 0) {
      // Its journal was written with plain sequence numbers as seeds; replay must use the same.
      seedBase = 0n;
      say(
        'this state directory predates per-workspace seeds: the ids and session keys moto made in it ' +
          'follow from sequence numbers alone (nx-sst-local reset starts it over with a random seed base)',
      );
    } else seedBase = randomBytes(8).readBigUInt64BE();
    // Kept per state directory like the keys, so a LocalCloud object stays usable across restarts.
    const controlToken = saved?.controlToken ?? randomBytes(24).toString('hex');
    // On disk before the first journaled write, so a crash never leaves records seeded from a lost base.
    const remembered = {
      ...saved,
      ...settings,
      port: saved?.port ?? settings.port,
      seedBase: seedBase.toString(),
      controlToken,
    };
    writeJsonAtomic(paths.settings, remembered);
    // The published port is chosen before moto starts: the API and function URL endpoints moto makes
    // (CloudFormation outputs, bound `Api.x.url`) are on it.
    const reserved = await reservePort(settings.port, args.port !== undefined);
    if (reserved.port !== settings.port && settings.port !== 0)
      say(`port ${settings.port} is in use; choosing another`);
    moto = await startMoto({
      accountId: settings.accountId,
      region: settings.region,
      log,
      publicEndpoint: `http://127.0.0.1:${reserved.port}`,
    });
    moto.child.once('exit', (code, signal) => {
      if (!stopping) {
        say(`moto exited unexpectedly (code ${code}, signal ${signal})`);
        void shutdown(1);
      }
    });
    const client = new MotoClient(moto.port, moto.token, seedBase);
    const keyRing = new KeyRing();
    for (const record of opened.records) {
      await client.seed(record.seq);
      const response = await client.send(record);
      // The sessions and keys issued before the restart are issued again, identical: accept them.
      keyRing.learn(describeRequest(record.method, record.url, record.headers, record.body), response);
    }
    if (opened.tornTail) {
      say(
        `cut a torn tail of ${opened.tornTail.bytes} byte(s) at byte ${opened.tornTail.offset} of the journal ` +
          '(an incomplete last record: a write that was never acknowledged)',
      );
    }
    say(`moto on 127.0.0.1:${moto.port}, replayed ${opened.records.length} journal records`);

    const keys: AccessKeys = await setUpAccess(settings, saved, client, journal);
    keyRing.add(keys);
    writeJsonAtomic(paths.settings, { ...remembered, ...keys });
    const activeLambda = new LocalLambda({
      stateDir: args.stateDir,
      endpoint: `http://127.0.0.1:${reserved.port}`,
      region: settings.region,
      credentials: { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey },
      internal: (request) => activeFront.internal(request),
      version: () => opened.journal.seq,
      retryDelayScale: retryDelayScale(say),
      // The caller's own signed request, straight to moto (a read: nothing runs, nothing is journaled).
      authorize: settings.iam
        ? (request) =>
            client.send({ ...request, headers: { ...request.headers, [AUTHORIZE_ONLY_HEADER]: '1' } })
        : undefined,
    });
    lambda = activeLambda;
    const activeFront: Front = new Front({
      outlets: [
        new HttpEndpoints(activeLambda, {
          accountId: settings.accountId,
          region: settings.region,
          internal: (request) => activeFront.internal(request),
          version: () => opened.journal.seq,
          log: say,
        }).outlet(),
        activeLambda.outlet(),
      ],
      moto: client,
      journal,
      gaps: allGaps,
      filters: answerFilters,
      keys: keyRing,
      controlToken,
      control: async (method, path, body) => {
        if (path === '/_nx-sst/health') return { status: 200, json: { ok: true, pid: process.pid } };
        if (path === '/_nx-sst/faults' && method === 'PUT') {
          try {
            activeFront.setFaults(JSON.parse(body.toString('utf8') || '{}'));
          } catch (e) {
            return { status: 400, json: { error: (e as Error).message } };
          }
          return { status: 200, json: activeFront.faults };
        }
        if (path === '/_nx-sst/faults' && method === 'DELETE') {
          activeFront.clearFaults();
          return { status: 200, json: {} };
        }
        if (path === '/_nx-sst/faults' && method === 'GET') return { status: 200, json: activeFront.faults };
        if (path === '/_nx-sst/schedules/run' && method === 'POST' && schedules) {
          // `nx-sst cron run`: a rule's Scheduled Event now, waiting for its functions.
          const { ruleArn } = JSON.parse(body.toString('utf8') || '{}') as { ruleArn?: string };
          const run = await schedules.runNow(String(ruleArn), (d) => runTarget(activeLambda, d));
          return run ? { status: 200, json: run } : { status: 404, json: { error: `no rule ${ruleArn}` } };
        }
        if (path === '/_nx-sst/stop' && method === 'POST') {
          setImmediate(() => void shutdown(0));
          return { status: 200, json: { stopping: true } };
        }
        return { status: 404, json: { error: `unknown control path ${method} ${path}` } };
      },
    });
    front = activeFront;

    let port: number;
    await reserved.release();
    try {
      port = await activeFront.listen(reserved.port);
    } catch (e) {
      // The remembered port is taken by something else: move rather than fail. An explicit port is a promise.
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || args.port !== undefined) throw e;
      say(`port ${reserved.port} was taken meanwhile; choosing another (HTTP API URLs name the old one)`);
      port = await activeFront.listen(0);
    }
    writeJsonAtomic(paths.settings, {
      ...settings,
      port,
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      seedBase: seedBase.toString(),
      controlToken,
    });
    const info: DaemonInfo = {
      pid: process.pid,
      port,
      motoPid: moto.child.pid ?? 0,
      motoPort: moto.port,
      accountId: settings.accountId,
      region: settings.region,
      iam: settings.iam,
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      startedAt: new Date().toISOString(),
      replayed: opened.records.length,
      controlToken,
    };
    eventSources = new SqsEventSources(activeLambda, {
      region: settings.region,
      version: () => opened.journal.seq,
      log: say,
    });
    streams = new StreamEventSources(activeLambda, {
      region: settings.region,
      version: () => opened.journal.seq,
      retryDelayMs: 1000 * retryDelayScale(say),
      log: say,
    });
    eventBus = new EventBusTargets(activeLambda, { log: say });
    schedules = new Schedules(motoScheduleSource(activeLambda, settings, say), {
      version: () => opened.journal.seq,
      log: say,
    });
    // Before daemon.json names this daemon, so no client has published yet.
    await eventSources.discardReplayed();
    await eventBus.discardReplayed();
    await streams.discardReplayed();
    writeJsonAtomic(paths.daemon, info);
    eventSources.start();
    eventBus.start();
    schedules.start();
    streams.start();
    say(`listening on http://127.0.0.1:${port}`);
  } catch (e) {
    const error = e as Error;
    say(`failed: ${error.stack ?? error.message}`);
    fs.writeFileSync(paths.error, JSON.stringify({ name: error.name, message: error.message }) + '\n');
    await shutdown(1);
  }
}

/**
 * NX_SST_LOCAL_RETRY_DELAY_SCALE: a factor on the waits Lambda makes before it runs failed work
 * again (an asynchronous invocation's 1 and 2 minutes, a stream batch's backoff); specs shorten them.
 */
function retryDelayScale(say: (line: string) => void): number {
  const raw = process.env.NX_SST_LOCAL_RETRY_DELAY_SCALE;
  if (raw === undefined || raw === '') return 1;
  const value = Number(raw);
  if (Number.isFinite(value) && value >= 0) return value;
  say(`NX_SST_LOCAL_RETRY_DELAY_SCALE=${raw} is not a number >= 0; Lambda's own delays apply`);
  return 1;
}

/** Holds a loopback port (the wanted one, else any free one unless it was asked for) until released. */
async function reservePort(
  wanted: number,
  explicit: boolean,
): Promise<{ port: number; release(): Promise<void> }> {
  const tryListen = (port: number) =>
    new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  let server: net.Server;
  try {
    server = await tryListen(wanted);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || explicit) throw e;
    server = await tryListen(0);
  }
  return {
    port: (server.address() as net.AddressInfo).port,
    release: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

void main();
