import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { explicitStage, findInfraApps, resolveInfraApp, resolveProject, resolveStage } from './workspace';
import { tempWorkspace } from '../test-utils/cli';

const workspace = (files: Record<string, string>) => tempWorkspace(files, 'nx-sst-ws-');

describe('resolveStage', () => {
  const root = workspace({});
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('prefers --stage, then SST_STAGE, then .sst/stage, then local', () => {
    expect(resolveStage({ workspaceRoot: root, env: {} })).toBe('local');
    fs.mkdirSync(path.join(root, '.sst'), { recursive: true });
    fs.writeFileSync(path.join(root, '.sst/stage'), 'alice\n');
    expect(resolveStage({ workspaceRoot: root, env: {} })).toBe('alice');
    expect(resolveStage({ workspaceRoot: root, env: { SST_STAGE: 'ci' } })).toBe('ci');
    expect(resolveStage({ workspaceRoot: root, env: { SST_STAGE: 'ci' }, flag: 'prod' })).toBe('prod');
  });

  it('puts the stage config() returns after SST_STAGE and before .sst/stage, as SST v2 does', () => {
    // .sst/stage says alice (previous test).
    expect(resolveStage({ workspaceRoot: root, env: {}, configStage: 'dev' })).toBe('dev');
    expect(resolveStage({ workspaceRoot: root, env: { SST_STAGE: 'ci' }, configStage: 'dev' })).toBe('ci');
    expect(resolveStage({ workspaceRoot: root, env: {}, configStage: 'dev', flag: 'prod' })).toBe('prod');
    expect(() => resolveStage({ workspaceRoot: root, env: {}, configStage: 'dev_1' })).toThrow(
      /Invalid stage "dev_1" \(from config\(\) in sst\.config\.ts\)/,
    );
  });

  it.each(['1abc', 'my_stage', 'a b', 'x'.repeat(65), 'dev/x'])(
    'refuses the stage %j, naming where it came from',
    (stage) => {
      expect(() => resolveStage({ workspaceRoot: root, flag: stage })).toThrow(
        /Invalid stage .* \(from --stage\)/,
      );
      expect(() => resolveStage({ workspaceRoot: root, env: { SST_STAGE: stage } })).toThrow(
        /from SST_STAGE/,
      );
    },
  );

  it('refuses an empty --stage or SST_STAGE, naming it and the fix, instead of taking it as local', () => {
    for (const call of [
      () => resolveStage({ workspaceRoot: root, env: {}, flag: '' }),
      () => explicitStage({ env: {}, flag: '' }),
    ]) {
      expect(call).toThrow(expect.objectContaining({ message: 'The stage given with --stage is empty.' }));
      expect(call).toThrow(expect.objectContaining({ hint: expect.stringContaining('--stage prod') }));
    }
    for (const call of [
      () => resolveStage({ workspaceRoot: root, env: { SST_STAGE: '' } }),
      () => explicitStage({ env: { SST_STAGE: '' } }),
    ]) {
      expect(call).toThrow(/SST_STAGE is set but empty/);
      expect(call).toThrow(expect.objectContaining({ hint: expect.stringContaining('unset SST_STAGE') }));
    }
    // An explicit --stage still beats an empty variable.
    expect(resolveStage({ workspaceRoot: root, env: { SST_STAGE: '' }, flag: 'prod' })).toBe('prod');
    expect(explicitStage({ env: { SST_STAGE: '' }, flag: 'prod' })).toBe('prod');
  });
});

describe('projects and infra apps', () => {
  const root = workspace({
    'nx.json': '{}',
    'package.json': '{"name":"repo","workspaces":["apps/*"]}',
    'apps/infra/project.json': '{"name":"infra"}',
    'apps/infra/sst.config.ts': 'export default {}',
    'apps/other/package.json': '{"name":"@acme/other"}',
    'apps/other/sst.config.ts': 'export default {}',
    'apps/web/project.json': '{"name":"web"}',
    'apps/web/package.json': '{"name":"@acme/web"}',
    'apps/web/src/app/page.tsx': '',
    'node_modules/pkg/sst.config.ts': '',
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('names a path by its nearest project, project.json first', () => {
    expect(resolveProject(root, path.join(root, 'apps/web/src/app/page.tsx'))).toEqual({
      name: 'web',
      root: 'apps/web',
    });
    expect(resolveProject(root, path.join(root, 'apps/other'))).toEqual({
      name: '@acme/other',
      root: 'apps/other',
    });
    expect(resolveProject(root, path.join(root, 'README.md'))).toBeUndefined();
    expect(resolveProject(root, os.tmpdir())).toBeUndefined();
  });

  it('finds every sst.config.ts outside node_modules', async () => {
    const apps = await findInfraApps(root);
    expect(apps.map((a) => [a.name, path.relative(root, a.configFile)])).toEqual([
      ['infra', 'apps/infra/sst.config.ts'],
      ['@acme/other', 'apps/other/sst.config.ts'],
    ]);
  });

  it('picks the app by name, by the current folder, and asks when it cannot tell', async () => {
    expect((await resolveInfraApp(root, root, 'infra')).root).toBe(path.join(root, 'apps/infra'));
    expect((await resolveInfraApp(root, path.join(root, 'apps/other'))).name).toBe('@acme/other');
    await expect(resolveInfraApp(root, path.join(root, 'apps/web'))).rejects.toThrow(
      /several infra apps \(infra, @acme\/other\)/,
    );
    await expect(resolveInfraApp(root, root, 'nope')).rejects.toThrow(/No infra app "nope"/);
  });
});
