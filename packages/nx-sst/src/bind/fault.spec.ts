/*
 * `nx-sst bind` and the stage under the faults a careless user or a task runner brings (issue
 * "Hardening"): each test runs the reproduction against the built CLI and a local cloud.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startLocalCloud, stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { deploy } from '../deploy/deploy';
import { setSecret } from '../secrets/secrets';
import { CLI, runCli } from '../test-utils/cli';
import { sampleWorkspace } from '../test-utils/sample-workspace';

jest.setTimeout(120_000);

const STACKS = [
  "import { Config, Function, type StackContext } from '@nx-sst/constructs';",
  'export function Default({ stack }: StackContext) {',
  "  const version = new Config.Parameter(stack, 'VERSION', { value: '1.0.0' });",
  "  const key = new Config.Secret(stack, 'STRIPE_KEY');",
  "  new Function(stack, 'api', { handler: 'apps/api/src/handler.handler', bind: [version, key] });",
  '}',
].join('\n');

const root = sampleWorkspace({ stacks: STACKS });
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

const appRoot = path.join(root, 'apps/infra');

beforeAll(async () => {
  await setSecret({
    workspaceRoot: root,
    appRoot,
    stage: 'local',
    name: 'STRIPE_KEY',
    value: 'sk_test_fault',
  });
  await deploy({
    workspaceRoot: root,
    appRoot: path.join(root, 'apps/infra'),
    stage: 'local',
    io: { write: () => {} },
  });
});
afterAll(async () => {
  await stopDaemon(localCloudDir(root));
  fs.rmSync(root, { recursive: true, force: true });
});

// A zombie is dead: it only waits for its parent to reap it.
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
};
async function waitDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 400 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

/** `nx-sst bind --target api -- …` without a terminal (as a task runner or CI runs it). */
function bind(command: string[]) {
  const proc = spawn(process.execPath, [CLI, 'bind', '--target', 'api', '--', ...command], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.resume();
  const exited = new Promise<number | null>((resolve) =>
    proc.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
  );
  const firstLine = async () => {
    while (!stdout.includes('\n')) await new Promise((r) => setTimeout(r, 20));
    return stdout.split('\n')[0];
  };
  return { proc, exited, firstLine };
}

describe('bind without a terminal', () => {
  it('leaves no process running with the secrets when bind itself is killed with SIGKILL', async () => {
    const b = bind(['sh', '-c', 'trap "" TERM; sleep 300 & echo $$ $!; wait']);
    const [child, grandchild] = (await b.firstLine()).split(' ').map(Number);
    expect(alive(child) && alive(grandchild)).toBe(true);
    b.proc.kill('SIGKILL');
    await b.exited;
    expect(await waitDead(child)).toBe(true);
    expect(await waitDead(grandchild)).toBe(true);
  });

  it('kills a command that ignores SIGTERM and SIGINT after the 5 s grace period, whatever signals follow', async () => {
    const b = bind([
      process.execPath,
      '-e',
      'for (const s of ["SIGTERM", "SIGINT"]) process.on(s, () => {}); console.log(process.pid); setInterval(() => {}, 1000)',
    ]);
    const child = Number(await b.firstLine());
    const started = Date.now();
    for (let i = 0; i < 5; i++) {
      b.proc.kill(i % 2 ? 'SIGINT' : 'SIGTERM');
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(await b.exited).toBe(137);
    expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    expect(await waitDead(child)).toBe(true);
  });
});

describe('a throttled SSM', () => {
  it('lets three binds started at once all run their command', async () => {
    const cloud = await startLocalCloud({ stateDir: localCloudDir(root) });
    await cloud.setFaults({ throttle: { 'ssm:GetParameters': 1 } });
    try {
      const runs = await Promise.all(
        Array.from({ length: 3 }, (_, i) =>
          runCli(root, ['bind', '--target', 'api', '--', process.execPath, '-e', `console.log("run ${i}")`], {
            env,
          }),
        ),
      );
      for (const [i, out] of runs.entries()) {
        expect(out.stderr).not.toContain('ThrottlingException');
        expect(out).toMatchObject({ code: 0, stdout: `run ${i}\n` });
      }
    } finally {
      await cloud.clearFaults();
    }
  });
});

describe('a NUL byte in a secret', () => {
  const VALUE = 'sk_live_nul\0tail';

  it('is refused by secrets set from stdin, naming the secret, never printing the value', async () => {
    const out = await runCli(root, ['secrets', 'set', 'STRIPE_KEY'], { env, stdin: VALUE });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('The value of STRIPE_KEY holds a NUL byte');
    expect(out.stderr + out.stdout).not.toContain('sk_live_nul');
    const got = await runCli(root, ['secrets', 'get', 'STRIPE_KEY'], { env });
    expect(got.stdout.trim()).toBe('sk_test_fault');
  });

  it('stored from elsewhere, stops bind naming the variable, never printing the value', async () => {
    const cloud = await startLocalCloud({ stateDir: localCloudDir(root) });
    const ssm = new SSMClient(cloud.clientConfig);
    const name = '/sst/shop/local/Secret/STRIPE_KEY/value';
    try {
      await ssm.send(
        new PutParameterCommand({ Name: name, Value: VALUE, Type: 'SecureString', Overwrite: true }),
      );
      const out = await runCli(
        root,
        ['bind', '--target', 'api', '--', process.execPath, '-e', 'console.log("ran")'],
        { env },
      );
      expect(out.code).toBe(1);
      expect(out.stdout).not.toContain('ran');
      expect(out.stderr).toContain('The value of SST_Secret_value_STRIPE_KEY holds a NUL byte');
      expect(out.stderr).not.toContain('sk_live_nul');
    } finally {
      await ssm.send(
        new PutParameterCommand({
          Name: name,
          Value: 'sk_test_fault',
          Type: 'SecureString',
          Overwrite: true,
        }),
      );
      ssm.destroy();
    }
  });
});

describe('an empty stage', () => {
  it.each([
    [['--stage', ''], {}, 'The stage given with --stage is empty.'],
    [[], { SST_STAGE: '' }, 'The environment variable SST_STAGE is set but empty.'],
  ])('is refused, not taken as local (%j %j)', async (flag, extra, message) => {
    for (const args of [
      ['bind', ...flag, '--target', 'api', '--', process.execPath, '-e', 'console.log("ran")'],
      ['secrets', 'list', ...flag],
    ]) {
      const out = await runCli(root, args, { env: { ...env, ...extra } });
      expect(out.code).toBe(1);
      expect(out.stdout).not.toContain('ran');
      expect(out.stderr).toContain(message);
    }
  });
});
