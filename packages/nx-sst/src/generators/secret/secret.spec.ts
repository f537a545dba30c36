import type { Tree } from '@nx/devkit';
import { createWorkspaceWithSite, treeContent } from '../test-utils/workspace';
import { secretGenerator } from './secret';

describe('secret generator', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = await createWorkspaceWithSite();
  });

  it('declares a Config.Secret named after it and binds it', async () => {
    await secretGenerator(tree, { name: 'STRIPE_KEY', bind: ['web'], skipFormat: true });
    expect(tree.read('apps/infra/stacks/Default.ts', 'utf-8')).toMatchInlineSnapshot(`
     "import { type StackContext, NextjsSite, Config } from '@nx-sst/constructs';

     export function Default({ stack }: StackContext) {
       const STRIPE_KEY = new Config.Secret(stack, 'STRIPE_KEY');
       const webSite = new NextjsSite(stack, 'web', { path: 'apps/web', bind: [STRIPE_KEY] });
     }
     "
    `);
  });

  it('refuses a second run with the same name, --bind or not, pointing to the bind generator', async () => {
    await secretGenerator(tree, { name: 'STRIPE_KEY', skipFormat: true });
    const first = treeContent(tree);
    for (const bind of [undefined, ['web']]) {
      await expect(secretGenerator(tree, { name: 'STRIPE_KEY', bind, skipFormat: true })).rejects.toThrow(
        `A construct with id 'STRIPE_KEY' already exists (Secret in apps/infra/stacks/Default.ts). Choose another name, ` +
          `or, to bind the existing Secret to a project: nx g nx-sst:bind --resource STRIPE_KEY --project <project>`,
      );
      expect(treeContent(tree)).toEqual(first);
    }
  });

  it.each([
    [{ name: 'STRIPE KEY' }, `Invalid secret id 'STRIPE KEY'`],
    [{ name: 'web' }, `A construct with id 'web' already exists`],
    [
      { name: 'KEY', bind: ['utils'] },
      `Project 'utils' has nothing in apps/infra/stacks/Default.ts that runs its code`,
    ],
  ])('refuses %j and writes nothing', async (options, message) => {
    const before = treeContent(tree);
    await expect(secretGenerator(tree, { ...options, skipFormat: true })).rejects.toThrow(message);
    expect(treeContent(tree)).toEqual(before);
  });

  it('refuses a secret with the id of a parameter (they share Config)', async () => {
    tree.write(
      'apps/infra/stacks/Default.ts',
      `import { Config, type StackContext } from '@nx-sst/constructs';\n\nexport function Default({ stack }: StackContext) {\n  new Config.Parameter(stack, 'KEY', { value: 'x' });\n}\n`,
    );
    await expect(secretGenerator(tree, { name: 'KEY', skipFormat: true })).rejects.toThrow(
      `A construct with id 'KEY' already exists (Parameter in apps/infra/stacks/Default.ts)`,
    );
  });
});
