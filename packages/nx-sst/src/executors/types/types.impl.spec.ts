import type { ExecutorContext } from '@nx/devkit';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FsTree } from 'nx/src/generators/tree';
import { projectTypeFiles } from '../../types/project-types';
import { createDiskWorkspace } from '../../plugin/test-utils/disk-workspace';
import typesExecutor from './types.impl';

jest.setTimeout(180_000);

describe('types executor', () => {
  let ws: { root: string; dispose(): void };
  beforeAll(() => {
    ws = createDiskWorkspace({
      'package.json': JSON.stringify({ name: 'ws', private: true, workspaces: ['apps/*', 'libs/*'] }),
      'nx.json': JSON.stringify({ analytics: false }),
      'apps/infra/project.json': JSON.stringify({ name: 'infra' }),
      'apps/infra/sst.config.ts': `import type { SSTConfig } from '@nx-sst/constructs';
import { Default } from './stacks/Default';
export default { config() { return { name: 'shop', region: 'us-east-1' }; }, stacks(app) { app.stack(Default); } } satisfies SSTConfig;
`,
      'apps/infra/stacks/Default.ts': `import { Bucket, Config, Function, NextjsSite, Table, type StackContext } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  const publicBucket = new Bucket(stack, 'public');
  const ordersTable = new Table(stack, 'orders', { fields: { pk: 'string' }, primaryIndex: { partitionKey: 'pk' } });
  const STRIPE_KEY = new Config.Secret(stack, 'STRIPE_KEY');
  new NextjsSite(stack, 'web', { path: 'apps/web', bind: [publicBucket, { resource: STRIPE_KEY, permissions: [] }] });
  const worker = new Function(stack, 'worker', { handler: 'libs/functions/src/index.handler', bind: [ordersTable] });
  worker.bind([STRIPE_KEY]);
}
`,
      'apps/web/package.json': JSON.stringify({ name: 'web' }),
      'libs/functions/project.json': JSON.stringify({ name: 'functions' }),
      'libs/functions/src/index.ts': 'export async function handler() {}\n',
    });
  });
  afterAll(() => ws.dispose());

  it('writes the same sst-env.d.ts as the sync generator, from the real construct tree', async () => {
    const context = {
      root: ws.root,
      cwd: ws.root,
      projectName: 'infra',
      targetName: 'types',
      projectsConfigurations: { version: 2, projects: { infra: { root: 'apps/infra' } } },
      nxJsonConfiguration: {},
      isVerbose: false,
      projectGraph: { nodes: {}, dependencies: {} },
    } as unknown as ExecutorContext;
    expect(await typesExecutor({}, context)).toEqual({ success: true });
    const fromSync = projectTypeFiles(new FsTree(ws.root, false));
    expect([...fromSync.keys()]).toEqual(['apps/web/sst-env.d.ts', 'libs/functions/sst-env.d.ts']);
    for (const [file, content] of fromSync) {
      expect(readFileSync(join(ws.root, file), 'utf-8')).toBe(content);
    }
  });
});
