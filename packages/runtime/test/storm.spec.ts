// A thundering herd: 100 processes cold-start at the same moment, each resolving 25 secrets
// (3 GetParameters calls), against SSM throttled to 40 requests per second. Every one must get its
// values through backoff and retries; the slowest time is printed for the report.
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startTestCloud, type LocalCloud } from '@nx-sst/local-cloud';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// The SDK's notice about future Node versions is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
jest.setTimeout(600_000);

const PROCESSES = 100;
const SECRETS = 25;
const RATE = 40;

let cloud: LocalCloud;
const children: ChildProcess[] = [];

beforeAll(async () => {
  cloud = await startTestCloud();
  const admin = new SSMClient(cloud.clientConfig);
  for (let i = 0; i < SECRETS; i++) {
    await admin.send(
      new PutParameterCommand({
        Name: `/sst/storm/prod/Secret/STORM_${i}/value`,
        Value: `secret-${i}`,
        Type: 'SecureString',
      }),
    );
  }
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await cloud?.stop();
});

it(`${PROCESSES} processes resolve ${SECRETS} secrets each against SSM throttled at ${RATE}/s`, async () => {
  const env: Record<string, string> = {
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SST'))),
    ...cloud.env,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    SST_APP: 'storm',
    SST_STAGE: 'prod',
    SST_SSM_PREFIX: '/sst/storm/prod/',
    STORM_SECRETS: String(SECRETS),
  };
  for (let i = 0; i < SECRETS; i++) env[`SST_Secret_value_STORM_${i}`] = '__FETCH_FROM_SSM__';

  const results: Promise<string>[] = [];
  // Started a few at a time (two cores); each waits for "go" once loaded.
  const startOne = async () => {
    const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'storm-process.cjs')], {
      cwd: __dirname,
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    const reader = createInterface({ input: child.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]();
    const next = () => reader.next().then((r) => (r.done ? 'exited' : (r.value as string)));
    expect(await next()).toBe('ready');
    results.push(next());
  };
  const starters = Array.from({ length: 4 }, async () => {
    while (children.length < PROCESSES) await startOne();
  });
  await Promise.all(starters);
  // Everyone is loaded and waiting before the throttle is armed, so the calls arrive together.
  await cloud.setFaults({ throttle: { 'ssm:GetParameters': RATE } });
  const started = Date.now();
  for (const child of children) child.stdin?.end('go\n');
  const reports = (await Promise.all(results)).map(
    (line) => JSON.parse(line) as { ms?: number; calls: number; most?: number; error?: string },
  );
  const wall = Date.now() - started;

  expect(reports.filter((r) => r.error)).toEqual([]);
  const times = reports.map((r) => r.ms as number).sort((a, b) => a - b);
  const calls = reports.reduce((sum, r) => sum + r.calls, 0);
  console.log(
    `storm: ${PROCESSES} processes x ${SECRETS} secrets at ${RATE} req/s: slowest ${Math.round(times[times.length - 1])} ms, ` +
      `median ${Math.round(times[Math.floor(times.length / 2)])} ms, wall ${wall} ms, ` +
      `${calls} GetParameters calls for ${PROCESSES * Math.ceil(SECRETS / 10)} needed, ` +
      `at most ${Math.max(...reports.map((r) => r.most as number))} attempts for one call (the limit is 20)`,
  );
});
