import {
  addProjectConfiguration,
  logger,
  readJson,
  readNxJson,
  updateJson,
  writeJson,
  type Tree,
} from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { treeContent } from '../test-utils/workspace';
import { awsCdkLibVersion, nxSstVersion } from '../utils/versions';
import { AWS_SDK_V2_VERSION, migrateSstV2Generator } from './migrate-sst-v2';
import { readProvidedPackage } from './provided';

const runtimeHasAuth = !!readProvidedPackage('@nx-sst/runtime', []).exportsOf('auth');

/** A standalone SST v2 app (create-sst's layout) moved as a whole under `dir`. */
function writeV2App(tree: Tree, dir: string): void {
  const at = (path: string) => (dir ? `${dir}/${path}` : path);
  writeJson(tree, at('package.json'), {
    name: 'notes',
    private: true,
    workspaces: ['packages/*'],
    scripts: {
      dev: 'sst dev',
      build: 'sst build',
      deploy: 'sst deploy --stage prod',
      remove: 'sst remove',
      console: 'sst console',
      typecheck: 'tsc --noEmit',
    },
    devDependencies: { sst: '^2.40.0', 'aws-cdk-lib': '2.110.1', constructs: '10.3.0', typescript: '^5.2.2' },
  });
  tree.write(
    at('sst.config.ts'),
    `import { SSTConfig } from "sst";
import { API } from "./stacks/API";

export default {
  config(_input) {
    return { name: "notes", region: "us-east-1" };
  },
  stacks(app) {
    app.stack(API);
  },
} satisfies SSTConfig;
`,
  );
  tree.write(
    at('stacks/API.ts'),
    `import { Api, Cron, NextjsSite, StackContext, Table } from "sst/constructs";

export function API({ stack }: StackContext) {
  const table = new Table(stack, "notes", { fields: { id: "string" }, primaryIndex: { partitionKey: "id" } });
  const api = new Api(stack, "api", {
    defaults: { function: { bind: [table] } },
    routes: {
      "GET /notes/{id}": "packages/functions/src/get.handler",
      "POST /notes/{id}": { function: { handler: "packages/functions/src/put.handler", copyFiles: [{ from: "packages/functions/templates" }] } },
    },
  });
  new Cron(stack, "cleanup", { schedule: "rate(1 day)", job: { function: { handler: "packages/web/cron/cleanup.handler", bind: [table] } } });
  const site = new NextjsSite(stack, "site", { bind: [api] });
  new NextjsSite(stack, "other");
  new NextjsSite(stack, "web", { path: "packages/web" });
  stack.addOutputs({ ApiEndpoint: api.url, Site: site.url });
}
`,
  );
  writeJson(tree, at('packages/functions/package.json'), {
    name: '@notes/functions',
    type: 'module',
    scripts: { test: 'sst bind vitest', typecheck: 'tsc -noEmit' },
    dependencies: { '@aws-sdk/client-dynamodb': '^3.400.0' },
    devDependencies: { sst: '^2.40.0', vitest: '^0.34.0' },
  });
  tree.write(at('packages/functions/templates/note.txt'), 'a note\n');
  tree.write(
    at('packages/functions/src/get.ts'),
    `import { ApiHandler, usePathParam } from "sst/node/api";
import { Table } from "sst/node/table";
import AWS from "aws-sdk";

const db = new AWS.DynamoDB.DocumentClient();

export const handler = ApiHandler(async () => {
  const item = await db.get({ TableName: Table.notes.tableName, Key: { id: usePathParam("id") } }).promise();
  return { statusCode: 200, body: JSON.stringify(item.Item) };
});
`,
  );
  tree.write(
    at('packages/functions/src/put.ts'),
    `import { ApiHandler, useJsonBody } from 'sst/node/api';
import { Config } from 'sst/node/config';

export const handler = ApiHandler(async () => ({ statusCode: 200, body: JSON.stringify({ body: useJsonBody(), app: Config.APP }) }));
`,
  );
  tree.write(at('packages/functions/sst-env.d.ts'), '/// <reference path="../../.sst/types/index.ts" />\n');
  writeJson(tree, at('packages/web/package.json'), {
    name: '@notes/web',
    scripts: { dev: 'sst bind next dev', build: 'next build' },
    dependencies: { next: '14.0.0' },
  });
  tree.write(
    at('packages/web/cron/cleanup.ts'),
    `import { Table } from "sst/node/table";\nexport async function handler() { return Table.notes.tableName; }\n`,
  );
  tree.write(at('packages/web/app/page.tsx'), `export default function Page() { return <h1>notes</h1>; }\n`);
}

function createWorkspaceWithV2App(dir = 'apps/notes'): Tree {
  const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
  updateJson(tree, 'package.json', (json) => ({ ...json, workspaces: ['apps/*', 'libs/*'] }));
  writeV2App(tree, dir);
  return tree;
}

describe('migrate-sst-v2 generator', () => {
  beforeEach(() => {
    jest.spyOn(logger, 'info').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('rewrites imports, paths of an app moved under a folder, scripts and dependencies', async () => {
    const tree = createWorkspaceWithV2App();
    await migrateSstV2Generator(tree, { project: 'notes', skipInstall: true });

    expect(tree.read('apps/notes/sst.config.ts', 'utf-8')).toContain(
      'import { SSTConfig } from "@nx-sst/constructs";',
    );
    expect(tree.read('apps/notes/stacks/API.ts', 'utf-8')).toBe(
      `import { Api, Cron, NextjsSite, StackContext, Table } from "@nx-sst/constructs";

export function API({ stack }: StackContext) {
  const table = new Table(stack, "notes", { fields: { id: "string" }, primaryIndex: { partitionKey: "id" } });
  const api = new Api(stack, "api", {
    defaults: { function: { bind: [table] } },
    routes: {
      "GET /notes/{id}": "apps/notes/packages/functions/src/get.handler",
      "POST /notes/{id}": { function: { handler: "apps/notes/packages/functions/src/put.handler", copyFiles: [{ from: "apps/notes/packages/functions/templates" }] } },
    },
  });
  new Cron(stack, "cleanup", { schedule: "rate(1 day)", job: { function: { handler: "apps/notes/packages/web/cron/cleanup.handler", bind: [table] } } });
  const site = new NextjsSite(stack, "site", { path: 'apps/notes', bind: [api] });
  new NextjsSite(stack, "other", { path: 'apps/notes' });
  new NextjsSite(stack, "web", { path: "apps/notes/packages/web" });
  stack.addOutputs({ ApiEndpoint: api.url, Site: site.url });
}
`,
    );
    // Handler code: only the module names change; aws-sdk v2 stays as it is.
    const get = tree.read('apps/notes/packages/functions/src/get.ts', 'utf-8')!;
    expect(get).toContain('import { ApiHandler, usePathParam } from "@nx-sst/runtime/api";');
    expect(get).toContain('import { Table } from "@nx-sst/runtime/table";');
    expect(get).toContain('import AWS from "aws-sdk";');
    expect(tree.read('apps/notes/packages/functions/src/put.ts', 'utf-8')).toContain(
      "import { Config } from '@nx-sst/runtime/config';",
    );
    expect(tree.exists('apps/notes/packages/functions/sst-env.d.ts')).toBe(false);

    const app = readJson(tree, 'apps/notes/package.json');
    expect(app.scripts).toEqual({ typecheck: 'tsc --noEmit' });
    expect(app.devDependencies).toEqual({
      'aws-cdk-lib': awsCdkLibVersion,
      constructs: '10.3.0',
      typescript: '^5.2.2',
    });
    expect(app.workspaces).toBeUndefined();
    const functions = readJson(tree, 'apps/notes/packages/functions/package.json');
    expect(functions.scripts).toEqual({ test: 'vitest', typecheck: 'tsc -noEmit' });
    expect(functions.devDependencies).toEqual({ vitest: '^0.34.0' });
    expect(functions.dependencies).toEqual({
      '@aws-sdk/client-dynamodb': '^3.400.0',
      'aws-sdk': AWS_SDK_V2_VERSION,
    });
    expect(readJson(tree, 'apps/notes/packages/web/package.json').scripts).toEqual({
      dev: 'next dev',
      build: 'next build',
    });

    const root = readJson(tree, 'package.json');
    expect(root.workspaces).toEqual(['apps/*', 'libs/*', 'apps/notes/packages/*']);
    expect(root.dependencies['@nx-sst/runtime']).toBe(nxSstVersion);
    expect(root.devDependencies).toMatchObject({
      'nx-sst': nxSstVersion,
      '@nx-sst/constructs': nxSstVersion,
      'aws-cdk-lib': awsCdkLibVersion,
    });
    expect(readNxJson(tree)?.plugins).toContain('nx-sst');
  });

  it('says what it removed and why', async () => {
    const tree = createWorkspaceWithV2App();
    const info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    await migrateSstV2Generator(tree, { project: 'notes', skipInstall: true });
    const said = info.mock.calls.map(([m]) => String(m)).join('\n');
    expect(said).toContain(
      'apps/notes/package.json script "deploy" (sst deploy --stage prod): removed, use nx run notes:deploy',
    );
    expect(said).toContain('apps/notes/package.json: removed sst from devDependencies');
    expect(said).toContain('apps/notes/packages/functions/package.json: added aws-sdk');
    expect(said).toContain(
      'handler "packages/functions/src/get.handler" → "apps/notes/packages/functions/src/get.handler"',
    );
  });

  it('is idempotent: a second run changes nothing', async () => {
    const tree = createWorkspaceWithV2App();
    await migrateSstV2Generator(tree, { project: 'notes', skipInstall: true });
    const once = treeContent(tree);
    await migrateSstV2Generator(tree, { project: 'notes', skipInstall: true });
    expect(treeContent(tree)).toEqual(once);
  });

  it('leaves paths alone for an app at the workspace root (they were and stay relative to it)', async () => {
    const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
    tree.delete('package.json');
    writeV2App(tree, '');
    await migrateSstV2Generator(tree, { skipInstall: true });
    const stack = tree.read('stacks/API.ts', 'utf-8')!;
    expect(stack).toContain('"GET /notes/{id}": "packages/functions/src/get.handler"');
    expect(stack).toContain('new NextjsSite(stack, "other");');
    expect(stack).toContain('from "@nx-sst/constructs"');
    const root = readJson(tree, 'package.json');
    expect(root.workspaces).toEqual(['packages/*']);
    expect(root.devDependencies.sst).toBeUndefined();
    expect(root.scripts).toEqual({ typecheck: 'tsc --noEmit' });
  });

  it('refuses, listing file:line and the alternative, what nx-sst does not provide; writes nothing', async () => {
    const tree = createWorkspaceWithV2App();
    tree.write(
      'apps/notes/stacks/Socket.ts',
      `import { StackContext, WebSocketApi } from "sst/constructs";\nexport function Socket({ stack }: StackContext) { new WebSocketApi(stack, "ws"); }\n`,
    );
    tree.write(
      'apps/notes/packages/functions/src/graphql.ts',
      `import { Bucket } from "sst/node/bucket";\n\nimport { GraphQLHandler } from "sst/node/graphql";\nimport { NotABucket } from "sst/node/bucket";\n`,
    );
    updateJson(tree, 'apps/notes/package.json', (json) => ({
      ...json,
      scripts: { ...json.scripts, release: 'sst deploy --stage prod && ./notify.sh' },
    }));
    tree.listChanges(); // what the test wrote is not the generator's
    const before = treeContent(tree);

    const error = await migrateSstV2Generator(tree, { project: 'notes', skipInstall: true }).catch(
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toContain(
      "Cannot migrate 'notes': 4 place(s) use what nx-sst does not provide. Nothing was changed.",
    );
    expect(message).toContain(
      'apps/notes/stacks/Socket.ts:1  WebSocketApi from "sst/constructs": not exported by @nx-sst/constructs',
    );
    expect(message).toContain("aws-cdk-lib/aws-apigatewayv2's WebSocketApi");
    expect(message).toContain(
      'apps/notes/packages/functions/src/graphql.ts:3  "sst/node/graphql": GraphQLHandler is not provided',
    );
    expect(message).toMatch(
      /apps\/notes\/packages\/functions\/src\/graphql\.ts:4 {2}NotABucket from "sst\/node\/bucket": not exported by @nx-sst\/runtime\/bucket [^;]+; it exports .*Bucket/,
    );
    expect(message).toContain(
      'apps/notes/package.json script "release" (sst deploy --stage prod && ./notify.sh): it mixes sst commands with others: replace the sst part with nx run notes:deploy',
    );
    expect(treeContent(tree)).toEqual(before);
  });

  it(`sst/node/auth: ${runtimeHasAuth ? 'rewritten to @nx-sst/runtime/auth' : 'refused until @nx-sst/runtime has auth'}`, async () => {
    const tree = createWorkspaceWithV2App();
    tree.write(
      'apps/notes/packages/functions/src/auth.ts',
      `import { AuthHandler } from "sst/node/auth";\ndeclare module "sst/node/auth" { export interface SessionTypes { user: { userID: string } } }\nexport const handler = AuthHandler({ providers: {} });\n`,
    );
    const run = migrateSstV2Generator(tree, { project: 'notes', skipInstall: true });
    if (runtimeHasAuth) {
      await run;
      const text = tree.read('apps/notes/packages/functions/src/auth.ts', 'utf-8')!;
      expect(text).toContain('import { AuthHandler } from "@nx-sst/runtime/auth";');
      expect(text).toContain('declare module "@nx-sst/runtime/auth"');
    } else {
      await expect(run).rejects.toThrow(
        /apps\/notes\/packages\/functions\/src\/auth\.ts:1 {2}"sst\/node\/auth": update @nx-sst\/runtime to a release with the auth module/,
      );
    }
  });

  it('rewrites every form a module is named in: require, import(), export from, import types, declare module', async () => {
    const tree = createWorkspaceWithV2App();
    const file = 'apps/notes/packages/functions/src/forms.cjs';
    tree.write(
      file,
      `const { Config } = require('sst/node/config');\nmodule.exports.later = () => import("sst/node/bucket");\n`,
    );
    tree.write(
      'apps/notes/packages/functions/src/reexport.ts',
      `export { Bucket } from 'sst/node/bucket';\nexport type Names = import('sst/node/table').TableResources;\ndeclare module 'sst/node/config' { export interface SecretResources { KEY: { value: string } } }\n`,
    );
    await migrateSstV2Generator(tree, { project: 'notes', skipInstall: true });
    expect(tree.read(file, 'utf-8')).toBe(
      `const { Config } = require('@nx-sst/runtime/config');\nmodule.exports.later = () => import("@nx-sst/runtime/bucket");\n`,
    );
    expect(tree.read('apps/notes/packages/functions/src/reexport.ts', 'utf-8')).toBe(
      `export { Bucket } from '@nx-sst/runtime/bucket';\nexport type Names = import('@nx-sst/runtime/table').TableResources;\ndeclare module '@nx-sst/runtime/config' { export interface SecretResources { KEY: { value: string } } }\n`,
    );
  });

  it('names the project that is not an SST app', async () => {
    const tree = createWorkspaceWithV2App();
    addProjectConfiguration(tree, 'utils', { root: 'libs/utils' });
    await expect(migrateSstV2Generator(tree, { project: 'utils' })).rejects.toThrow(
      "Project 'utils' has no sst.config.ts at its root (libs/utils): pass the project that holds the SST v2 app.",
    );
  });
});
