import { readJson, writeJson, type Tree } from '@nx/devkit';
import { createWorkspace, treeContent } from '../test-utils/workspace';
import { siteGenerator } from './site';

describe('site generator', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = await createWorkspace();
  });

  it('adds a NextjsSite for the project and makes its scripts run with the bindings', async () => {
    await siteGenerator(tree, { project: 'web', skipFormat: true });
    expect(tree.read('apps/infra/stacks/Default.ts', 'utf-8')).toMatchInlineSnapshot(`
     "import { type StackContext, NextjsSite } from '@nx-sst/constructs';

     export function Default({ stack }: StackContext) {
       const webSite = new NextjsSite(stack, 'web', { path: 'apps/web' });
     }
     "
    `);
    expect(readJson(tree, 'apps/web/package.json')).toMatchInlineSnapshot(`
     {
       "name": "web",
       "private": true,
       "scripts": {
         "build": "nx-sst bind -- next build",
         "dev": "nx-sst bind -- next dev",
         "lint": "eslint .",
       },
     }
    `);
  });

  it('adds a StaticSite with an id from a scoped project name', async () => {
    writeJson(tree, 'apps/docs/package.json', {
      name: '@acme/docs',
      scripts: { dev: 'vite', test: 'vitest run' },
    });
    await siteGenerator(tree, { project: '@acme/docs', type: 'static', skipFormat: true });
    expect(tree.read('apps/infra/stacks/Default.ts', 'utf-8')).toContain(
      `const docsSite = new StaticSite(stack, 'docs', { path: 'apps/docs' });`,
    );
    expect(readJson(tree, 'apps/docs/package.json').scripts).toEqual({
      dev: 'nx-sst bind -- vite',
      test: 'nx-sst bind -- vitest run',
    });
  });

  it('changes nothing when run twice', async () => {
    await siteGenerator(tree, { project: 'web', skipFormat: true });
    const first = treeContent(tree);
    await siteGenerator(tree, { project: 'web', skipFormat: true });
    expect(treeContent(tree)).toEqual(first);
  });

  it.each([
    [{ project: 'nope' }, `Cannot find project 'nope'`],
    [{ project: 'infra' }, `'infra' is the infra app itself`],
    [{ project: 'web', name: 'no good' }, `Invalid site id 'no good'`],
    [{ project: 'web', type: 'remix' as 'static' }, `Unknown site type 'remix'`],
  ])('refuses %j and writes nothing', async (options, message) => {
    const before = treeContent(tree);
    await expect(siteGenerator(tree, { ...options, skipFormat: true })).rejects.toThrow(message);
    expect(treeContent(tree)).toEqual(before);
  });

  it('refuses to turn a NextjsSite into a StaticSite', async () => {
    await siteGenerator(tree, { project: 'web', skipFormat: true });
    await expect(siteGenerator(tree, { project: 'web', type: 'static', skipFormat: true })).rejects.toThrow(
      `'web' is already a NextjsSite ('web' in apps/infra/stacks/Default.ts)`,
    );
  });
});
