import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { CLI } from '../test-utils/cli';
import { createDiskWorkspace, git, nx, nxStatus, NX_ENV, writeFiles } from './test-utils/disk-workspace';

// Real Nx processes on a loaded machine: each command takes seconds.
jest.setTimeout(300_000);

const STACK = `import { Bucket, Config, Function, NextjsSite, Table, type StackContext } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  const publicBucket = new Bucket(stack, 'public');
  const ordersTable = new Table(stack, 'orders', { fields: { pk: 'string' }, primaryIndex: { partitionKey: 'pk' } });
  const STRIPE_KEY = new Config.Secret(stack, 'STRIPE_KEY');
  new NextjsSite(stack, 'web', { path: 'apps/web', bind: [publicBucket, STRIPE_KEY] });
  new Function(stack, 'worker', { handler: 'libs/functions/src/index.handler', bind: [ordersTable] });
}
`;

/** The built plugin (Node 20 cannot load a .ts plugin) in a workspace on disk, through the nx CLI. */
describe('the nx-sst plugin in a workspace on disk', () => {
  let ws: { root: string; dispose(): void };

  beforeAll(() => {
    ws = createDiskWorkspace({
      'package.json': JSON.stringify({ name: 'ws', private: true, workspaces: ['apps/*', 'libs/*'] }),
      'nx.json': JSON.stringify({ analytics: false, plugins: ['nx-sst'] }),
      '.gitignore': 'node_modules\n.nx\n.sst\n',
      'apps/infra/project.json': JSON.stringify({ name: 'infra' }),
      'apps/infra/sst.config.ts': `import type { SSTConfig } from '@nx-sst/constructs';
import { Default } from './stacks/Default';
export default { config() { return { name: 'shop', region: 'us-east-1' }; }, stacks(app) { app.stack(Default); } } satisfies SSTConfig;
`,
      'apps/infra/stacks/Default.ts': STACK,
      'apps/web/package.json': JSON.stringify({
        name: 'web',
        scripts: { dev: 'nx-sst bind -- next dev', build: 'nx-sst bind -- next build', lint: 'eslint .' },
      }),
      'libs/functions/project.json': JSON.stringify({
        name: 'functions',
        targets: {
          // A command target, and a package.json script through nx:run-script (an executor).
          test: { command: 'node -e "console.log(\'table=\' + process.env.SST_Table_tableName_orders)"' },
          e2e: { executor: 'nx:run-script', options: { script: 'probe' } },
          lint: { command: 'node -e "console.log(\'table=\' + process.env.SST_Table_tableName_orders)"' },
        },
      }),
      'libs/functions/package.json': JSON.stringify({
        name: 'functions',
        scripts: {
          probe: 'node -e "console.log(\'script table=\' + process.env.SST_Table_tableName_orders)"',
        },
      }),
      'libs/functions/src/index.ts': 'export async function handler() {}\n',
      'libs/utils/project.json': JSON.stringify({
        name: 'utils',
        targets: {
          test: { command: 'echo test' },
          // A cached target through the bind executor: its schema must not make it continuous (Nx
          // refuses the whole graph when a target is both).
          'test-bound': { executor: 'nx-sst:bind', cache: true, options: { command: 'echo test' } },
        },
      }),
    });
  });
  afterAll(async () => {
    await stopDaemon(localCloudDir(ws.root));
    ws.dispose();
  });

  it('infers the infra app targets with exact inputs and outputs', () => {
    const infra = JSON.parse(nx(ws.root, ['show', 'project', 'infra', '--json']));
    expect(Object.keys(infra.targets).sort()).toEqual([
      'deploy',
      'dev',
      'diff',
      'remove',
      'secrets',
      'types',
    ]);
    expect(infra.targets.dev).toMatchObject({
      options: { command: 'nx-sst dev', cwd: 'apps/infra' },
      continuous: true,
      cache: false,
    });
    expect(infra.targets.deploy).toMatchObject({
      executor: 'nx:run-commands',
      options: { command: 'nx-sst deploy', cwd: 'apps/infra' },
      cache: false,
      metadata: { technologies: ['sst', 'aws-cdk'] },
    });
    expect(infra.targets.types).toMatchObject({
      options: { command: 'nx-sst types', cwd: 'apps/infra' },
      cache: true,
      inputs: [
        '{projectRoot}/**/*',
        '!{projectRoot}/.sst/**/*',
        '!{projectRoot}/cdk.out/**/*',
        { env: 'SST_STAGE' },
      ],
      outputs: [
        '{projectRoot}/.sst/types',
        '{workspaceRoot}/apps/web/sst-env.d.ts',
        '{workspaceRoot}/libs/functions/sst-env.d.ts',
      ],
    });
    expect(infra.metadata.sst).toEqual({
      resources: ['Bucket.public', 'Function.worker', 'NextjsSite.web', 'Secret.STRIPE_KEY', 'Table.orders'],
      boundProjects: ['functions', 'web'],
    });
  });

  it("gives bound projects' targets the sync generator and their tasks the binding fingerprint", () => {
    const web = JSON.parse(nx(ws.root, ['show', 'project', 'web', '--json']));
    for (const name of ['dev', 'build']) {
      expect(web.targets[name]).toMatchObject({
        executor: 'nx:run-script',
        options: { script: name },
        syncGenerators: ['nx-sst:sync'],
      });
      expect(web.targets[name].dependsOn).toBeUndefined();
    }
    expect(web.targets.lint.syncGenerators).toBeUndefined();
    // Targets web does not have are not made up.
    expect(Object.keys(web.targets).sort()).toEqual(['build', 'dev', 'lint']);
    expect(web.namedInputs.default).toEqual([
      '{projectRoot}/**/*',
      { runtime: 'node node_modules/nx-sst/dist/cli/fingerprint.js apps/web' },
    ]);
    expect(web.metadata.sst).toEqual({
      bindings: [{ app: 'infra', targets: ['web'], resources: ['Bucket.public', 'Secret.STRIPE_KEY'] }],
    });
    const utils = JSON.parse(nx(ws.root, ['show', 'project', 'utils', '--json']));
    expect(utils.targets.test.syncGenerators).toBeUndefined();
    expect(utils.targets['test-bound']).toMatchObject({ executor: 'nx-sst:bind', cache: true });
    expect(utils.targets['test-bound'].continuous).toBeFalsy();
    expect(utils.namedInputs).toBeUndefined();
    expect(utils.metadata?.sst).toBeUndefined();
  });

  it('has an edge from each bound project to the infra app, with metadata, in the graph', () => {
    nx(ws.root, ['graph', '--file=graph.json']);
    const { graph } = JSON.parse(readFileSync(join(ws.root, 'graph.json'), 'utf-8'));
    expect(graph.dependencies.web).toEqual([{ source: 'web', target: 'infra', type: 'implicit' }]);
    expect(graph.dependencies.functions).toEqual([
      { source: 'functions', target: 'infra', type: 'implicit' },
    ]);
    expect(graph.dependencies.utils).toEqual([]);
    expect(graph.dependencies.infra).toEqual([]);
    expect(graph.nodes.functions.data.metadata.sst).toEqual({
      bindings: [{ app: 'infra', targets: ['worker'], resources: ['Table.orders'] }],
    });
  });

  it('is out of sync until nx sync writes the bound projects’ sst-env.d.ts, then clean', () => {
    const before = nxStatus(ws.root, ['sync:check']);
    expect(before.status).not.toBe(0);
    expect(before.output).toContain('apps/web/sst-env.d.ts: missing');
    nx(ws.root, ['sync']);
    expect(readFileSync(join(ws.root, 'apps/web/sst-env.d.ts'), 'utf-8')).toContain(`"STRIPE_KEY": {`);
    expect(readFileSync(join(ws.root, 'libs/functions/sst-env.d.ts'), 'utf-8')).toContain(`"orders": {`);
    expect(existsSync(join(ws.root, 'libs/utils/sst-env.d.ts'))).toBe(false);
    expect(nxStatus(ws.root, ['sync:check']).status).toBe(0);
  });

  it('runs bound targets with the bindings, whatever defines them, daemon off and on', () => {
    // The built CLI through node: a fresh build's dist/cli/main.js has no executable bit for .bin/nx-sst.
    execFileSync(process.execPath, [CLI, 'deploy'], {
      cwd: join(ws.root, 'apps/infra'),
      env: { ...process.env, ...NX_ENV },
      stdio: 'ignore',
    });
    // Nx's executor processes read the graph from its cache file: on here, as Nx has it by default.
    // With it off (the test above), the plugin computes the graph again for the list of bound tasks.
    const uncached = nxStatus(ws.root, ['run', 'functions:test']);
    expect(uncached.output).toMatch(/table=local-shop-Default-ordersTable\w+/);
    for (const daemon of ['false', 'true']) {
      const run = (args: string[], env: Record<string, string> = {}) =>
        nxStatus(ws.root, args, { NX_DAEMON: daemon, NX_CACHE_PROJECT_GRAPH: 'true', ...env });
      try {
        const test = run(['run', 'functions:test']);
        expect(test.output).toMatch(/table=local-shop-Default-ordersTable\w+/);
        expect(test.output).toMatch(/nx-sst: project functions on stage "local"/);
        expect(run(['run', 'functions:e2e']).output).toMatch(/script table=local-shop-Default-ordersTable/);
        // lint is not a bound target; NX_SST_BIND=0 runs a bound one unbound.
        expect(run(['run', 'functions:lint']).output).toContain('table=undefined');
        expect(run(['run', 'functions:test'], { NX_SST_BIND: '0' }).output).toContain('table=undefined');
      } finally {
        if (daemon === 'true') run(['daemon', '--stop']);
      }
    }
  });

  it('selects the bound projects, and not the others, as affected by a stack change', () => {
    git(ws.root, ['init', '-q', '-b', 'main']);
    git(ws.root, ['add', '-A']);
    git(ws.root, ['commit', '-q', '-m', 'base']);
    writeFiles(ws.root, {
      'apps/infra/stacks/Default.ts': STACK.replace(
        "new Bucket(stack, 'public')",
        "new Bucket(stack, 'public', {})",
      ),
    });
    const affected = nx(ws.root, ['show', 'projects', '--affected', '--base=HEAD', '--json']);
    expect(JSON.parse(affected).sort()).toEqual(['functions', 'infra', 'web']);
  });
});
