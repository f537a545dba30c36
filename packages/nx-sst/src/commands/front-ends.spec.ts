import type { ExecutorContext } from '@nx/devkit';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { createDiskWorkspace, nxStatus } from '../plugin/test-utils/disk-workspace';
import { runCli } from '../test-utils/cli';
import deployExecutor from '../executors/deploy/deploy.impl';
import diffExecutor from '../executors/diff/diff.impl';
import secretsExecutor from '../executors/secrets/secrets.impl';
import typesExecutor from '../executors/types/types.impl';

jest.setTimeout(600_000);

/**
 * Every command through its three front-ends — `nx-sst …` (the CLI), `nx run infra:<target>` (the
 * inferred target, which runs the CLI in the app's folder) and the `nx-sst:<command>` executor — on
 * the same workspace and cloud: the same result, the same lines, the same failures.
 */
describe('the CLI, the inferred targets and the executors run the same commands', () => {
  let ws: { root: string; dispose(): void };
  let context: ExecutorContext;

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
    } as unknown as ExecutorContext;
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

  async function viaExecutor(run: () => Promise<{ success: boolean }>): Promise<Ran> {
    let stdout = '';
    let stderr = '';
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((c) => ((stderr += String(c)), true));
    try {
      return { ok: (await run()).success, stdout, stderr };
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
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
      .replace(/\d+(\.\d+)?\s?(ms|s)\b/g, '<time>')
      .replace(/\d{1,2}:\d{2}:\d{2}( [AP]M)?/g, '<clock>')
      .split('\n')
      .filter((l) => !/^\s*$/.test(l));

  async function expectSame(
    cli: string[],
    target: string[],
    executor: () => Promise<{ success: boolean }>,
    expected: { ok: boolean; stdout?: RegExp | string; stderr?: RegExp | string },
  ) {
    const a = await viaCli(cli);
    const b = await viaExecutor(executor);
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
    const secrets = (o: Parameters<typeof secretsExecutor>[0]) => () => secretsExecutor(o, context);
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
      secrets({ command: 'frobnicate' as 'set' }),
      { ok: false, stderr: /Unknown secrets command "frobnicate"/ },
    );
  });

  it('types, deploy (unchanged the second time) and diff', async () => {
    await viaCli(['types']);
    await expectSame(['types'], ['infra:types', '--skip-nx-cache'], () => typesExecutor({}, context), {
      ok: true,
      stdout: /^Types are up to date\.\n$/,
    });
    await viaCli(['deploy']);
    await expectSame(['deploy'], ['infra:deploy'], () => deployExecutor({}, context), {
      ok: true,
      stdout: /Deployed fronts to the stage "local"[\s\S]*mode: on/,
    });
    await expectSame(['diff'], ['infra:diff'], () => diffExecutor({}, context), {
      ok: true,
      stdout: /No changes for fronts on the stage "local"/,
    });
    await expectSame(
      ['deploy', '--stacks', 'Nope'],
      ['infra:deploy', '--', '--stacks', 'Nope'],
      () => deployExecutor({ stacks: ['Nope'] }, context),
      { ok: false },
    );
  });
});
