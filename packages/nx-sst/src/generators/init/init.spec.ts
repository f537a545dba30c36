import { readJson, readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { treeContent } from '../test-utils/workspace';
import { initGenerator } from './init';

describe('init generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
  });

  it('registers the plugin and the sync generator, adds the packages and ignores .sst', async () => {
    tree.write('.gitignore', 'node_modules');
    const install = await initGenerator(tree, { skipFormat: true });
    expect(typeof install).toBe('function');
    expect(readNxJson(tree)!.plugins).toEqual(['nx-sst']);
    // `nx sync` and `nx sync:check` run it whichever targets name it.
    expect(readNxJson(tree)!.sync).toEqual({ globalGenerators: ['nx-sst:sync'] });
    const pkg = readJson(tree, 'package.json');
    expect({ dependencies: pkg.dependencies, devDependencies: pkg.devDependencies }).toMatchInlineSnapshot(`
     {
       "dependencies": {
         "@nx-sst/runtime": "0.1.0",
       },
       "devDependencies": {
         "@nx-sst/constructs": "0.1.0",
         "aws-cdk-lib": "^2.276.0",
         "constructs": "^10.4.2",
         "nx-sst": "0.1.0",
       },
     }
    `);
    expect(tree.read('.gitignore', 'utf-8')).toMatchInlineSnapshot(`
     "node_modules

     # nx-sst
     .sst
     "
    `);
  });

  it('changes nothing when run twice', async () => {
    await initGenerator(tree, { skipFormat: true });
    const first = treeContent(tree);
    await initGenerator(tree, { skipFormat: true });
    expect(treeContent(tree)).toEqual(first);
  });

  it('adds the sync generator to the sync settings already there, once', async () => {
    const nxJson = readNxJson(tree)!;
    updateNxJson(tree, {
      ...nxJson,
      sync: {
        applyChanges: true,
        globalGenerators: ['@acme/tools:sync'],
        disabledTaskSyncGenerators: ['x:y'],
      },
    });
    await initGenerator(tree, { skipFormat: true });
    await initGenerator(tree, { skipFormat: true });
    expect(readNxJson(tree)!.sync).toEqual({
      applyChanges: true,
      globalGenerators: ['@acme/tools:sync', 'nx-sst:sync'],
      disabledTaskSyncGenerators: ['x:y'],
    });
  });

  it('keeps a plugin entry with options and versions the user chose', async () => {
    const nxJson = readNxJson(tree)!;
    updateNxJson(tree, { ...nxJson, plugins: [{ plugin: 'nx-sst', options: { deployTargetName: 'ship' } }] });
    tree.write('package.json', JSON.stringify({ name: 'ws', devDependencies: { 'aws-cdk-lib': '2.200.0' } }));
    await initGenerator(tree, { skipFormat: true });
    expect(readNxJson(tree)!.plugins).toEqual([{ plugin: 'nx-sst', options: { deployTargetName: 'ship' } }]);
    expect(readJson(tree, 'package.json').devDependencies['aws-cdk-lib']).toBe('2.200.0');
  });

  it('creates .gitignore when there is none, and does not add .sst twice', async () => {
    tree.delete('.gitignore');
    await initGenerator(tree, { skipFormat: true });
    expect(tree.read('.gitignore', 'utf-8')).toBe('# nx-sst\n.sst\n');
    tree.write('.gitignore', 'dist\n.sst/\n');
    await initGenerator(tree, { skipFormat: true });
    expect(tree.read('.gitignore', 'utf-8')).toBe('dist\n.sst/\n');
  });

  it('leaves package.json alone with skipPackageJson', async () => {
    const before = tree.read('package.json', 'utf-8');
    await initGenerator(tree, { skipFormat: true, skipPackageJson: true });
    expect(tree.read('package.json', 'utf-8')).toBe(before);
  });
});
