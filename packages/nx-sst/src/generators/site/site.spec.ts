import { readJson, writeJson, type Tree } from '@nx/devkit';
import { createWorkspace, treeContent } from '../test-utils/workspace';
import { siteGenerator } from './site';

describe('site generator', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = await createWorkspace();
  });

  it('adds a NextjsSite for the project and leaves its scripts as they are (the plugin binds them)', async () => {
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
         "build": "next build",
         "dev": "next dev",
         "lint": "eslint .",
       },
     }
    `);
  });

  it('adds a StaticSite with an id from a scoped project name, and rewrites the scripts --wrapTargets names', async () => {
    writeJson(tree, 'apps/docs/package.json', {
      name: '@acme/docs',
      scripts: { dev: 'vite', test: 'vitest run' },
    });
    await siteGenerator(tree, {
      project: '@acme/docs',
      type: 'static',
      wrapTargets: ['dev', 'test'],
      skipFormat: true,
    });
    expect(tree.read('apps/infra/stacks/Default.ts', 'utf-8')).toContain(
      `const docsSite = new StaticSite(stack, 'docs', { path: 'apps/docs' });`,
    );
    expect(readJson(tree, 'apps/docs/package.json').scripts).toEqual({
      dev: 'nx-sst bind -- vite',
      test: 'nx-sst bind -- vitest run',
    });
  });

  describe('detects the framework', () => {
    const stack = () => tree.read('apps/infra/stacks/Default.ts', 'utf-8')!;

    it('a Vite app (vite.config.*) becomes a StaticSite built with Vite, not a NextjsSite', async () => {
      writeJson(tree, 'apps/spa/package.json', {
        name: 'spa',
        scripts: { dev: 'vite', build: 'vite build' },
      });
      tree.write(
        'apps/spa/vite.config.ts',
        `import { defineConfig } from 'vite';\nexport default defineConfig({});\n`,
      );
      await siteGenerator(tree, { project: 'spa', skipFormat: true });
      expect(stack()).toContain(
        `const spaSite = new StaticSite(stack, 'spa', { path: 'apps/spa', buildCommand: 'npx vite build', buildOutput: 'dist' });`,
      );
      expect(stack()).not.toContain('NextjsSite');
    });

    it("takes the build output from the Vite config's build.outDir (as @nx/vite writes it)", async () => {
      writeJson(tree, 'apps/spa/package.json', { name: 'spa' });
      tree.write(
        'apps/spa/vite.config.mts',
        `export default defineConfig(() => ({ root: __dirname, build: { outDir: '../../dist/apps/spa', emptyOutDir: true } }));\n`,
      );
      await siteGenerator(tree, { project: 'spa', skipFormat: true });
      expect(stack()).toContain(
        `new StaticSite(stack, 'spa', { path: 'apps/spa', buildCommand: 'npx vite build', buildOutput: '../../dist/apps/spa' })`,
      );
    });

    it.each([
      ['a next.config file', { 'apps/shop/next.config.mjs': 'export default {};\n' }, {}],
      ['next among its dependencies', {}, { dependencies: { next: '16.1.7', react: '19.2.0' } }],
      ['a script that runs next', {}, { scripts: { dev: 'next dev --turbopack' } }],
    ])('a Next.js app (%s) becomes a NextjsSite', async (_what, files, pkg) => {
      writeJson(tree, 'apps/shop/package.json', { name: 'shop', ...pkg });
      for (const [path, content] of Object.entries(files)) tree.write(path, content);
      // A vite.config for Vitest does not make a Next.js app a Vite app.
      tree.write('apps/shop/vite.config.ts', 'export default {};\n');
      await siteGenerator(tree, { project: 'shop', skipFormat: true });
      expect(stack()).toContain(`const shopSite = new NextjsSite(stack, 'shop', { path: 'apps/shop' });`);
    });

    it('anything else becomes a StaticSite of its files', async () => {
      writeJson(tree, 'apps/plain/package.json', { name: 'plain' });
      tree.write('apps/plain/index.html', '<h1>hi</h1>\n');
      await siteGenerator(tree, { project: 'plain', skipFormat: true });
      expect(stack()).toContain(`const plainSite = new StaticSite(stack, 'plain', { path: 'apps/plain' });`);
    });

    it('--type overrides what it detects', async () => {
      writeJson(tree, 'apps/spa/package.json', { name: 'spa' });
      tree.write('apps/spa/vite.config.ts', 'export default {};\n');
      await siteGenerator(tree, { project: 'spa', type: 'static', skipFormat: true });
      expect(stack()).toContain(`new StaticSite(stack, 'spa', { path: 'apps/spa' })`);
      await siteGenerator(tree, { project: 'web', type: 'vite', skipFormat: true });
      expect(stack()).toContain(
        `new StaticSite(stack, 'web', { path: 'apps/web', buildCommand: 'npx vite build', buildOutput: 'dist' })`,
      );
    });

    it('keeps a site that exists when run again without --type, whatever it would detect now', async () => {
      await siteGenerator(tree, { project: 'web', skipFormat: true });
      writeJson(tree, 'apps/web/package.json', { name: 'web' });
      const first = treeContent(tree);
      await siteGenerator(tree, { project: 'web', skipFormat: true });
      expect(treeContent(tree)).toEqual(first);
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
    [{ project: 'web', type: 'remix' as 'static' }, `Unknown site type 'remix'. Use nextjs, vite or static`],
  ])('refuses %j and writes nothing', async (options, message) => {
    const before = treeContent(tree);
    await expect(siteGenerator(tree, { ...options, skipFormat: true })).rejects.toThrow(message);
    expect(treeContent(tree)).toEqual(before);
  });

  it("refuses another project's site under a name a construct already has, naming it", async () => {
    await siteGenerator(tree, { project: 'web', skipFormat: true });
    writeJson(tree, 'apps/admin/package.json', { name: 'admin', scripts: { dev: 'next dev' } });
    tree.write('apps/admin/next.config.js', 'module.exports = {};\n');
    const before = treeContent(tree);
    await expect(siteGenerator(tree, { project: 'admin', name: 'web', skipFormat: true })).rejects.toThrow(
      `A construct with id 'web' already exists (NextjsSite in apps/infra/stacks/Default.ts).`,
    );
    expect(treeContent(tree)).toEqual(before);
  });

  it('refuses to turn a NextjsSite into a StaticSite', async () => {
    await siteGenerator(tree, { project: 'web', skipFormat: true });
    await expect(siteGenerator(tree, { project: 'web', type: 'static', skipFormat: true })).rejects.toThrow(
      `'web' is already a NextjsSite ('web' in apps/infra/stacks/Default.ts)`,
    );
  });
});
