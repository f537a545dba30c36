#!/usr/bin/env node
// Benchmark of functions run by the local cloud: Lambda Invoke (cold and warm) and an HTTP API
// request, each against calling the same handler in this process, measured in the same run.
// Needs `npx nx run @nx-sst/local-cloud:build` first. Also run at the end of run.mjs.
//
//   node bench/local-cloud/functions.mjs
//   BENCH_QUICK=1 node bench/local-cloud/functions.mjs
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(path.join(root, 'packages', 'local-cloud', 'package.json'));
const { startLocalCloud } = require('./dist/index.js');
const {
  LambdaClient,
  CreateFunctionCommand,
  CreateEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} = require('@aws-sdk/client-lambda');
const { IAMClient, CreateRoleCommand } = require('@aws-sdk/client-iam');
const {
  ApiGatewayV2Client,
  CreateApiCommand,
  CreateIntegrationCommand,
  CreateRouteCommand,
  CreateStageCommand,
} = require('@aws-sdk/client-apigatewayv2');
const {
  SQSClient,
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  ReceiveMessageCommand,
  DeleteMessageBatchCommand,
} = require('@aws-sdk/client-sqs');
const {
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
} = require('@aws-sdk/client-eventbridge');
const { zipSync, strToU8 } = require('fflate');

const quick = process.env.BENCH_QUICK === '1';
const WARM = quick ? 100 : 400;
const COLD = quick ? 4 : 10;
const MESSAGES = quick ? 200 : 1000;
const EVENTS = quick ? 10 : 40;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (n) => (n < 0.1 ? `${(n * 1000).toFixed(1)} µs` : `${n.toFixed(n < 10 ? 2 : 0)} ms`);

const HANDLER = `exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify({ ok: true, n: event.n ?? null }) });\n`;

async function timeEach(count, fn) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  return times;
}

async function main() {
  const machine = `${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load ${os.loadavg()[0].toFixed(1)}`;
  console.log(`Local cloud functions benchmark — ${machine}${quick ? ' (quick)' : ''}\n`);

  // Baselines: the handler called in this process (a fresh module load for "cold"), and a new
  // `node` process that loads and calls it once (what any process-per-environment design pays).
  const codeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-bench-fn-'));
  const inProcessCold = [];
  for (let i = 0; i < COLD; i++) {
    const file = path.join(codeDir, `h${i}.js`);
    fs.writeFileSync(file, HANDLER);
    const t = performance.now();
    const mod = await import(pathToFileURL(file).href);
    await mod.default.handler({ n: i });
    inProcessCold.push(performance.now() - t);
  }
  const { handler } = await import(pathToFileURL(path.join(codeDir, 'h0.js')).href).then((m) => m.default);
  await timeEach(100, (i) => handler({ n: i }));
  const inProcessWarm = await timeEach(WARM, (i) => handler({ n: i }));
  const nodeProcess = await timeEach(COLD, () => {
    spawnSync(process.execPath, [
      '-e',
      `require(${JSON.stringify(path.join(codeDir, 'h0.js'))}).handler({}).then(() => {})`,
    ]);
  });

  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-bench-fns-'));
  const cloud = await startLocalCloud({ stateDir });
  const lambda = new LambdaClient({ ...cloud.clientConfig, maxAttempts: 1 });
  const iam = new IAMClient(cloud.clientConfig);
  const apigw = new ApiGatewayV2Client(cloud.clientConfig);
  const sqs = new SQSClient({ ...cloud.clientConfig, maxAttempts: 1 });
  try {
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: 'bench-fn',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    const { FunctionArn } = await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'bench',
        Runtime: 'nodejs22.x',
        Role: Role.Arn,
        Handler: 'index.handler',
        Code: { ZipFile: zipSync({ 'index.js': strToU8(HANDLER) }) },
      }),
    );
    const invoke = (n) =>
      lambda.send(new InvokeCommand({ FunctionName: 'bench', Payload: Buffer.from(JSON.stringify({ n })) }));

    // Cold: a configuration change retires the warm environments, so the next invocation forks and loads.
    const cold = [];
    for (let i = 0; i < COLD; i++) {
      await lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'bench',
          Environment: { Variables: { ROUND: String(i) } },
        }),
      );
      await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'bench' });
      const t = performance.now();
      await invoke(i);
      cold.push(performance.now() - t);
    }
    await timeEach(50, invoke);
    const warm = await timeEach(WARM, invoke);
    // The cheapest signed round trip through the front to moto: what any SDK call pays.
    const read = () => lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'bench' }));
    await timeEach(50, read);
    const reads = await timeEach(WARM, read);

    // An HTTP API with one $default route to the function (what an Api deploys, made through the API).
    const { ApiId, ApiEndpoint } = await apigw.send(
      new CreateApiCommand({ Name: 'bench', ProtocolType: 'HTTP' }),
    );
    const { IntegrationId } = await apigw.send(
      new CreateIntegrationCommand({
        ApiId,
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: FunctionArn,
        PayloadFormatVersion: '2.0',
      }),
    );
    await apigw.send(
      new CreateRouteCommand({ ApiId, RouteKey: '$default', Target: `integrations/${IntegrationId}` }),
    );
    await apigw.send(new CreateStageCommand({ ApiId, StageName: '$default', AutoDeploy: true }));
    const get = async () => {
      const res = await fetch(`${ApiEndpoint}/x`);
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`HTTP API answered ${res.status}`);
    };
    await timeEach(50, get);
    const api = await timeEach(WARM, get);

    // A queue consumer: messages per second from SendMessageBatch to an empty queue, against a client
    // that receives and deletes the same messages itself through the same front (no function).
    const send = async (url) => {
      for (let i = 0; i < MESSAGES; i += 10) {
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: Array.from({ length: 10 }, (_, j) => ({ Id: String(j), MessageBody: `m${i + j}` })),
          }),
        );
      }
    };
    const visible = async (url) => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
        }),
      );
      return (
        Number(Attributes.ApproximateNumberOfMessages) +
        Number(Attributes.ApproximateNumberOfMessagesNotVisible)
      );
    };
    const { QueueUrl: manual } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-manual' }));
    await send(manual);
    let t = performance.now();
    for (;;) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: manual, MaxNumberOfMessages: 10 }),
      );
      if (Messages.length === 0) break;
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: manual,
          Entries: Messages.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
    }
    const manualRate = MESSAGES / ((performance.now() - t) / 1000);
    const { QueueUrl: consumed } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-consumed' }));
    const { Attributes: queueAttributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: consumed, AttributeNames: ['QueueArn'] }),
    );
    await send(consumed);
    t = performance.now();
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'bench',
        EventSourceArn: queueAttributes.QueueArn,
        BatchSize: 10,
      }),
    );
    while ((await visible(consumed)) > 0) await new Promise((r) => setTimeout(r, 20));
    const consumerRate = MESSAGES / ((performance.now() - t) / 1000);

    // PutEvents to the start of the rule's target: the daemon drains moto's deliveries every 250 ms.
    const eventBridge = new EventBridgeClient(cloud.clientConfig);
    const { FunctionArn: benchArn } = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'bench' }),
    );
    await eventBridge.send(
      new PutRuleCommand({ Name: 'bench', EventPattern: JSON.stringify({ source: ['bench'] }) }),
    );
    await eventBridge.send(new PutTargetsCommand({ Rule: 'bench', Targets: [{ Id: 'b', Arn: benchArn }] }));
    const logFile = path.join(stateDir, 'functions', 'logs', 'bench.log');
    const starts = () => (fs.readFileSync(logFile, 'utf8').match(/^START /gm) ?? []).length;
    const eventLatency = await timeEach(EVENTS, async () => {
      const before = starts();
      await eventBridge.send(
        new PutEventsCommand({ Entries: [{ Source: 'bench', DetailType: 'tick', Detail: '{}' }] }),
      );
      while (starts() === before) await new Promise((r) => setTimeout(r, 2));
    });
    eventBridge.destroy();

    const rows = [
      [
        'Invoke, cold (fork + load + run)',
        ms(pct(cold, 50)),
        ms(pct(inProcessCold, 50)),
        pct(cold, 50) / pct(inProcessCold, 50),
      ],
      [
        'Invoke, cold vs a new node process',
        ms(pct(cold, 50)),
        ms(pct(nodeProcess, 50)),
        pct(cold, 50) / pct(nodeProcess, 50),
      ],
      [
        'Invoke, warm p50',
        ms(pct(warm, 50)),
        ms(pct(inProcessWarm, 50)),
        pct(warm, 50) / pct(inProcessWarm, 50),
      ],
      [
        'Invoke, warm p99',
        ms(pct(warm, 99)),
        ms(pct(inProcessWarm, 99)),
        pct(warm, 99) / pct(inProcessWarm, 99),
      ],
      [
        'Invoke, warm p50 vs a signed read (GetFunctionConfiguration)',
        ms(pct(warm, 50)),
        ms(pct(reads, 50)),
        pct(warm, 50) / pct(reads, 50),
      ],
      [
        'HTTP API GET p50 (warm)',
        ms(pct(api, 50)),
        ms(pct(inProcessWarm, 50)),
        pct(api, 50) / pct(inProcessWarm, 50),
      ],
      [
        'HTTP API GET p99 (warm)',
        ms(pct(api, 99)),
        ms(pct(inProcessWarm, 99)),
        pct(api, 99) / pct(inProcessWarm, 99),
      ],
      [
        `queue consumer, ${MESSAGES} messages (msg/s)`,
        `${consumerRate.toFixed(0)}/s`,
        `${manualRate.toFixed(0)}/s`,
        consumerRate / manualRate,
      ],
      [
        'PutEvents to the rule`s function starting, p50',
        ms(pct(eventLatency, 50)),
        ms(pct(warm, 50)),
        pct(eventLatency, 50) / pct(warm, 50),
      ],
    ];
    const width = Math.max(...rows.map((r) => r[0].length));
    console.log(
      `${'measure'.padEnd(width)}  ${'local cloud'.padStart(12)}  ${'baseline'.padStart(12)}  ratio`,
    );
    for (const [label, a, b, ratio] of rows) {
      console.log(
        `${label.padEnd(width)}  ${a.padStart(12)}  ${b.padStart(12)}  ${ratio.toFixed(ratio < 10 ? 2 : 0)}x`,
      );
    }
    console.log(
      `\nbaseline = the same handler called in this process (cold: its module loaded first), a new \`node\`` +
        ` process that loads and calls it, or the cheapest signed SDK call through the front. Local cloud =` +
        ` Lambda Invoke with the SDK (signature check, the function's configuration, the worker's IPC round` +
        ` trip) or a GET of the HTTP API URL. The queue consumer row compares the cloud's poller running the` +
        ` function on batches of 10 with a client receiving and deleting the same messages itself; the` +
        ` PutEvents row, an event put on the bus until the matching rule's function starts, with a warm Invoke.`,
    );
  } finally {
    lambda.destroy();
    iam.destroy();
    apigw.destroy();
    sqs.destroy();
    await cloud.stop();
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(codeDir, { recursive: true, force: true });
  }
}

await main();
