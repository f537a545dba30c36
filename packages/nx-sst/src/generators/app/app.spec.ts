import { readProjectConfiguration, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { treeContent } from '../test-utils/workspace';
import { appGenerator } from './app';

describe('app generator', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
  });

  it('creates the infra project with sst.config.ts and the Default stack', async () => {
    await appGenerator(tree, { name: 'infra', skipFormat: true });
    expect(readProjectConfiguration(tree, 'infra')).toMatchInlineSnapshot(`
     {
       "$schema": "../../node_modules/nx/schemas/project-schema.json",
       "name": "infra",
       "projectType": "application",
       "root": "apps/infra",
       "sourceRoot": "apps/infra",
       "tags": [],
       "targets": {},
     }
    `);
    expect(tree.read('apps/infra/sst.config.ts', 'utf-8')).toMatchInlineSnapshot(`
     "import type { SSTConfig } from '@nx-sst/constructs';
     import { Default } from './stacks/Default';

     export default {
       config(_input) {
         return { name: 'infra', region: 'us-east-1' };
       },
       stacks(app) {
         app.stack(Default);
       },
     } satisfies SSTConfig;
     "
    `);
    expect(tree.read('apps/infra/stacks/Default.ts', 'utf-8')).toMatchInlineSnapshot(`
     "import { type StackContext } from '@nx-sst/constructs';

     export function Default({ stack }: StackContext) {
     }
     "
    `);
    expect(tree.read('apps/infra/tsconfig.json', 'utf-8')).toMatchInlineSnapshot(`
     "{
       "extends": "../../tsconfig.base.json",
       "compilerOptions": {
         "target": "ES2022",
         "module": "Node16",
         "moduleResolution": "Node16",
         "strict": true,
         "noEmit": true,
         "skipLibCheck": true
       },
       "include": [
         "sst.config.ts",
         "stacks/**/*.ts"
       ]
     }
     "
    `);
  });

  it('takes a directory, an app name and a region', async () => {
    await appGenerator(tree, {
      name: 'shop-infra',
      directory: 'infra/shop',
      appName: 'shop',
      region: 'eu-west-1',
      skipFormat: true,
    });
    expect(readProjectConfiguration(tree, 'shop-infra').root).toBe('infra/shop');
    expect(tree.read('infra/shop/sst.config.ts', 'utf-8')).toContain(
      `return { name: 'shop', region: 'eu-west-1' };`,
    );
  });

  it('changes nothing when run twice, and keeps the stacks the user wrote', async () => {
    await appGenerator(tree, { name: 'infra', skipFormat: true });
    tree.write('apps/infra/stacks/Default.ts', '// mine\n');
    const first = treeContent(tree);
    await appGenerator(tree, { name: 'infra', skipFormat: true });
    expect(treeContent(tree)).toEqual(first);
  });

  it.each([
    [{ name: '1infra' }, `Invalid app name '1infra'`],
    [{ name: 'in fra' }, `Invalid app name 'in fra'`],
    [
      { name: 'infra', directory: '../outside' },
      `Invalid directory '../outside': it must be a path inside the workspace`,
    ],
    [{ name: 'infra', directory: '/etc/infra' }, `Invalid directory '/etc/infra'`],
    [{ name: 'infra', appName: 'my_app' }, `Invalid SST app name 'my_app'`],
  ])('refuses %j and writes nothing', async (options, message) => {
    const before = treeContent(tree);
    await expect(appGenerator(tree, { ...options, skipFormat: true })).rejects.toThrow(message);
    expect(treeContent(tree)).toEqual(before);
  });

  it('refuses an SST app name another infra app uses, and a name taken by another project', async () => {
    await appGenerator(tree, { name: 'infra', appName: 'shop', skipFormat: true });
    const before = treeContent(tree);
    await expect(appGenerator(tree, { name: 'infra2', appName: 'shop', skipFormat: true })).rejects.toThrow(
      `The infra app 'infra' already uses the SST app name 'shop'`,
    );
    tree.write('libs/web/project.json', JSON.stringify({ name: 'web', root: 'libs/web' }));
    await expect(appGenerator(tree, { name: 'web', skipFormat: true })).rejects.toThrow(
      `A project named 'web' already exists at libs/web`,
    );
    tree.delete('libs/web/project.json');
    expect(treeContent(tree)).toEqual(before);
  });
});
