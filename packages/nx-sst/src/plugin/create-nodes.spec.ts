import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createNodes } from './create-nodes';

describe('createNodes', () => {
  let root: string;
  const write = (files: Record<string, string>) => {
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), content);
    }
  };
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-sst-create-nodes-'));
    process.env.NX_WORKSPACE_DATA_DIRECTORY = join(root, '.nx', 'workspace-data');
    write({
      // apps/web is a project through the workspaces; apps/shop, outside them, through its sst.config.ts.
      'package.json': '{ "name": "ws", "private": true, "workspaces": ["apps/web"] }',
      'apps/infra/project.json': '{ "name": "infra" }',
      'apps/infra/sst.config.ts': 'export default {}',
      'apps/infra/stacks/Default.ts': `import { NextjsSite, type StackContext } from '@nx-sst/constructs';
export function Default({ stack }: StackContext) { new NextjsSite(stack, 'web', { path: 'apps/web' }); }`,
      'apps/web/package.json': '{ "name": "web", "scripts": { "dev": "next dev", "lint": "eslint ." } }',
      'apps/shop/package.json': '{ "name": "shop-infra" }',
      'apps/shop/sst.config.ts': 'export default {}',
      'apps/shop/stacks/Default.ts': `import { NextjsSite, type StackContext } from '@nx-sst/constructs';
export function Default({ stack }: StackContext) { new NextjsSite(stack, 'web', { path: 'apps/web' }); }`,
      'loose/sst.config.ts': 'export default {}',
    });
  });
  afterEach(() => {
    delete process.env.NX_WORKSPACE_DATA_DIRECTORY;
    rmSync(root, { recursive: true, force: true });
  });

  const run = (options?: object) =>
    createNodes[1](['apps/infra/sst.config.ts', 'apps/shop/sst.config.ts', 'loose/sst.config.ts'], options, {
      nxJsonConfiguration: {},
      workspaceRoot: root,
    });

  it('merges what several apps add to one bound project, and skips folders that are not projects', async () => {
    const results = await run({
      typesTargetName: 'sst-types',
      deployTargetName: 'ship',
      devTargetName: 'sst-dev',
    });
    const byRoot = Object.assign({}, ...results.map(([, r]) => r.projects ?? {}));
    expect(Object.keys(byRoot).sort()).toEqual(['apps/infra', 'apps/shop', 'apps/web']);
    expect(Object.keys(byRoot['apps/infra'].targets).sort()).toEqual([
      'diff',
      'remove',
      'secrets',
      'ship',
      'sst-dev',
      'sst-types',
    ]);
    // Runs until stopped: Nx must not wait for it to end before the tasks that depend on it.
    expect(byRoot['apps/infra'].targets['sst-dev']).toMatchObject({
      command: 'nx-sst dev',
      continuous: true,
      cache: false,
    });
    // Whatever defines web's targets: its tasks hash the binding fingerprint, and those of them that
    // exist run the sync generator first (a target with neither executor nor dependsOn is dropped).
    const sync = { syncGenerators: ['...', 'nx-sst:sync'] };
    expect(byRoot['apps/web']).toEqual({
      namedInputs: {
        default: [
          '{projectRoot}/**/*',
          { runtime: expect.stringMatching(/^node \S*nx-sst\/(src|dist)\/cli\/fingerprint\.js apps\/web$/) },
        ],
      },
      targets: Object.fromEntries(
        ['build', 'dev', 'e2e', 'e2e-ci', 'preview', 'serve', 'start', 'test', 'test-ci', 'typecheck'].map(
          (t) => [t, sync],
        ),
      ),
    });
  });

  it("extends the workspace's own default input and takes the bound target names from the options", async () => {
    const results = await createNodes[1](
      ['apps/infra/sst.config.ts'],
      { boundTargetNames: ['dev', 'e2e'] },
      {
        nxJsonConfiguration: { namedInputs: { default: ['{projectRoot}/**/*', 'sharedGlobals'] } },
        workspaceRoot: root,
      },
    );
    const web = results.map(([, r]) => r.projects?.['apps/web']).find(Boolean);
    expect(web?.namedInputs?.default.slice(0, 2)).toEqual(['{projectRoot}/**/*', 'sharedGlobals']);
    expect(Object.keys(web?.targets ?? {})).toEqual(['dev', 'e2e', 'typecheck']);
  });

  it('adds no target whose name targetDefaults gives a dependsOn (Nx would keep it as a no-op)', async () => {
    const results = await createNodes[1](['apps/infra/sst.config.ts'], undefined, {
      nxJsonConfiguration: { targetDefaults: { test: { dependsOn: ['^build'] }, build: { cache: true } } },
      workspaceRoot: root,
    });
    const web = results.map(([, r]) => r.projects?.['apps/web']).find(Boolean);
    expect(web?.targets?.test).toBeUndefined();
    expect(web?.targets?.build).toEqual({ syncGenerators: ['...', 'nx-sst:sync'] });
  });

  it('caches what it read from the stacks on disk, keyed by their content', async () => {
    const first = await run();
    expect(readdirSync(join(root, '.nx', 'workspace-data'))).toContain('nx-sst-nodes.json');
    expect(await run()).toEqual(first);
    write({
      'apps/infra/stacks/Default.ts': `import { type StackContext } from '@nx-sst/constructs';\nexport function Default({ stack }: StackContext) {}`,
    });
    const after = await run();
    expect(after.map(([, r]) => r.projects?.['apps/web']).find(Boolean)).toBeDefined();
    write({
      'apps/shop/stacks/Default.ts': `import { type StackContext } from '@nx-sst/constructs';\nexport function Default({ stack }: StackContext) {}`,
    });
    expect((await run()).map(([, r]) => r.projects?.['apps/web']).find(Boolean)).toBeUndefined();
  });
});

describe('listInfraSources', () => {
  it('reads only stacks/ for an app at the workspace root, and skips build output and specs', () => {
    const { listInfraSources } = jest.requireActual('./infra-sources') as typeof import('./infra-sources');
    const root = mkdtempSync(join(tmpdir(), 'nx-sst-sources-'));
    try {
      for (const file of [
        'sst.config.ts',
        'stacks/Default.ts',
        'stacks/Default.spec.ts',
        'stacks/nested/Api.ts',
        'apps/web/src/page.ts',
        'infra/stacks/Data.ts',
        'infra/.sst/types/index.ts',
        'infra/cdk.out/x.js',
        'infra/types.d.ts',
      ]) {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        writeFileSync(join(root, file), '');
      }
      expect(listInfraSources(root, '.')).toEqual(['stacks/Default.ts', 'stacks/nested/Api.ts']);
      expect(listInfraSources(root, 'infra')).toEqual(['infra/stacks/Data.ts']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
