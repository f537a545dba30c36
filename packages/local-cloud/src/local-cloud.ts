import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { cutDamagedJournal } from './daemon/journal';
import type { Faults } from './faults';
import type { ScheduleRun } from './daemon/lambda/schedules';
import { isAlive, readJson, statePaths, type CloudSettings, type DaemonInfo } from './state-dir';

export interface StartLocalCloudOptions {
  /** Directory that holds the cloud's state (journal, discovery file, log); created if missing. */
  stateDir: string;
  /** Published port on 127.0.0.1. Default: the port this state directory used last, else a free one. */
  port?: number;
  /**
   * Enforce IAM (moto's access control): requests are checked against the caller's policies.
   * Fixed when the state directory is first used. Default: what the state directory has, else off.
   */
  iam?: boolean;
  /** Account of the cloud, fixed when the state directory is first used. Default `000000000000`. */
  accountId?: string;
  /** Region of the cloud, fixed when the state directory is first used. Default `us-east-1`. */
  region?: string;
  /** How long to wait for a daemon to come up (it may be replaying a long journal). Default 120 s. */
  timeoutMs?: number;
}

export interface LocalCloud {
  /** `http://127.0.0.1:PORT`: every service on one port. */
  readonly endpoint: string;
  /** Everything a child process needs to use the cloud with the standard SDK and toolkit-lib settings. */
  readonly env: Readonly<Record<string, string>>;
  readonly accountId: string;
  readonly region: string;
  /**
   * The credentials of this workspace's cloud: random keys made at its first start and kept in its
   * 0600 state directory (an IAM administrator's when IAM is enforced). The cloud answers only
   * requests signed with these or with keys it issued since (role sessions, IAM access keys).
   */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  /** `{ endpoint, region, credentials }` for an SDK v3 client in this process: `new SSMClient(cloud.clientConfig)`. */
  readonly clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
  };
  readonly iam: boolean;
  readonly stateDir: string;
  /**
   * When the daemon serving this state directory started (ISO 8601). What it issued, such as
   * assumed-role credentials, is valid until it stops; a restarted daemon has another value.
   */
  readonly startedAt: string;
  /** Replaces the injected faults (latency, throttling, failing resource types). */
  setFaults(faults: Faults): Promise<void>;
  clearFaults(): Promise<void>;
  /**
   * Fires an EventBridge rule's Scheduled Event now, whatever its schedule and state, and waits for
   * each function target to finish (`nx-sst cron run`). Undefined when the cloud has no such rule.
   */
  runSchedule(ruleArn: string): Promise<ScheduleRun | undefined>;
  /** Stops the shared daemon of this state directory (its state stays on disk). */
  stop(): Promise<void>;
}

// The daemon always runs as built JavaScript; specs that load this file from src/ use the build.
const DAEMON_ENTRY =
  [path.join(__dirname, 'daemon', 'main.js'), path.join(__dirname, '..', 'dist', 'daemon', 'main.js')].find(
    (file) => fs.existsSync(file),
  ) ?? path.join(__dirname, 'daemon', 'main.js');

/** Where CloudFormation reads templates from: moto parses this host form of `TemplateURL` only. */
function s3ForCloudFormation(region: string): string {
  return `https://s3.${region}.amazonaws.com`;
}

export function cloudEnv(
  info: Pick<DaemonInfo, 'port' | 'accountId' | 'region' | 'accessKeyId' | 'secretAccessKey'>,
) {
  const endpoint = `http://127.0.0.1:${info.port}`;
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: s3ForCloudFormation(info.region),
    AWS_REGION: info.region,
    AWS_DEFAULT_REGION: info.region,
    AWS_ACCESS_KEY_ID: info.accessKeyId,
    AWS_SECRET_ACCESS_KEY: info.secretAccessKey,
    CDK_DEFAULT_ACCOUNT: info.accountId,
    CDK_DEFAULT_REGION: info.region,
  };
}

interface ControlResponse {
  ok: boolean;
  status: number;
  json(): unknown;
}

/**
 * One request to the daemon's control routes. `node:http`, not `fetch`: undici's first use costs
 * 50–100 ms, paid by every command that joins the cloud (`nx-sst bind` starts with this check).
 */
function control(
  port: number,
  method: string,
  route: string,
  body?: unknown,
  token?: string,
  timeoutMs = 10_000,
): Promise<ControlResponse> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {};
  if (payload !== undefined) headers['content-type'] = 'application/json';
  // Only the health route is open: the others (stop, faults) need the token of the 0600 daemon.json.
  if (token !== undefined) headers['x-nx-sst-control'] = token;
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path: `/_nx-sst/${route}`,
        headers,
        // A fresh connection that does not keep the caller's event loop alive afterwards.
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          resolve({ ok: status >= 200 && status < 300, status, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`The local cloud on port ${port} did not answer ${route}`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** Whether the daemon described by `info` is alive and is the one answering on its port. */
export async function isHealthy(info: DaemonInfo): Promise<boolean> {
  if (!isAlive(info.pid)) return false;
  try {
    const res = await control(info.port, 'GET', 'health');
    const json = res.json() as { pid?: number };
    return res.ok && json.pid === info.pid;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function checkCompatible(info: DaemonInfo, options: StartLocalCloudOptions): void {
  const mismatch = (what: string, wanted: unknown, actual: unknown) =>
    new Error(
      `The local cloud in ${options.stateDir} runs with ${what} ${String(actual)}, not ${String(wanted)}. ` +
        `It is fixed per state directory: use another state directory, or reset this one (nx-sst-local reset).`,
    );
  if (options.accountId !== undefined && options.accountId !== info.accountId)
    throw mismatch('account', options.accountId, info.accountId);
  if (options.region !== undefined && options.region !== info.region)
    throw mismatch('region', options.region, info.region);
  if (options.iam !== undefined && options.iam !== info.iam) throw mismatch('iam', options.iam, info.iam);
  if (options.port !== undefined && options.port !== 0 && options.port !== info.port) {
    throw new Error(
      `The local cloud in ${options.stateDir} already runs on port ${info.port}, not ${options.port}. ` +
        `Stop it first (nx-sst-local stop) to move it.`,
    );
  }
}

/**
 * Connects to the daemon of `stateDir`, starting it when none runs. Safe when several processes call
 * it at once: one of them starts the daemon (an exclusive lock file decides), the others wait for it.
 */
export async function startLocalCloud(options: StartLocalCloudOptions): Promise<LocalCloud> {
  if (!options?.stateDir)
    throw new Error('startLocalCloud needs { stateDir }: the directory that holds the cloud');
  const stateDir = path.resolve(options.stateDir);
  const opts = { ...options, stateDir };
  validateOptions(opts);
  // Its owner's only: it holds the keys and the journal (the daemon also narrows an existing one).
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const paths = statePaths(stateDir);
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);

  for (;;) {
    const info = readJson<DaemonInfo>(paths.daemon);
    if (info && (await isHealthy(info))) {
      checkCompatible(info, opts);
      return connect(info, stateDir);
    }
    let lock: number | undefined;
    try {
      lock = fs.openSync(paths.lock, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (lock !== undefined) {
      try {
        fs.writeSync(lock, JSON.stringify({ pid: process.pid, at: Date.now() }));
        // Re-check under the lock: another process may have finished starting it meanwhile.
        const current = readJson<DaemonInfo>(paths.daemon);
        if (current && (await isHealthy(current))) {
          checkCompatible(current, opts);
          return connect(current, stateDir);
        }
        if (current) await killStale(current);
        const started = await spawnDaemon(opts, deadline);
        checkCompatible(started, opts);
        return connect(started, stateDir);
      } finally {
        fs.closeSync(lock);
        fs.rmSync(paths.lock, { force: true });
      }
    }
    removeStaleLock(paths.lock);
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for the local cloud in ${stateDir} to start; see ${paths.log}`);
    }
    await sleep(100);
  }
}

/**
 * The daemon the discovery file of `stateDir` names, joined without the HTTP health check (15–25 ms
 * of `startLocalCloud`), for callers on a hot path (`nx-sst bind`): only when its pid is alive and
 * is our daemon (its command line, read from /proc; elsewhere this returns undefined). Undefined
 * when that does not hold, so the caller uses `startLocalCloud`. The caller must also fall back to
 * `startLocalCloud` when a request gets no answer (ECONNREFUSED…) or one that is not the cloud's:
 * a daemon killed without cleanup may have left a port that another server took since. Sending
 * first is acceptable because such a server would only see signed requests (a signature, never the
 * secret key, and keys that grant nothing outside this local cloud); bind's secrets travel in the
 * answers to its reads, never in its requests.
 */
export function joinRunningLocalCloud(stateDir: string): LocalCloud | undefined {
  const dir = path.resolve(stateDir);
  const info = readJson<DaemonInfo>(statePaths(dir).daemon);
  if (!info || !isAlive(info.pid) || !isOurs(info.pid)) return undefined;
  return connect(info, dir);
}

function validateOptions(options: StartLocalCloudOptions): void {
  if (
    options.port !== undefined &&
    (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535)
  ) {
    throw new Error(`startLocalCloud: port must be an integer from 0 to 65535, got ${options.port}`);
  }
  if (options.accountId !== undefined && !/^\d{12}$/.test(options.accountId)) {
    throw new Error(`startLocalCloud: accountId must be 12 digits, got "${options.accountId}"`);
  }
  if (options.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d$/.test(options.region)) {
    throw new Error(`startLocalCloud: region must look like us-east-1, got "${options.region}"`);
  }
}

/** A lock left by a starter that died mid-start would block every later start. */
function removeStaleLock(lockPath: string): void {
  const holder = readJson<{ pid: number; at: number }>(lockPath);
  let stale = holder ? !isAlive(holder.pid) : false;
  if (!holder) {
    // Unreadable: maybe just created and not yet written. Only stale once it is old.
    try {
      stale = Date.now() - fs.statSync(lockPath).mtimeMs > 10_000;
    } catch {
      return;
    }
  }
  if (stale) fs.rmSync(lockPath, { force: true });
}

/** A daemon killed without cleanup left its discovery file (moto ends with it through its stdin). */
async function killStale(info: DaemonInfo): Promise<void> {
  for (const pid of [info.pid, info.motoPid]) {
    if (isAlive(pid) && isOurs(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Guards against killing an unrelated process that reused a recorded pid. */
function isOurs(pid: number): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('moto') || cmdline.includes(DAEMON_ENTRY);
  } catch {
    return false;
  }
}

async function spawnDaemon(
  options: StartLocalCloudOptions & { stateDir: string },
  deadline: number,
): Promise<DaemonInfo> {
  const paths = statePaths(options.stateDir);
  fs.rmSync(paths.daemon, { force: true });
  fs.rmSync(paths.error, { force: true });
  const out = fs.openSync(paths.log, 'a', 0o600);
  const args = {
    stateDir: options.stateDir,
    port: options.port,
    iam: options.iam,
    accountId: options.accountId,
    region: options.region,
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: joining a running cloud (bind, the task preload) never spawns; ~1-2 ms beside what bind loads
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn(process.execPath, [DAEMON_ENTRY, JSON.stringify(args)], {
    detached: true,
    // Explicit, so the caller's current environment (also a test's changes to it) reaches moto.
    env: process.env,
    stdio: ['ignore', out, out],
    cwd: options.stateDir,
  });
  fs.closeSync(out);
  let exited = false;
  child.once('exit', () => (exited = true));
  child.unref();
  for (;;) {
    const info = readJson<DaemonInfo>(paths.daemon);
    if (info && info.pid === child.pid && (await isHealthy(info))) return info;
    if (exited || !isAlive(child.pid)) {
      const error = readJson<{ name: string; message: string }>(paths.error);
      if (error) {
        const e = new Error(error.message);
        e.name = error.name;
        throw e;
      }
      throw new Error(`The local cloud daemon exited during start-up; see ${paths.log}`);
    }
    if (Date.now() > deadline) {
      try {
        process.kill(child.pid!, 'SIGTERM');
      } catch {
        // gone
      }
      throw new Error(`The local cloud did not start in time; see ${paths.log}`);
    }
    await sleep(50);
  }
}

function connect(info: DaemonInfo, stateDir: string): LocalCloud {
  const env = cloudEnv(info);
  const credentials = { accessKeyId: info.accessKeyId, secretAccessKey: info.secretAccessKey };
  return {
    endpoint: env.AWS_ENDPOINT_URL,
    env,
    accountId: info.accountId,
    region: info.region,
    credentials,
    // Fresh objects per use: SDK clients annotate the credentials object they are given.
    get clientConfig() {
      return { endpoint: env.AWS_ENDPOINT_URL, region: info.region, credentials: { ...credentials } };
    },
    iam: info.iam,
    stateDir,
    startedAt: info.startedAt,
    async setFaults(faults: Faults) {
      const res = await control(info.port, 'PUT', 'faults', faults, info.controlToken);
      if (!res.ok) throw new Error((res.json() as { error: string }).error);
    },
    async clearFaults() {
      const res = await control(info.port, 'DELETE', 'faults', undefined, info.controlToken);
      if (!res.ok) throw new Error(`clearFaults failed: HTTP ${res.status}`);
    },
    async runSchedule(ruleArn: string) {
      // A job runs up to its function's timeout (15 minutes at most): no shorter wait of our own.
      const res = await control(info.port, 'POST', 'schedules/run', { ruleArn }, info.controlToken, 0);
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`runSchedule failed: HTTP ${res.status}: ${JSON.stringify(res.json())}`);
      return res.json() as ScheduleRun;
    },
    async stop() {
      await stopDaemon(stateDir);
    },
  };
}

/** Stops the daemon of `stateDir` if one runs; returns whether one was running. */
export async function stopDaemon(stateDir: string): Promise<boolean> {
  const paths = statePaths(path.resolve(stateDir));
  const info = readJson<DaemonInfo>(paths.daemon);
  if (!info || !isAlive(info.pid)) {
    if (info) await killStale(info);
    fs.rmSync(paths.daemon, { force: true });
    return false;
  }
  try {
    await control(info.port, 'POST', 'stop', undefined, info.controlToken);
  } catch {
    process.kill(info.pid, 'SIGTERM');
  }
  const deadline = Date.now() + 15_000;
  while ((isAlive(info.pid) || isAlive(info.motoPid)) && Date.now() < deadline) await sleep(50);
  await killStale(info);
  fs.rmSync(paths.daemon, { force: true });
  return true;
}

/** Status of the cloud of `stateDir`, without starting it. */
export async function localCloudStatus(
  stateDir: string,
): Promise<{ running: false; settings?: CloudSettings } | { running: true; info: DaemonInfo }> {
  const paths = statePaths(path.resolve(stateDir));
  const info = readJson<DaemonInfo>(paths.daemon);
  if (info && (await isHealthy(info))) return { running: true, info };
  return { running: false, settings: readJson<CloudSettings>(paths.settings) };
}

/** Stops the cloud of `stateDir` and deletes its state (stacks, objects, parameters, keys). */
export async function resetLocalCloud(stateDir: string): Promise<void> {
  const paths = statePaths(path.resolve(stateDir));
  await stopDaemon(stateDir);
  const settings = readJson<CloudSettings>(paths.settings);
  fs.rmSync(paths.journal, { force: true });
  // The functions' unpacked code and their logs belong to the state that is gone.
  fs.rmSync(path.join(paths.stateDir, 'functions'), { recursive: true, force: true });
  if (settings) {
    // Keep the workspace's fixed account, region, port and IAM choice; drop keys made by the old state.
    fs.writeFileSync(
      paths.settings,
      JSON.stringify({
        port: settings.port,
        accountId: settings.accountId,
        region: settings.region,
        iam: settings.iam,
      }) + '\n',
      { mode: 0o600 },
    );
  }
}

/**
 * The way out of a damaged journal (the daemon refuses to start on one, naming the byte): keeps the
 * whole file as `journal.damaged-<time>` in the state directory and cuts the journal before the
 * damaged record, so the next start replays the records before it; the writes after it are lost.
 * Undefined when the journal has no damage (a torn tail is cut by the start itself).
 */
export async function recoverJournal(
  stateDir: string,
): Promise<{ kept: number; lost: number; offset: number; copy: string } | undefined> {
  const dir = path.resolve(stateDir);
  const status = await localCloudStatus(dir);
  if (status.running)
    throw new Error(`The local cloud in ${dir} is running; stop it first (nx-sst-local stop).`);
  return cutDamagedJournal(statePaths(dir).journal);
}

/**
 * A local cloud for one test file: a fresh temporary state directory; `stop()` ends the daemon and
 * deletes the directory.
 */
export async function startTestCloud(
  options: Omit<StartLocalCloudOptions, 'stateDir'> = {},
): Promise<LocalCloud> {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-cloud-'));
  let cloud: LocalCloud;
  try {
    cloud = await startLocalCloud({ ...options, stateDir });
  } catch (e) {
    fs.rmSync(stateDir, { recursive: true, force: true });
    throw e;
  }
  return {
    endpoint: cloud.endpoint,
    env: cloud.env,
    accountId: cloud.accountId,
    region: cloud.region,
    credentials: cloud.credentials,
    get clientConfig() {
      return cloud.clientConfig;
    },
    iam: cloud.iam,
    stateDir: cloud.stateDir,
    startedAt: cloud.startedAt,
    setFaults: cloud.setFaults,
    clearFaults: cloud.clearFaults,
    runSchedule: cloud.runSchedule,
    async stop() {
      await cloud.stop();
      fs.rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
