#!/usr/bin/env node
// Benchmark of the local cloud: the daemon (front + journal + moto) against raw moto, measured in
// the same run on the same machine. Needs `npx nx run @nx-sst/local-cloud:build` first.
//
//   node bench/local-cloud/run.mjs            # all figures
//   BENCH_QUICK=1 node bench/local-cloud/run.mjs   # fewer samples
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(root, 'packages', 'local-cloud', 'package.json'));
const { startLocalCloud, ensureBootstrapped, withCloudEnv } = require('./dist/index.js');
const { startMoto, stopMoto, MOTO_TOKEN_HEADER } = require('./dist/daemon/moto-process.js');
const http = require('node:http');
const { SSMClient, GetParametersCommand, PutParameterCommand } = require('@aws-sdk/client-ssm');
const cdk = require('aws-cdk-lib');
const { Toolkit } = require('@aws-cdk/toolkit-lib');

const quick = process.env.BENCH_QUICK === '1';
const SEQUENTIAL = quick ? 200 : 1000;
const CONCURRENT = quick ? 800 : 4000;
const IN_FLIGHT = 16;
const COLD_STARTS = quick ? 2 : 3;
process.env.CDK_VALIDATION = 'false';

const tmp = (prefix) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (n) => `${n.toFixed(n < 10 ? 2 : 0)} ms`;

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitAnswering(port) {
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/moto-api/seed?a=0`, { method: 'POST' });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Baseline cold start: `moto_server` alone, until it answers. */
async function rawMotoColdStart() {
  const port = await freePort();
  const started = performance.now();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  await waitAnswering(port);
  const elapsed = performance.now() - started;
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  return elapsed;
}

async function cloudColdStart() {
  const stateDir = tmp('nx-sst-bench-cold-');
  const started = performance.now();
  const cloud = await startLocalCloud({ stateDir });
  const elapsed = performance.now() - started;
  await cloud.stop();
  fs.rmSync(stateDir, { recursive: true, force: true });
  return elapsed;
}

function ssmClient(endpoint, credentials) {
  return new SSMClient({ endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
}

async function latency(client, names, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await client.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
    times.push(performance.now() - t);
  }
  return { p50: pct(times, 50), p99: pct(times, 99) };
}

async function throughput(client, names, total) {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < total)
        await client.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

async function writeLatency(client, prefix, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await client.send(
      new PutParameterCommand({
        Name: `${prefix}/w${i % 20}`,
        Value: `v${i}`,
        Type: 'String',
        Overwrite: true,
      }),
    );
    times.push(performance.now() - t);
  }
  return { p50: pct(times, 50), p99: pct(times, 99) };
}

/** 50 resources: 10 each of queues, topics, tables, buckets and SSM parameters. */
function fiftyResourceApp(account, region, stackName) {
  return async () => {
    const app = new cdk.App({ outdir: tmp('nx-sst-bench-out-') });
    const stack = new cdk.Stack(app, stackName, { env: { account, region } });
    for (let i = 0; i < 10; i++) {
      new cdk.aws_sqs.Queue(stack, `Queue${i}`);
      new cdk.aws_sns.Topic(stack, `Topic${i}`);
      new cdk.aws_dynamodb.Table(stack, `Table${i}`, {
        partitionKey: { name: 'pk', type: cdk.aws_dynamodb.AttributeType.STRING },
        removalPolicy: cdk.RemovalPolicy.DESTROY,
      });
      new cdk.aws_s3.Bucket(stack, `Bucket${i}`, { removalPolicy: cdk.RemovalPolicy.DESTROY });
      new cdk.aws_ssm.StringParameter(stack, `Param${i}`, {
        parameterName: `/bench/${stackName}/p${i}`,
        stringValue: `v${i}`,
      });
    }
    return app.synth();
  };
}

const silent = { notify: async () => undefined, requestResponse: async (m) => m.defaultResponse };

async function deployTime(env, stackName, cloud) {
  // toolkit-lib reads endpoint and credentials from process.env when it first needs them.
  return withCloudEnv({ env }, async () => {
    const toolkit = new Toolkit({ ioHost: silent });
    const cx = await toolkit.fromAssemblyBuilder(fiftyResourceApp(cloud.accountId, cloud.region, stackName));
    // Synthesize outside the timing: the figure is the deploy (assets, change set, execution, outputs).
    const assembly = await toolkit.synth(cx);
    const started = performance.now();
    await toolkit.deploy(assembly);
    return performance.now() - started;
  });
}

async function main() {
  const machine = `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)}`;
  console.log(`Local cloud benchmark — ${machine}${quick ? ' (quick)' : ''}\n`);

  const raw = [];
  const daemon = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    raw.push(await rawMotoColdStart());
    daemon.push(await cloudColdStart());
  }

  const stateDir = tmp('nx-sst-bench-');
  const cloud = await startLocalCloud({ stateDir });
  // The daemon's own moto answers only the daemon (a token per start), so "raw moto" is a second
  // moto started the same way (our patches, same account and region), reached without the front.
  const rawLog = fs.createWriteStream(path.join(tmp('nx-sst-bench-raw-'), 'moto.log'));
  const rawMoto = await startMoto({ accountId: cloud.accountId, region: cloud.region, log: rawLog });
  const rawEndpoint = `http://127.0.0.1:${rawMoto.port}`;
  // The SDK clients (ours and toolkit-lib's) send through http.request: add the token for that port.
  const request = http.request;
  http.request = (...args) => {
    const options = args.find((a) => a && typeof a === 'object' && !(a instanceof URL));
    if (options && Number(options.port) === rawMoto.port)
      options.headers = { ...options.headers, [MOTO_TOKEN_HEADER]: rawMoto.token };
    return request(...args);
  };
  const rawCloud = {
    ...cloud,
    endpoint: rawEndpoint,
    env: { ...cloud.env, AWS_ENDPOINT_URL: rawEndpoint },
    clientConfig: { ...cloud.clientConfig, endpoint: rawEndpoint },
  };
  try {
    const front = ssmClient(cloud.endpoint, cloud.credentials);
    const direct = ssmClient(rawEndpoint, cloud.credentials);
    const names = [];
    for (let i = 0; i < 10; i++) {
      names.push(`/bench/secret/${i}`);
      for (const client of [front, direct]) {
        await client.send(
          new PutParameterCommand({ Name: names[i], Value: `value-${i}`, Type: 'SecureString' }),
        );
      }
    }
    await latency(front, names, 50);
    await latency(direct, names, 50);
    const frontLatency = await latency(front, names, SEQUENTIAL);
    const rawLatency = await latency(direct, names, SEQUENTIAL);
    const frontRate = await throughput(front, names, CONCURRENT);
    const rawRate = await throughput(direct, names, CONCURRENT);
    const frontWrite = await writeLatency(front, '/bench/front', quick ? 100 : 300);
    const rawWrite = await writeLatency(direct, '/bench/raw', quick ? 100 : 300);

    await ensureBootstrapped(cloud);
    await ensureBootstrapped(rawCloud);
    const rawEnv = rawCloud.env;
    // Warm both routes first (toolkit-lib's first deploy in a process loads and caches much), then time.
    await deployTime(cloud.env, 'WarmFront', cloud);
    await deployTime(rawEnv, 'WarmRaw', cloud);
    const frontDeploy = await deployTime(cloud.env, 'BenchFront', cloud);
    const rawDeploy = await deployTime(rawEnv, 'BenchRaw', cloud);

    const rows = [
      ['cold start (start → answering)', ms(median(daemon)), ms(median(raw)), median(daemon) / median(raw)],
      [
        'SSM GetParameters x10 p50',
        ms(frontLatency.p50),
        ms(rawLatency.p50),
        frontLatency.p50 / rawLatency.p50,
      ],
      [
        'SSM GetParameters x10 p99',
        ms(frontLatency.p99),
        ms(rawLatency.p99),
        frontLatency.p99 / rawLatency.p99,
      ],
      [
        `SSM GetParameters x10 throughput (${IN_FLIGHT} in flight)`,
        `${frontRate.toFixed(0)} req/s`,
        `${rawRate.toFixed(0)} req/s`,
        frontRate / rawRate,
      ],
      [
        'SSM PutParameter p50 (journaled + fsync)',
        ms(frontWrite.p50),
        ms(rawWrite.p50),
        frontWrite.p50 / rawWrite.p50,
      ],
      ['SSM PutParameter p99', ms(frontWrite.p99), ms(rawWrite.p99), frontWrite.p99 / rawWrite.p99],
      [
        'toolkit-lib deploy, 50 resources (change set)',
        ms(frontDeploy),
        ms(rawDeploy),
        frontDeploy / rawDeploy,
      ],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(
      `${'measure'.padEnd(width)}  ${'local cloud'.padStart(12)}  ${'raw moto'.padStart(12)}  ratio`,
    );
    for (const [label, a, b, ratio] of rows) {
      console.log(`${label.padEnd(width)}  ${a.padStart(12)}  ${b.padStart(12)}  ${ratio.toFixed(2)}x`);
    }
    console.log(
      `\nraw moto = moto_server alone (cold start) or moto started as the daemon starts it, called directly (the rest),` +
        ` so the ratio is the cost of the front, the journal and the serialized, seeded writes.` +
        ` Journal after the run: ${(fs.statSync(path.join(stateDir, 'journal')).size / 1024).toFixed(0)} KiB.`,
    );
    front.destroy();
    direct.destroy();
  } finally {
    http.request = request;
    await stopMoto(rawMoto);
    rawLog.end();
    await cloud.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
    for (const entry of fs.readdirSync(os.tmpdir())) {
      if (entry.startsWith('nx-sst-bench-out-'))
        fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
    }
  }
}

main()
  // Functions run by the cloud: their own figures (also runnable alone).
  .then(() => import('./functions.mjs'))
  .catch((e) => {
    console.error(e);
    process.exit(1);
  });
