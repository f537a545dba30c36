import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { addProjectConfiguration } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from 'nx/src/generators/testing-utils/create-tree-with-empty-workspace';
import { minimatch } from 'minimatch';
import { findInfraApps as findInTree } from '../generators/utils/infra-app';
import { createNodes } from '../plugin/create-nodes';
import { CONFIG_FILE_NAMES } from './nx-project';
import { findInfraApps as findOnDisk } from './workspace';

/**
 * One answer to "which folders are infra apps": the CLI, the plugin and the generators used to
 * know six, three and three config names, so with `sst.config.mts` the CLI found the app while the
 * plugin inferred no targets and the generators did not see it.
 */
describe.each(CONFIG_FILE_NAMES)('an infra app whose config is %s', (configName) => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-sst-config-'));
    process.env.NX_WORKSPACE_DATA_DIRECTORY = join(root, '.nx', 'workspace-data');
    for (const [file, content] of Object.entries({
      'nx.json': '{}',
      'apps/infra/project.json': '{ "name": "infra" }',
      [`apps/infra/${configName}`]: 'export default {}',
    })) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), content);
    }
  });
  afterEach(() => {
    delete process.env.NX_WORKSPACE_DATA_DIRECTORY;
    rmSync(root, { recursive: true, force: true });
  });

  it('is found by the CLI, gets the inferred targets, and is seen by the generators', async () => {
    expect((await findOnDisk(root)).map((a) => [a.name, a.configFile])).toEqual([
      ['infra', join(root, 'apps/infra', configName)],
    ]);

    const file = `apps/infra/${configName}`;
    expect(minimatch(file, createNodes[0])).toBe(true);
    const results = await createNodes[1]([file], {}, { nxJsonConfiguration: {}, workspaceRoot: root });
    const projects = Object.assign({}, ...results.map(([, r]) => r.projects ?? {}));
    expect(Object.keys(projects['apps/infra'].targets).sort()).toEqual([
      'deploy',
      'dev',
      'diff',
      'remove',
      'secrets',
      'types',
    ]);

    const tree = createTreeWithEmptyWorkspace();
    addProjectConfiguration(tree, 'infra', { root: 'apps/infra' });
    tree.write(file, 'export default {}');
    expect(findInTree(tree)).toEqual([{ name: 'infra', root: 'apps/infra', configFile: file }]);
  });
});
