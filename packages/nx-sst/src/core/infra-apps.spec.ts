import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import {
  findInfraApps as findOnTree,
  resolveInfraApp as resolveOnTree,
  treeFiles,
} from '../generators/utils/infra-app';
import { chooseInfraApp, configFileIn, diskFiles, findInfraAppFolders } from './infra-apps';
import { findInfraApps as findOnDisk, resolveInfraApp as resolveOnDisk } from './workspace';

/** The same workspace, as files: an app at the root, two in apps/, and configs where no app is looked for. */
const FILES: Record<string, string> = {
  'sst.config.ts': '',
  'apps/infra/project.json': '{"name":"infra"}',
  'apps/infra/sst.config.ts': '',
  'apps/infra/stacks/Default.ts': '',
  // The first of CONFIG_FILE_NAMES wins.
  'apps/other/project.json': '{"name":"@acme/other"}',
  'apps/other/sst.config.mjs': '',
  'apps/other/sst.config.ts': '',
  'apps/web/project.json': '{"name":"web"}',
  'apps/web/src/page.tsx': '',
  'node_modules/pkg/sst.config.ts': '',
  'dist/apps/infra/sst.config.ts': '',
  '.cache/x/sst.config.ts': '',
  'apps/infra/cdk.out/sst.config.js': '',
};

const FOLDERS = [
  { root: '.', configFile: 'sst.config.ts' },
  { root: 'apps/infra', configFile: 'apps/infra/sst.config.ts' },
  { root: 'apps/other', configFile: 'apps/other/sst.config.ts' },
];

describe('finding infra apps, on disk and in a devkit Tree alike', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-infra-apps-'));
  for (const [file, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
  fs.writeFileSync(path.join(root, 'nx.json'), '{}');
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  const tree = createTreeWithEmptyWorkspace();
  for (const [file, text] of Object.entries(FILES)) tree.write(file, text);

  it('the disk adapter: every sst.config.* outside dependencies, build output and dot-folders', () => {
    expect(findInfraAppFolders(diskFiles(root))).toEqual(FOLDERS);
    expect(configFileIn(diskFiles(root), 'apps/web')).toBeUndefined();
    expect(diskFiles(root).children('no/such/folder')).toEqual([]);
  });

  it('the Tree adapter: the same folders and config files', () => {
    expect(findInfraAppFolders(treeFiles(tree))).toEqual(FOLDERS);
    expect(configFileIn(treeFiles(tree), 'apps/other')).toBe('apps/other/sst.config.ts');
    expect(treeFiles(tree).children('no/such/folder')).toEqual([]);
  });

  it('names each app by the project at its folder on both sides', async () => {
    const onDisk = (await findOnDisk(root)).map((a) => [a.name, path.relative(root, a.configFile)]);
    const onTree = findOnTree(tree).map((a) => [a.name, a.configFile]);
    expect(onDisk.slice(1)).toEqual([
      ['infra', 'apps/infra/sst.config.ts'],
      ['@acme/other', 'apps/other/sst.config.ts'],
    ]);
    expect(onTree.slice(1)).toEqual(onDisk.slice(1));
    // An app at the workspace root that is no project keeps the workspace folder's name.
    expect(onDisk[0][0]).toBe(path.basename(root));
    expect(onTree[0][0]).toBe(path.basename(tree.root));
  });

  it('a link to a config file is a config file; a link to a folder is not walked into', () => {
    const linked = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-infra-apps-link-'));
    try {
      fs.mkdirSync(path.join(linked, 'apps/a'), { recursive: true });
      fs.symlinkSync(path.join(root, 'apps/infra/sst.config.ts'), path.join(linked, 'apps/a/sst.config.ts'));
      fs.symlinkSync(path.join(root, 'apps'), path.join(linked, 'elsewhere'));
      expect(findInfraAppFolders(diskFiles(linked))).toEqual([
        { root: 'apps/a', configFile: 'apps/a/sst.config.ts' },
      ]);
    } finally {
      fs.rmSync(linked, { recursive: true, force: true });
    }
  });

  it('refuses alike: an unknown --app, none, several', async () => {
    const several = 'This workspace has several infra apps';
    await expect(resolveOnDisk(root, path.join(root, 'apps/web'), 'nope')).rejects.toThrow(
      `No infra app "nope" in ${root}.`,
    );
    expect(() => resolveOnTree(tree, 'nope')).toThrow(
      `No infra app "nope" in ${tree.root}. Infra apps here: ${findOnTree(tree)
        .map((a) => a.name)
        .join(', ')}.`,
    );
    expect(() => resolveOnTree(tree, undefined)).toThrow(several);
    expect(() => resolveOnTree(tree, undefined)).toThrow('Say which one with --app <name>.');
    const empty = createTreeWithEmptyWorkspace();
    writeJson(empty, 'apps/web/project.json', { name: 'web' });
    expect(() => resolveOnTree(empty, undefined)).toThrow(
      `No sst.config.ts in the workspace ${empty.root}. Create an infra app with \`nx g nx-sst:app infra\`.`,
    );
    expect(resolveOnTree(tree, 'infra').root).toBe('apps/infra');
  });

  it('chooseInfraApp: the named app, else the only one, and every refusal with its fix', () => {
    const a = { name: 'a' };
    const b = { name: 'b' };
    expect(chooseInfraApp([a, b], 'b', '/w')).toBe(b);
    expect(chooseInfraApp([a], undefined, '/w')).toBe(a);
    const refusal = (apps: { name: string }[], app?: string) => {
      try {
        chooseInfraApp(apps, app, '/w');
      } catch (error) {
        const e = error as { message: string; hint?: string };
        return [e.message, e.hint];
      }
      throw new Error('not refused');
    };
    expect(refusal([a], 'c')).toEqual(['No infra app "c" in /w.', 'Infra apps here: a.']);
    expect(refusal([], 'c')).toEqual(['No infra app "c" in /w.', 'Create one with `nx g nx-sst:app infra`.']);
    expect(refusal([])).toEqual([
      'No sst.config.ts in the workspace /w.',
      'Create an infra app with `nx g nx-sst:app infra`.',
    ]);
    expect(refusal([a, b])).toEqual([
      'This workspace has several infra apps (a, b).',
      'Say which one with --app <name>.',
    ]);
  });
});
