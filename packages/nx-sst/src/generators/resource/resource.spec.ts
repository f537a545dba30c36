import { logger, readJson, readProjectConfiguration, writeJson, type Tree } from '@nx/devkit';
import {
  STACK,
  STACK_WITH_PUBLIC_BOUND_TO_WEB,
  createWorkspaceWithSite,
  treeContent,
} from '../test-utils/workspace';
import { readStaticBindings } from '../../plugin/bindings';
import { bindGenerator } from '../bind/bind';
import { secretGenerator } from '../secret/secret';
import { siteGenerator } from '../site/site';
import { resourceGenerator } from './resource';
import type { ResourceGeneratorSchema } from './schema';

describe('resource generator', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = await createWorkspaceWithSite();
  });

  it('adds the import, the construct above the site it binds, and the binding', async () => {
    await resourceGenerator(tree, { type: 'bucket', name: 'public', bind: ['web'], skipFormat: true });
    expect(tree.read(STACK, 'utf-8')).toBe(STACK_WITH_PUBLIC_BOUND_TO_WEB);
    // Left as they are: the plugin binds the targets (wrapTargets is opt-in).
    expect(readJson(tree, 'apps/web/package.json').scripts).toMatchInlineSnapshot(`
     {
       "build": "next build",
       "dev": "next dev",
       "lint": "eslint .",
     }
    `);
  });

  it('tells which infra project to deploy before the bound targets can read their values', async () => {
    const info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    try {
      await resourceGenerator(tree, { type: 'bucket', name: 'public', bind: ['web'], skipFormat: true });
      expect(info).toHaveBeenCalledWith(
        expect.stringMatching(/Deploy the stage first: nx run infra:deploy$/),
      );
    } finally {
      info.mockRestore();
    }
  });

  it('binds to a function target of a library and wraps the project.json command --wrapTargets names', async () => {
    await resourceGenerator(tree, {
      type: 'function',
      name: 'worker',
      handler: 'libs/functions/src/index.handler',
      skipFormat: true,
    });
    await resourceGenerator(tree, {
      type: 'table',
      name: 'orders',
      bind: ['functions', 'web'],
      wrapTargets: ['test'],
      skipFormat: true,
    });
    expect(tree.read(STACK, 'utf-8')).toMatchInlineSnapshot(`
     "import { type StackContext, NextjsSite, Function, Table } from '@nx-sst/constructs';

     export function Default({ stack }: StackContext) {
       const ordersTable = new Table(stack, 'orders', { fields: { pk: 'string' }, primaryIndex: { partitionKey: 'pk' } });
       const webSite = new NextjsSite(stack, 'web', { path: 'apps/web', bind: [ordersTable] });
       const workerFunction = new Function(stack, 'worker', { handler: 'libs/functions/src/index.handler', bind: [ordersTable] });
     }
     "
    `);
    expect(readProjectConfiguration(tree, 'functions').targets).toMatchInlineSnapshot(`
     {
       "lint": {
         "executor": "@nx/eslint:lint",
       },
       "test": {
         "continuous": false,
         "executor": "nx-sst:bind",
         "options": {
           "command": "vitest run",
           "cwd": "libs/functions",
         },
       },
     }
    `);
  });

  it.each<[ResourceGeneratorSchema['type'], Partial<ResourceGeneratorSchema>]>([
    ['bucket', {}],
    ['table', {}],
    ['topic', {}],
    ['queue', {}],
    ['event-bus', {}],
    ['kinesis-stream', {}],
    ['function', { handler: 'libs/functions/src/index.handler' }],
    ['api', { handler: 'libs/functions/src/index.handler' }],
    ['rds', {}],
    ['cron', { handler: 'libs/functions/src/index.handler' }],
    ['parameter', { value: "it's 1" }],
  ])('writes a %s', async (type, extra) => {
    const before = tree.read(STACK, 'utf-8')!;
    await resourceGenerator(tree, { type, name: 'thing', ...extra, skipFormat: true });
    const after = tree.read(STACK, 'utf-8')!;
    const added = after.split('\n').filter((line) => !before.split('\n').includes(line));
    expect(added).toMatchSnapshot();
  });

  it('refuses a name it already declared, with or without --bind, naming it and the bind generator', async () => {
    const options: ResourceGeneratorSchema = { type: 'queue', name: 'jobs', bind: ['web'], skipFormat: true };
    await resourceGenerator(tree, options);
    const first = treeContent(tree);
    for (const again of [options, { ...options, bind: undefined }, { ...options, type: 'bucket' as const }]) {
      await expect(resourceGenerator(tree, again)).rejects.toThrow(
        `A construct with id 'jobs' already exists (Queue in apps/infra/stacks/Default.ts). Choose another name, ` +
          `or, to bind the existing Queue to a project: nx g nx-sst:bind --resource jobs --project <project>`,
      );
      expect(treeContent(tree)).toEqual(first);
    }
  });

  it('keeps the user formatting and quote style, and places new constructs before a final return', async () => {
    tree.write(
      STACK,
      `import { NextjsSite, type StackContext } from "@nx-sst/constructs";

// Our stack.
export function Default({ stack: s }: StackContext) {
    const site = new NextjsSite(s, "web", {
        path: "apps/web",
    });
    return { url: site.url };
}
`,
    );
    await resourceGenerator(tree, { type: 'bucket', name: 'uploads', bind: ['web'], skipFormat: true });
    expect(tree.read(STACK, 'utf-8')).toMatchInlineSnapshot(`
     "import { NextjsSite, type StackContext, Bucket } from "@nx-sst/constructs";

     // Our stack.
     export function Default({ stack: s }: StackContext) {
         const uploadsBucket = new Bucket(s, "uploads");
         const site = new NextjsSite(s, "web", {
             path: "apps/web",
             bind: [uploadsBucket],
         });
         return { url: site.url };
     }
     "
    `);
  });

  it.each<[Partial<ResourceGeneratorSchema>, string]>([
    [{ name: '1bad' }, `Invalid resource id '1bad'`],
    [{ name: 'a.b' }, `Invalid resource id 'a.b'`],
    [
      { name: 'web' },
      `A construct with id 'web' already exists (NextjsSite in apps/infra/stacks/Default.ts)`,
    ],
    [{ name: 'x', bind: ['nope'] }, `Cannot find project 'nope'. Projects: functions, infra, utils, web.`],
    [
      { name: 'x', bind: ['utils'] },
      `Project 'utils' has nothing in apps/infra/stacks/Default.ts that runs its code`,
    ],
    [
      { name: 'x', stack: 'Api' },
      `Stack 'Api' not found: apps/infra/stacks/Api.ts does not exist. Stacks of 'infra': Default.`,
    ],
    [{ name: 'x', stack: '../x' }, `Invalid stack name '../x'`],
    [{ name: 'x', app: 'web' }, 'No infra app "web" in /virtual. Infra apps here: infra.'],
    [{ name: 'x', type: 'function' }, `A function needs --handler`],
    [
      { name: 'x', type: 'function', handler: 'libs/functions/src/missing.handler' },
      `Handler 'libs/functions/src/missing.handler' does not point at a file`,
    ],
    [
      { name: 'x', type: 'function', handler: '../outside/index.handler' },
      `Invalid handler '../outside/index.handler'`,
    ],
    [
      { name: 'x', type: 'cron', handler: 'libs/functions/src/index.handler', bind: ['web'] },
      `A Cron is not bindable`,
    ],
    [{ name: 'x', type: 'nope' as ResourceGeneratorSchema['type'] }, `Unknown resource type 'nope'`],
  ])('refuses %j and writes nothing', async (options, message) => {
    const before = treeContent(tree);
    await expect(
      resourceGenerator(tree, { type: 'bucket', name: 'x', skipFormat: true, ...options }),
    ).rejects.toThrow(message);
    expect(treeContent(tree)).toEqual(before);
  });

  it('refuses an id that differs only by - and _ from an existing one', async () => {
    await resourceGenerator(tree, { type: 'bucket', name: 'my-files', skipFormat: true });
    await expect(
      resourceGenerator(tree, { type: 'table', name: 'my_files', skipFormat: true }),
    ).rejects.toThrow(
      `A construct with id 'my-files' already exists (Bucket in apps/infra/stacks/Default.ts)`,
    );
  });

  it('refuses binding to a project whose target lives in another stack', async () => {
    tree.write(
      'apps/infra/stacks/Data.ts',
      `import { type StackContext } from '@nx-sst/constructs';\n\nexport function Data({ stack }: StackContext) {}\n`,
    );
    await expect(
      resourceGenerator(tree, { type: 'bucket', name: 'x', stack: 'Data', bind: ['web'], skipFormat: true }),
    ).rejects.toThrow(
      `Project 'web' is a target in apps/infra/stacks/Default.ts, not in apps/infra/stacks/Data.ts.`,
    );
  });

  describe("a site's browser code", () => {
    /** A Vite app `spa` made a site, its dev/build scripts untouched by the test. */
    async function addViteSite(props = '') {
      writeJson(tree, 'apps/spa/package.json', { name: 'spa', scripts: { dev: 'vite' } });
      tree.write('apps/spa/vite.config.ts', 'export default {};\n');
      await siteGenerator(tree, { project: 'spa', skipFormat: true });
      if (props)
        tree.write(
          STACK,
          tree.read(STACK, 'utf-8')!.replace(`buildOutput: 'dist'`, `buildOutput: 'dist', ${props}`),
        );
    }
    const spaLine = () =>
      tree
        .read(STACK, 'utf-8')!
        .split('\n')
        .find((l) => l.includes("'spa'"))!;

    it('gives a Vite StaticSite VITE_* environment entries, not a bind it does not have', async () => {
      await addViteSite();
      await resourceGenerator(tree, { type: 'bucket', name: 'uploads', bind: ['spa'], skipFormat: true });
      await resourceGenerator(tree, {
        type: 'parameter',
        name: 'API_URL',
        value: 'https://api.example.com',
        bind: ['spa'],
        skipFormat: true,
      });
      expect(tree.read(STACK, 'utf-8')).toMatchInlineSnapshot(`
       "import { type StackContext, NextjsSite, StaticSite, Bucket, Config } from '@nx-sst/constructs';

       export function Default({ stack }: StackContext) {
         const webSite = new NextjsSite(stack, 'web', { path: 'apps/web' });
         const uploadsBucket = new Bucket(stack, 'uploads');
         const API_URL = new Config.Parameter(stack, 'API_URL', { value: 'https://api.example.com' });
         const spaSite = new StaticSite(stack, 'spa', { path: 'apps/spa', buildCommand: 'npx vite build', buildOutput: 'dist', environment: { VITE_BUCKET_UPLOADS_BUCKET_NAME: uploadsBucket.bucketName, VITE_CONFIG_API_URL: API_URL.value } });
       }
       "
      `);
      // What the graph plugin (nx show project spa) lists: no binding, since there is none.
      const { targets } = readStaticBindings([{ file: STACK, content: tree.read(STACK, 'utf-8')! }]);
      expect(targets.find((t) => t.id === 'spa')?.bindings).toEqual([]);
      const before = treeContent(tree);
      await expect(
        resourceGenerator(tree, { type: 'bucket', name: 'uploads', bind: ['spa'], skipFormat: true }),
      ).rejects.toThrow(`A construct with id 'uploads' already exists (Bucket in ${STACK}).`);
      expect(treeContent(tree)).toEqual(before);
    });

    it("follows the site's vite.envPrefix, and nx-sst:bind does the same, moving the resource above the site", async () => {
      await addViteSite(`vite: { envPrefix: ['PUBLIC_'] }`);
      await resourceGenerator(tree, { type: 'table', name: 'notes', skipFormat: true });
      await bindGenerator(tree, { resource: 'notes', project: 'spa', skipFormat: true });
      const lines = tree.read(STACK, 'utf-8')!.split('\n');
      expect(lines.findIndex((l) => l.includes('new Table('))).toBeLessThan(
        lines.findIndex((l) => l.includes("'spa'")),
      );
      expect(spaLine()).toContain(`environment: { PUBLIC_TABLE_NOTES_TABLE_NAME: notesTable.tableName }`);
      expect(spaLine()).not.toContain('bind');
    });

    it('adds to an environment the site has, and refuses a name it already uses for something else', async () => {
      await addViteSite(`environment: { VITE_MODE: 'prod' }`);
      await resourceGenerator(tree, { type: 'bucket', name: 'uploads', bind: ['spa'], skipFormat: true });
      expect(spaLine()).toContain(
        `environment: { VITE_MODE: 'prod', VITE_BUCKET_UPLOADS_BUCKET_NAME: uploadsBucket.bucketName }`,
      );
      tree.write(STACK, tree.read(STACK, 'utf-8')!.replace('uploadsBucket.bucketName }', `'hand-written' }`));
      const before = treeContent(tree);
      await expect(
        bindGenerator(tree, { resource: 'uploads', project: 'spa', skipFormat: true }),
      ).rejects.toThrow(
        `'spa' in apps/infra/stacks/Default.ts already has environment VITE_BUCKET_UPLOADS_BUCKET_NAME: 'hand-written', not uploadsBucket.bucketName.`,
      );
      expect(treeContent(tree)).toEqual(before);
    });

    it('refuses a secret for a static site, and any value for a static site that is not a Vite app, writing nothing', async () => {
      await addViteSite();
      writeJson(tree, 'apps/plain/package.json', { name: 'plain' });
      await siteGenerator(tree, { project: 'plain', skipFormat: true });
      const before = treeContent(tree);
      await expect(
        secretGenerator(tree, { name: 'STRIPE_KEY', bind: ['spa'], skipFormat: true }),
      ).rejects.toThrow(
        `Cannot bind Secret 'STRIPE_KEY' to 'spa': 'spa' is a StaticSite, which has no server code, so the secret would have to go to the browser, and secrets never do.`,
      );
      await expect(
        resourceGenerator(tree, { type: 'bucket', name: 'uploads', bind: ['plain'], skipFormat: true }),
      ).rejects.toThrow(
        `Cannot bind Bucket 'uploads' to 'plain': 'plain' is a StaticSite, which has no server code, and not a Vite app (no vite.config.* in apps/plain) nor a Next.js export, ` +
          `so nx-sst cannot tell which environment variables its build gives to browser code. ` +
          `Add the value to its environment by hand, under the name your build reads: environment: { PUBLIC_BUCKET_UPLOADS_BUCKET_NAME: uploadsBucket.bucketName }.`,
      );
      // Nothing half-written, even with a project that could be bound listed first.
      await expect(
        resourceGenerator(tree, {
          type: 'bucket',
          name: 'uploads',
          bind: ['web', 'plain'],
          skipFormat: true,
        }),
      ).rejects.toThrow(`Cannot bind Bucket 'uploads' to 'plain'`);
      expect(treeContent(tree)).toEqual(before);
    });

    it('with --client, also gives a NextjsSite NEXT_PUBLIC_* entries next to the binding', async () => {
      await resourceGenerator(tree, {
        type: 'bucket',
        name: 'uploads',
        bind: ['web'],
        client: true,
        skipFormat: true,
      });
      expect(tree.read(STACK, 'utf-8')).toContain(
        `const webSite = new NextjsSite(stack, 'web', { path: 'apps/web', bind: [uploadsBucket], environment: { NEXT_PUBLIC_BUCKET_UPLOADS_BUCKET_NAME: uploadsBucket.bucketName } });`,
      );
      const { targets } = readStaticBindings([{ file: STACK, content: tree.read(STACK, 'utf-8')! }]);
      expect(targets.find((t) => t.id === 'web')?.bindings).toEqual([{ type: 'Bucket', id: 'uploads' }]);
    });
  });
});
