import * as fs from 'node:fs';
import * as path from 'node:path';
import { appIndexFile, readAppIndex } from '../core/app-index';
import { DEFAULT_STACKS, sampleWorkspace } from '../test-utils/sample-workspace';
import { resolveScope } from './bind';

// The first scope loads both infra apps (aws-cdk-lib): seconds on a loaded machine.
jest.setTimeout(300_000);

/**
 * Two infra apps; the one bound to web is the Nx project crud-api (project.json, with a comment)
 * whose package.json says ws; web's package.json names it @acme/web and Nx web (nx.name).
 */
const root = sampleWorkspace({
  stacks: DEFAULT_STACKS.replace(
    /\n}$/,
    "\n  new Function(stack, 'web', { handler: 'apps/web/src/handler.handler', bind: [bucket] });\n}",
  ),
  extraFiles: {
    'package.json': JSON.stringify({ name: 'sample', private: true, workspaces: ['apps/*'] }),
    'apps/infra/project.json': '{\n  // the infra app\n  "name": "crud-api",\n}\n',
    'apps/infra/package.json': JSON.stringify({ name: 'ws', private: true }),
    'apps/web/package.json': JSON.stringify({ name: '@acme/web', nx: { name: 'web' } }),
    'apps/web/src/handler.ts': 'export const handler = async () => ({});',
    'apps/other/project.json': JSON.stringify({ name: 'other' }),
    'apps/other/sst.config.ts': [
      "import type { SSTConfig } from '@nx-sst/constructs';",
      "export default { config() { return { name: 'other-app', region: 'us-east-1' }; }, stacks() {} } satisfies SSTConfig;",
    ].join('\n'),
  },
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** What `nx-sst bind` resolves in `cwd` (a variable, not a literal: the options type is being split). */
const scopeIn = (cwd: string, extra: { app?: string } = {}) => {
  const opts = {
    workspaceRoot: root,
    cwd: path.join(root, cwd),
    stage: 'local',
    env: {},
    command: ['true'],
    ...extra,
  };
  return resolveScope(opts);
};

describe('the scope of a bind', () => {
  it('is the project by its Nx name, with the manifest name a stage deployed before still has', async () => {
    const scope = await scopeIn('apps/web/src', { app: 'crud-api' });
    expect(scope).toMatchObject({
      entry: { appRoot: 'apps/infra', project: 'crud-api', name: 'shop' },
      stage: 'local',
      project: 'web',
      label: 'project web',
      manifest: '/sst/shop/local/_bind/project/web',
      legacyManifests: ['/sst/shop/local/_bind/project/_acme/web'],
    });
    // A project whose name did not change has no other manifest to look for.
    const api = await scopeIn('apps/api', { app: 'crud-api' });
    expect(api.manifest).toBe('/sst/shop/local/_bind/project/api');
    expect(api.legacyManifests).toBeUndefined();
  });

  it('takes --app as the Nx project name, the folder or the SST app name, and names the apps otherwise', async () => {
    for (const app of ['crud-api', 'apps/infra', 'shop'])
      expect((await scopeIn('apps/web', { app })).entry.appRoot).toBe('apps/infra');
    await expect(scopeIn('apps/web', { app: 'ws' })).rejects.toMatchObject({
      message: `No infra app "ws" in ${root}.`,
      hint: 'Infra apps here: crud-api (apps/infra), other (apps/other).',
    });
    await expect(scopeIn('.')).rejects.toMatchObject({
      message: 'This workspace has several infra apps (crud-api (apps/infra), other (apps/other)).',
      hint: 'Say which one with --app <name>.',
    });
  });

  it('finds the app of a project in an index written before projects had their Nx names', async () => {
    const apps = readAppIndex(root).map(({ project: _project, ...entry }) => ({
      ...entry,
      projects: entry.projects.map((p) => (p === 'web' ? '@acme/web' : p)),
    }));
    fs.writeFileSync(appIndexFile(root), JSON.stringify({ apps }));
    const scope = await scopeIn('apps/web');
    expect(scope).toMatchObject({
      entry: { appRoot: 'apps/infra', projects: ['api', '@acme/web', 'worker'] },
      project: 'web',
      manifest: '/sst/shop/local/_bind/project/web',
      legacyManifests: ['/sst/shop/local/_bind/project/_acme/web'],
    });
  });
});
