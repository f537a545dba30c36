import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CreateMetadataContext, ProjectGraph } from '@nx/devkit';
import { createMetadata } from './create-metadata';

const FILES: Record<string, string> = {
  'apps/infra/project.json': '{ "name": "infra" }',
  'apps/infra/sst.config.ts': 'export default {};\n',
  'apps/infra/stacks/Default.ts': `import { Bucket, NextjsSite, StaticSite, type StackContext } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  const uploadsBucket = new Bucket(stack, 'uploads');
  new NextjsSite(stack, 'web', { path: 'apps/web', bind: [uploadsBucket] });
  // Written by hand (or by an older generator): the construct refuses it when the stack runs.
  new StaticSite(stack, 'spa', { path: 'apps/spa', bind: [uploadsBucket], environment: { VITE_X: uploadsBucket.bucketName } });
}
`,
  'apps/web/package.json': '{ "name": "web" }',
  'apps/spa/package.json': '{ "name": "spa" }',
};

describe('createMetadata (nx show project)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-sst-metadata-'));
    for (const [file, content] of Object.entries(FILES)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), content);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lists a NextjsSite binding, and no binding for a bind written on a StaticSite (which takes none)', async () => {
    const nodes = Object.fromEntries(
      ['infra', 'web', 'spa'].map((name) => [name, { name, type: 'app', data: { root: `apps/${name}` } }]),
    );
    const metadata = await createMetadata({ nodes, dependencies: {} } as unknown as ProjectGraph, {}, {
      workspaceRoot: root,
    } as CreateMetadataContext);
    expect(metadata.web?.metadata?.sst).toEqual({
      bindings: [{ app: 'infra', targets: ['web'], resources: ['Bucket.uploads'] }],
    });
    // Still a target of the infra app (its dev server gets the environment), with nothing bound.
    expect(metadata.spa?.metadata?.sst).toEqual({
      bindings: [{ app: 'infra', targets: ['spa'], resources: [] }],
    });
  });
});

describe('an infra app that binds itself (a function in its own folder)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-sst-self-'));
    const files: Record<string, string> = {
      'apps/api/project.json': '{ "name": "api" }',
      'apps/api/sst.config.ts': 'export default {};\n',
      'apps/api/src/handler.ts': 'export const handler = async () => ({});\n',
      'apps/api/stacks/Default.ts': `import { Function, Table, type StackContext } from '@nx-sst/constructs';
export function Default({ stack }: StackContext) {
  const items = new Table(stack, 'items', { fields: { pk: 'string' }, primaryIndex: { partitionKey: 'pk' } });
  new Function(stack, 'worker', { handler: 'apps/api/src/handler.handler', bind: [items] });
}
`,
    };
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), content);
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is a bound project (its tasks run bound) with its resources, and no edge to itself', async () => {
    const graph = {
      nodes: { api: { name: 'api', type: 'app', data: { root: 'apps/api' } } },
      dependencies: {},
    };
    const metadata = await createMetadata(graph as unknown as ProjectGraph, {}, {
      workspaceRoot: root,
    } as CreateMetadataContext);
    expect(metadata.api?.metadata?.sst).toEqual({
      resources: ['Function.worker', 'Table.items'],
      boundProjects: ['api'],
      bindings: [{ app: 'api', targets: ['worker'], resources: ['Table.items'] }],
    });
    const { createDependencies } = jest.requireActual(
      './create-dependencies',
    ) as typeof import('./create-dependencies');
    const dependencies = await createDependencies({}, {
      workspaceRoot: root,
      projects: { api: { root: 'apps/api' } },
      fileMap: { projectFileMap: {}, nonProjectFiles: [] },
    } as never);
    expect(dependencies).toEqual([]);
    const { createNodes } = jest.requireActual('./create-nodes') as typeof import('./create-nodes');
    const nodes = await createNodes[1](
      ['apps/api/sst.config.ts'],
      {},
      { nxJsonConfiguration: {}, workspaceRoot: root },
    );
    const [infraPart, boundPart] = nodes.map(([, r]) => r.projects?.['apps/api']);
    expect(boundPart?.namedInputs?.default).toEqual([
      '{projectRoot}/**/*',
      { runtime: expect.stringContaining('apps/api') },
    ]);
    expect(boundPart?.targets?.test).toEqual({ syncGenerators: ['...', 'nx-sst:sync'] });
    expect(infraPart?.targets?.types.outputs).toEqual([
      '{projectRoot}/.sst/types',
      '{workspaceRoot}/apps/api/sst-env.d.ts',
    ]);
  });
});
