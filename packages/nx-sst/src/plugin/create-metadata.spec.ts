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
