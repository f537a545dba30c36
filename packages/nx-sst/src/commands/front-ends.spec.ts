import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { createDiskWorkspace, nxStatus } from '../plugin/test-utils/disk-workspace';
import { runCli } from '../test-utils/cli';

jest.setTimeout(600_000);

/**
 * Every command through its three front-ends — `nx-sst …` (the CLI), `nx run infra:<target>` (the
 * inferred target, which runs the CLI in the app's folder) and the `nx-sst:<command>` executor — on
 * the same workspace and cloud: the same result, the same lines, the same failures.
 */
describe('the CLI, the inferred targets and the executors run the same commands', () => {
  let ws: { root: string; dispose(): void };
  let context: Record<string, unknown>;

  beforeAll(() => {
    ws = createDiskWorkspace({
      'package.json': JSON.stringify({ name: 'ws', private: true }),
      'nx.json': JSON.stringify({ analytics: false, plugins: ['nx-sst'] }),
      'apps/infra/project.json': JSON.stringify({ name: 'infra' }),
      'apps/infra/sst.config.ts': `import type { SSTConfig } from '@nx-sst/constructs';
import { Config, type StackContext } from '@nx-sst/constructs';
function Default({ stack }: StackContext) {
  const mode = new Config.Parameter(stack, 'MODE', { value: 'on' });
  const key = new Config.Secret(stack, 'KEY');
  stack.addOutputs({ mode: mode.value });
  void key;
}
export default { config: () => ({ name: 'fronts', region: 'us-east-1' }), stacks(app) { app.stack(Default); } } satisfies SSTConfig;
`,
    });
    context = {
      root: ws.root,
      cwd: ws.root,
      projectName: 'infra',
      targetName: 'x',
      projectsConfigurations: { version: 2, projects: { infra: { root: 'apps/infra' } } },
      nxJsonConfiguration: {},
      isVerbose: false,
      projectGraph: { nodes: {}, dependencies: {} },
    };
  });
  afterAll(async () => {
    await stopDaemon(localCloudDir(ws.root));
    ws.dispose();
  });

  interface Ran {
    ok: boolean;
    stdout: string;
    stderr: string;
  }

  /**
   * The built executor in a Node process of its own, as Nx runs a task: its module loaded from dist,
   * called with the task's options and an executor context, its result as the exit code.
   */
  async function viaExecutor(executor: string, options: Record<string, unknown>): Promise<Ran> {
    const impl = join(__dirname, '../../dist/executors', executor, `${executor}.impl.js`);
    const script = `require(${JSON.stringify(impl)}).default(${JSON.stringify(options)}, ${JSON.stringify(context)})
      .then((r) => process.exit(r.success ? 0 : 1), (e) => { console.error(e); process.exit(2); });`;
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['-e', script], {
        cwd: ws.root,
        env: { ...process.env, NX_DAEMON: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
    return { ok: r.code === 0, stdout: r.stdout, stderr: r.stderr };
  }

  async function viaCli(args: string[]): Promise<Ran> {
    const r = await runCli(join(ws.root, 'apps/infra'), args, {
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    return { ok: r.code === 0, stdout: r.stdout, stderr: r.stderr };
  }

  /** The output Nx prints for the task holds the command's own lines. */
  function viaTarget(args: string[]): { ok: boolean; output: string } {
    const r = nxStatus(ws.root, ['run', ...args]);
    return { ok: r.status === 0, output: r.output };
  }

  /** Lines that differ by nature: durations and timestamps. */
  const stable = (text: string) =>
    text
      .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '<timestamp>')
      .replace(/\d+(\.\d+)?\s?(ms|s)\b/g, '<time>')
      .replace(/\d{1,2}:\d{2}:\d{2}( [AP]M)?/g, '<clock>')
      .split('\n')
      .filter((l) => !/^\s*$/.test(l));

  async function expectSame(
    cli: string[],
    target: string[],
    executor: [string, Record<string, unknown>],
    expected: { ok: boolean; stdout?: RegExp | string; stderr?: RegExp | string },
  ) {
    const a = await viaCli(cli);
    const b = await viaExecutor(...executor);
    const c = viaTarget(target);
    expect({ cli: a.ok, executor: b.ok, target: c.ok }).toEqual({
      cli: expected.ok,
      executor: expected.ok,
      target: expected.ok,
    });
    expect(stable(b.stdout)).toEqual(stable(a.stdout));
    // toolkit-lib's progress lines carry times and resource order; the rest is compared line by line.
    const progress = /\|\s*(CREATE|UPDATE|DELETE)_/;
    expect(stable(b.stderr).filter((l) => !progress.test(l))).toEqual(
      stable(a.stderr).filter((l) => !progress.test(l)),
    );
    for (const line of [...stable(a.stdout), ...stable(a.stderr).filter((l) => !progress.test(l))])
      expect(stable(c.output)).toContain(line);
    if (expected.stdout) expect(a.stdout).toMatch(expected.stdout);
    if (expected.stderr) expect(a.stderr).toMatch(expected.stderr);
  }

  it('secrets: set, get, list, remove of a set and of an unset secret, load', async () => {
    const secrets = (o: Record<string, unknown>): [string, Record<string, unknown>] => ['secrets', o];
    await expectSame(
      ['secrets', 'set', 'KEY', 'v1'],
      ['infra:secrets', '--', 'set', 'KEY', 'v1'],
      secrets({ command: 'set', name: 'KEY', value: 'v1' }),
      { ok: true, stderr: /^✔ Set KEY\n$/ },
    );
    await expectSame(
      ['secrets', 'get', 'KEY'],
      ['infra:secrets', '--', 'get', 'KEY'],
      secrets({ command: 'get', name: 'KEY' }),
      { ok: true, stdout: /^v1$/ },
    );
    await expectSame(
      ['secrets', 'list', '--format', 'json'],
      ['infra:secrets', '--', 'list', '--format', 'json'],
      secrets({ command: 'list', format: 'json' }),
      { ok: true, stdout: /"KEY"/ },
    );
    // Was "Removed" through the executor while the CLI failed.
    await expectSame(
      ['secrets', 'remove', 'NOPE'],
      ['infra:secrets', '--', 'remove', 'NOPE'],
      secrets({ command: 'remove', name: 'NOPE' }),
      { ok: false, stderr: /^✖ "NOPE" is not set\.\n$/ },
    );
    const env = join(ws.root, 'more.env');
    writeFileSync(env, 'A=1\nB=2\n');
    await expectSame(
      ['secrets', 'load', env],
      ['infra:secrets', '--', 'load', env],
      secrets({ command: 'load', name: env }),
      { ok: true, stderr: /^✔ Set 2 secret\(s\): A, B\n$/ },
    );
    await expectSame(
      ['secrets', 'frobnicate'],
      ['infra:secrets', '--', 'frobnicate'],
      secrets({ command: 'frobnicate' }),
      { ok: false, stderr: /Unknown secrets command "frobnicate"/ },
    );
  });

  it('types, deploy (unchanged the second time) and diff', async () => {
    await viaCli(['types']);
    await expectSame(['types'], ['infra:types', '--skip-nx-cache'], ['types', {}], {
      ok: true,
      stdout: /^Types are up to date\.\n$/,
    });
    await viaCli(['deploy']);
    await expectSame(['deploy'], ['infra:deploy'], ['deploy', {}], {
      ok: true,
      stdout: /Deployed fronts to the stage "local"[\s\S]*mode: on/,
    });
    await expectSame(['diff'], ['infra:diff'], ['diff', {}], {
      ok: true,
      stdout: /No changes for fronts on the stage "local"/,
    });
    await expectSame(
      ['deploy', '--stacks', 'Nope'],
      ['infra:deploy', '--', '--stacks', 'Nope'],
      ['deploy', { stacks: ['Nope'] }],
      { ok: false },
    );
  });
});
