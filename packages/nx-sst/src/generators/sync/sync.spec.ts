import { addProjectConfiguration, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { FUNCTIONS_SST_ENV, WEB_SST_ENV } from '../../test-utils/expected-types';
import { prettierFormat } from '../../test-utils/prettier';
import { addSampleResources, createWorkspace, treeContent } from '../test-utils/workspace';
import { syncGenerator } from './sync';

const MESSAGE =
  "The sst-env.d.ts of bound projects (or their tsconfig's include) do not match the bindings in the stacks.";

/** Runs the generator as Nx's sync does (the tree alone) and returns its details. */
async function sync(tree: Tree): Promise<string[] | undefined> {
  const result = await syncGenerator(tree);
  if (result) expect(result.outOfSyncMessage).toBe(MESSAGE);
  return result ? (result.outOfSyncDetails ?? []) : undefined;
}

const CONFIG = (name: string) =>
  `import type { SSTConfig } from '@nx-sst/constructs';\nimport { Default } from './stacks/Default';\n` +
  `export default { config() { return { name: '${name}', region: 'us-east-1' }; }, stacks(app) { app.stack(Default); } } satisfies SSTConfig;\n`;

function emptyWorkspace(): Tree {
  const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
  writeJson(tree, 'package.json', { name: 'acme', private: true, workspaces: ['apps/*', 'libs/*'] });
  return tree;
}

describe('sync generator', () => {
  describe('on the sample workspace', () => {
    let tree: Tree;
    beforeEach(async () => {
      tree = await createWorkspace();
      await addSampleResources(tree, ['web', 'functions']);
    });

    it("writes each bound project's sst-env.d.ts with only what is bound to it, and nothing elsewhere", async () => {
      const before = new Set(Object.keys(treeContent(tree)));
      expect(await sync(tree)).toEqual([
        'apps/web/sst-env.d.ts: missing',
        'libs/functions/sst-env.d.ts: missing',
      ]);
      const written = Object.keys(treeContent(tree)).filter((f) => !before.has(f));
      expect(written.sort()).toEqual(['apps/web/sst-env.d.ts', 'libs/functions/sst-env.d.ts']);
      expect(tree.read('apps/web/sst-env.d.ts', 'utf-8')).toBe(WEB_SST_ENV);
      expect(tree.read('libs/functions/sst-env.d.ts', 'utf-8')).toBe(FUNCTIONS_SST_ENV);
    });

    it('reports nothing and changes nothing once in sync', async () => {
      await sync(tree);
      const first = treeContent(tree);
      expect(await sync(tree)).toBeUndefined();
      expect(treeContent(tree)).toEqual(first);
    });

    it("keeps a formatter's version of the files, and still sees a binding change", async () => {
      await sync(tree);
      // As `nx format:write`, or @nx/js:typescript-sync's formatFiles in the same `nx sync`, leaves them.
      for (const file of ['apps/web/sst-env.d.ts', 'libs/functions/sst-env.d.ts']) {
        tree.write(file, prettierFormat(tree.read(file, 'utf-8')!, { filepath: file, semi: false }));
      }
      const formatted = treeContent(tree);
      expect(await sync(tree)).toBeUndefined();
      expect(treeContent(tree)).toEqual(formatted);
      const stack = tree.read('apps/infra/stacks/Default.ts', 'utf-8')!;
      tree.write(
        'apps/infra/stacks/Default.ts',
        stack.replace('bind: [publicBucket, STRIPE_KEY]', 'bind: [publicBucket]'),
      );
      expect(await sync(tree)).toEqual(['apps/web/sst-env.d.ts: out of date']);
      expect(tree.read('apps/web/sst-env.d.ts', 'utf-8')).not.toContain('STRIPE_KEY');
    });

    it('removes the generated file of a project that is no longer bound, never a hand-written one', async () => {
      await sync(tree);
      tree.write('libs/utils/sst-env.d.ts', '// my own declarations\n');
      // The worker function (the only target in libs/functions) is deleted from the stack.
      const stack = tree.read('apps/infra/stacks/Default.ts', 'utf-8')!;
      const worker = stack.split('\n').find((line) => line.includes("new Function(stack, 'worker'"))!;
      tree.write('apps/infra/stacks/Default.ts', stack.replace(`${worker}\n`, ''));
      expect(await sync(tree)).toEqual(['libs/functions/sst-env.d.ts: the project is no longer bound']);
      expect(tree.exists('libs/functions/sst-env.d.ts')).toBe(false);
      expect(tree.read('libs/utils/sst-env.d.ts', 'utf-8')).toBe('// my own declarations\n');
    });

    it('writes the files and returns no callback when run as a generator (`nx g nx-sst:sync`)', async () => {
      // Nx's `nx g` passes the options and calls a returned value as a task; Nx's sync passes the tree alone.
      expect(await syncGenerator(tree, {})).toBeUndefined();
      expect(tree.read('apps/web/sst-env.d.ts', 'utf-8')).toBe(WEB_SST_ENV);
      expect(await sync(tree)).toBeUndefined();
    });
  });

  it('reads an infra app at the workspace root, its stacks in stacks/, and names it as Nx does', async () => {
    const tree = emptyWorkspace();
    tree.write('sst.config.ts', CONFIG('shop'));
    tree.write(
      'stacks/Default.ts',
      `import { Bucket, Function, type StackContext } from '@nx-sst/constructs';
export function Default({ stack }: StackContext) {
  const files = new Bucket(stack, 'files');
  new Function(stack, 'api', { handler: 'apps/api/src/handler.handler', bind: [files] });
}
`,
    );
    writeJson(tree, 'apps/api/package.json', { name: 'api' });
    expect(await sync(tree)).toEqual(['apps/api/sst-env.d.ts: missing']);
    const api = tree.read('apps/api/sst-env.d.ts', 'utf-8')!;
    // The plugin makes the root a project named by its package.json: `nx run acme:types`.
    expect(api.split('\n').slice(0, 2)).toEqual([
      '// Generated by nx-sst from the infra app acme (.). Do not edit.',
      '// Regenerate with: nx run acme:types',
    ]);
    expect(api).toMatch(/BucketResources \{\n {4}"files"/);
    expect(await sync(tree)).toBeUndefined();
  });

  it('types a project that is its own infra app: a site at its own path, a function inside it', async () => {
    const tree = emptyWorkspace();
    writeJson(tree, 'apps/web/package.json', { name: 'web' });
    tree.write('apps/web/sst.config.ts', CONFIG('web'));
    tree.write(
      'apps/web/stacks/Default.ts',
      `import { Config, Function, NextjsSite, type StackContext } from '@nx-sst/constructs';
export function Default({ stack }: StackContext) {
  const KEY = new Config.Secret(stack, 'KEY');
  new NextjsSite(stack, 'site', { path: 'apps/web', bind: [KEY] });
  new Function(stack, 'cron', { handler: 'apps/web/functions/cron.handler', bind: [new Config.Secret(stack, 'CRON')] });
}
`,
    );
    expect(await sync(tree)).toEqual(['apps/web/sst-env.d.ts: missing']);
    const web = tree.read('apps/web/sst-env.d.ts', 'utf-8')!;
    expect(web).toContain('from the infra app web (apps/web)');
    expect(web).toMatch(/SecretResources \{\n {4}"CRON": \{\n {6}value: string;\n {4}\};\n {4}"KEY"/);
  });

  it('types the workspace root project when the infra app there binds a site at "."', async () => {
    const tree = emptyWorkspace();
    tree.write('sst.config.ts', CONFIG('site'));
    tree.write(
      'stacks/Default.ts',
      `import { Bucket, NextjsSite, type StackContext } from '@nx-sst/constructs';
export function Default({ stack }: StackContext) {
  new NextjsSite(stack, 'site', { path: '.', bind: [new Bucket(stack, 'assets')] });
}
`,
    );
    expect(await sync(tree)).toEqual(['sst-env.d.ts: missing']);
    expect(tree.read('sst-env.d.ts', 'utf-8')).toMatch(/infra app acme \(\.\)[\s\S]*"assets"/);
  });

  it('counts resources created inside bind arrays, and merges the parts of several infra apps', async () => {
    const tree = emptyWorkspace();
    writeJson(tree, 'libs/fns/package.json', { name: 'fns' });
    for (const [app, body] of [
      [
        'billing',
        `new Function(stack, 'charge', { handler: 'libs/fns/src/charge.handler', bind: [new Config.Secret(stack, 'STRIPE_KEY')] });`,
      ],
      [
        'api',
        `new Function(stack, 'list', { handler: 'libs/fns/src/list.handler', bind: [{ resource: new Table(stack, 'items', { fields: { id: 'string' }, primaryIndex: { partitionKey: 'id' } }) }] });`,
      ],
    ]) {
      addProjectConfiguration(tree, app, { root: `apps/${app}` });
      tree.write(`apps/${app}/sst.config.ts`, CONFIG(app));
      tree.write(
        `apps/${app}/stacks/Default.ts`,
        `import { Config, Function, Table, type StackContext } from '@nx-sst/constructs';\nexport function Default({ stack }: StackContext) {\n  ${body}\n}\n`,
      );
    }
    expect(await sync(tree)).toEqual(['libs/fns/sst-env.d.ts: missing']);
    const fns = tree.read('libs/fns/sst-env.d.ts', 'utf-8')!;
    // One part per app, in the order of the apps' folders; each names its own app and command.
    const headers = fns.split('\n').filter((l) => l.startsWith('//'));
    expect(headers).toEqual([
      '// Generated by nx-sst from the infra app api (apps/api). Do not edit.',
      '// Regenerate with: nx run api:types',
      '// Generated by nx-sst from the infra app billing (apps/billing). Do not edit.',
      '// Regenerate with: nx run billing:types',
    ]);
    expect(fns).toMatch(/TableResources \{\n {4}"items"[\s\S]*SecretResources \{\n {4}"STRIPE_KEY"/);
    expect(await sync(tree)).toBeUndefined();
  });

  describe('tsconfig', () => {
    /** A bound library `api` with the tsconfig files of one Nx layout. */
    async function boundProject(files: Record<string, string>): Promise<Tree> {
      const tree = await createWorkspace();
      writeJson(tree, 'libs/api/package.json', { name: 'api' });
      tree.write('libs/api/src/index.ts', 'export async function handler() {}\n');
      for (const [file, content] of Object.entries(files)) tree.write(`libs/api/${file}`, content);
      tree.write(
        'apps/infra/stacks/Default.ts',
        `import { type StackContext, Function, Table } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  const items = new Table(stack, 'items', { fields: { id: 'string' }, primaryIndex: { partitionKey: 'id' } });
  new Function(stack, 'api', { handler: 'libs/api/src/index.handler', bind: [items] });
}
`,
      );
      return tree;
    }

    it('adds sst-env.d.ts to the include of a TS solution-style project (tsconfig.lib.json, tsconfig.spec.json)', async () => {
      // As @nx/js 23 generates them: tsconfig.json only references the two others.
      const tree = await boundProject({
        'tsconfig.json': `{\n  "extends": "../../tsconfig.base.json",\n  "files": [],\n  "include": [],\n  "references": [\n    {\n      "path": "./tsconfig.lib.json"\n    },\n    {\n      "path": "./tsconfig.spec.json"\n    }\n  ]\n}\n`,
        'tsconfig.lib.json': `{\n  "extends": "../../tsconfig.base.json",\n  "compilerOptions": {\n    "rootDir": "src",\n    "outDir": "dist"\n  },\n  "include": ["src/**/*.ts"],\n  "references": [],\n  "exclude": ["jest.config.ts", "src/**/*.spec.ts", "src/**/*.test.ts"]\n}\n`,
        'tsconfig.spec.json': `{\n  "extends": "../../tsconfig.base.json",\n  // tests\n  "include": [\n    "jest.config.ts",\n    "src/**/*.spec.ts", // specs\n    "src/**/*.d.ts"\n  ],\n  "references": [{ "path": "./tsconfig.lib.json" }]\n}\n`,
      });
      expect(await sync(tree)).toEqual([
        'libs/api/sst-env.d.ts: missing',
        'libs/api/tsconfig.lib.json: sst-env.d.ts is not in "include"',
        'libs/api/tsconfig.spec.json: sst-env.d.ts is not in "include"',
      ]);
      expect(tree.read('libs/api/tsconfig.json', 'utf-8')).toContain('"include": [],');
      expect(tree.read('libs/api/tsconfig.lib.json', 'utf-8')).toContain(
        '"include": ["src/**/*.ts", "sst-env.d.ts"],\n  "references": [],',
      );
      expect(tree.read('libs/api/tsconfig.spec.json', 'utf-8')).toBe(
        `{\n  "extends": "../../tsconfig.base.json",\n  // tests\n  "include": [\n    "jest.config.ts",\n    "src/**/*.spec.ts", // specs\n    "src/**/*.d.ts",\n    "sst-env.d.ts"\n  ],\n  "references": [{ "path": "./tsconfig.lib.json" }]\n}\n`,
      );
      expect(await sync(tree)).toBeUndefined();
    });

    it('adds it in the older integrated layout (tsconfig.app.json extending tsconfig.json) and leaves covered ones alone', async () => {
      const tree = await boundProject({
        'tsconfig.json': `{\n  "extends": "../../tsconfig.base.json",\n  "files": [],\n  "include": [],\n  "references": [{ "path": "./tsconfig.app.json" }, { "path": "./tsconfig.spec.json" }]\n}\n`,
        'tsconfig.app.json': `{\n  "extends": "./tsconfig.json",\n  "compilerOptions": { "outDir": "../../dist/out-tsc", "types": ["node"] },\n  "exclude": ["jest.config.ts", "src/**/*.spec.ts"],\n  "include": ["src/**/*.ts"]\n}\n`,
        // Covered already: every .ts below the project, the root's .d.ts files included.
        'tsconfig.spec.json': `{\n  "extends": "./tsconfig.json",\n  "include": ["jest.config.ts", "**/*.test.ts", "**/*.d.ts"]\n}\n`,
      });
      expect(await sync(tree)).toEqual([
        'libs/api/sst-env.d.ts: missing',
        'libs/api/tsconfig.app.json: sst-env.d.ts is not in "include"',
      ]);
      expect(tree.read('libs/api/tsconfig.app.json', 'utf-8')).toContain(
        '"include": ["src/**/*.ts", "sst-env.d.ts"]\n}',
      );
      expect(tree.read('libs/api/tsconfig.spec.json', 'utf-8')).toContain('"**/*.d.ts"]');
    });

    it("adds it to a Next.js app's own tsconfig.json, and not to one without include", async () => {
      const tree = await createWorkspace();
      await addSampleResources(tree, ['web']);
      tree.write(
        'apps/web/tsconfig.json',
        `{\n  "compilerOptions": { "jsx": "preserve" },\n  "include": [\n    "app/**/*.ts",\n    "app/**/*.tsx",\n    "next-env.d.ts"\n  ],\n  "exclude": ["node_modules"]\n}\n`,
      );
      tree.write('libs/functions/tsconfig.json', `{ "compilerOptions": { "strict": true } }\n`);
      expect(await sync(tree)).toContain('apps/web/tsconfig.json: sst-env.d.ts is not in "include"');
      expect(tree.read('apps/web/tsconfig.json', 'utf-8')).toContain(
        '    "next-env.d.ts",\n    "sst-env.d.ts"\n  ],',
      );
      expect(tree.read('libs/functions/tsconfig.json', 'utf-8')).toBe(
        `{ "compilerOptions": { "strict": true } }\n`,
      );
    });
  });
});
