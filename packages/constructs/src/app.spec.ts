import * as fs from 'node:fs';
import * as path from 'node:path';
import { use, type StackContext } from './app';
import { Bucket } from './bucket';
import { Function } from './function';
import { Secret } from './secret';
import { removeWorkspace, tempWorkspace, testApp } from './test-utils/workspace';

describe('App', () => {
  let root: string;
  beforeEach(() => (root = tempWorkspace()));
  afterEach(() => removeWorkspace(root));

  it('names stacks {stage}-{app}-{id} in the app account and region', () => {
    const app = testApp(root);
    function Storage({ stack }: StackContext) {
      return { bucket: new Bucket(stack, 'files') };
    }
    let fromOther: Bucket | undefined;
    function Api({ stack }: StackContext) {
      fromOther = use(Storage).bucket;
      new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: [fromOther] });
    }
    app.stack(Storage).stack(Api);
    const stacks = app.node.children.map((c) => (c as import('aws-cdk-lib').Stack).stackName);
    expect(stacks).toEqual(['dev-my-app-Storage', 'dev-my-app-Api']);
    expect(fromOther).toBeInstanceOf(Bucket);
    expect(app.ssmPrefix).toBe('/sst/my-app/dev/');
  });

  it('refuses use() of a stack that was not added yet, naming the fix', () => {
    const app = testApp(root);
    function Database() {
      return 1;
    }
    function Later() {
      use(Database);
    }
    expect(() => app.stack(Later)).toThrow('use(Database) was called before app.stack(Database)');
  });

  it('builds the binding model from the tree without synthesizing', () => {
    const app = testApp(root);
    app.stack(function Default({ stack }) {
      const bucket = new Bucket(stack, 'files');
      const secret = new Secret(stack, 'STRIPE_KEY');
      new Function(stack, 'api', {
        handler: 'packages/functions/src/lambda.handler',
        bind: [secret, bucket],
      });
    });
    const model = app.bindingModel();
    expect(model).toEqual({
      app: 'my-app',
      stage: 'dev',
      ssmPrefix: '/sst/my-app/dev/',
      resources: [
        {
          type: 'Bucket',
          id: 'files',
          clientPackage: 'bucket',
          props: ['bucketName'],
          stack: 'dev-my-app-Default',
        },
        {
          type: 'Function',
          id: 'api',
          clientPackage: 'function',
          props: ['functionName'],
          stack: 'dev-my-app-Default',
        },
        {
          type: 'Secret',
          id: 'STRIPE_KEY',
          clientPackage: 'config',
          props: ['value'],
          stack: 'dev-my-app-Default',
        },
      ],
      targets: [
        {
          id: 'api',
          kind: 'function',
          project: { name: 'functions', root: 'packages/functions' },
          bindings: [
            { type: 'Bucket', id: 'files' },
            { type: 'Secret', id: 'STRIPE_KEY' },
          ],
          stack: 'dev-my-app-Default',
        },
      ],
    });
    // nothing was bundled or synthesized
    const outdir = path.join(root, '.sst', 'cdk.out');
    expect(fs.existsSync(path.join(outdir, 'bundles'))).toBe(false);
    expect(fs.existsSync(path.join(outdir, 'manifest.json'))).toBe(false);
  });
});
