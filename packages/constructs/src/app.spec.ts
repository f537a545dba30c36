import * as fs from 'node:fs';
import * as path from 'node:path';
import { use, type StackContext } from './app';
import { Match } from 'aws-cdk-lib/assertions';
import { Bucket } from './bucket';
import { NextjsSite } from './nextjs-site';
import { Table } from './table';
import { Function } from './function';
import { Secret } from './secret';
import { lambdaEnv, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('App', () => {
  const ws = useWorkspace({ each: true });

  it('names stacks {stage}-{app}-{id} in the app account and region', () => {
    const app = ws.app();
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
    // the warn-only schema validation costs tens of seconds per synthesis: off unless asked for
    expect(app._builtinCloudFormationValidation).toBe(false);
  });

  it('refuses use() of a stack that was not added yet, naming the fix', () => {
    const app = ws.app();
    function Database() {
      return 1;
    }
    function Later() {
      use(Database);
    }
    expect(() => app.stack(Later)).toThrow('use(Database) was called before app.stack(Database)');
  });

  it('builds the binding model from the tree without synthesizing', () => {
    const app = ws.app();
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
    const outdir = path.join(ws.root, '.sst', 'cdk.out');
    expect(fs.existsSync(path.join(outdir, 'bundles'))).toBe(false);
    expect(fs.existsSync(path.join(outdir, 'manifest.json'))).toBe(false);
  });

  it('applies app and stack default function props and bindings to functions created after the call', () => {
    const { template } = ws.synth(({ app, stack }) => {
      const early = new Function(stack, 'early', { handler: 'packages/functions/src/lambda.handler' });
      const files = new Bucket(stack, 'files');
      app.setDefaultFunctionProps({ timeout: 20, environment: { A: 'app' } });
      app.addDefaultFunctionBinding([files]);
      stack.setDefaultFunctionProps((s) => ({ environment: { B: s.stage } }));
      new Function(stack, 'late', {
        handler: 'packages/functions/src/lambda.handler',
        environment: { C: 'own' },
      });
      expect(early.boundResources()).toEqual([]);
    });
    expect(lambdaEnv(template, 'late')).toMatchObject({
      A: 'app',
      B: 'dev',
      C: 'own',
      SST_Bucket_bucketName_files: expect.anything(),
    });
    expect(lambdaEnv(template, 'early')).not.toHaveProperty('A');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 20,
      Environment: { Variables: Match.objectLike({ C: 'own' }) },
    });
  });

  it('applies a destroy removal policy to tables on non-production stages', () => {
    const { template } = ws.synth(({ app, stack }) => {
      app.setDefaultRemovalPolicy('destroy');
      new Table(stack, 'notes', { fields: { pk: 'string' }, primaryIndex: { partitionKey: 'pk' } });
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
  });

  it('refuses two bind targets with one id, and bad app props, naming the fix', () => {
    expect(() =>
      ws.app().stack(function Default({ stack }) {
        new Function(stack, 'web', { handler: 'packages/functions/src/lambda.handler' });
        new NextjsSite(stack, 'site', { path: 'apps/web', cdk: { id: 'site' } });
        new NextjsSite(stack, 'web', { path: 'apps/web', cdk: { id: 'web2' } });
      }),
    ).toThrow(
      'NextjsSite "web": another bind target (function "web" at Default/web) has the same id, and bind manifests are keyed by it. Rename one of them.',
    );
    expect(() => ws.app({ stage: 'my_stage' })).toThrow('Stage "my_stage" is invalid');
    expect(() => ws.app().stack(() => undefined)).toThrow('app.stack() was given an anonymous function');
  });

  it('refuses two stacks of one CloudFormation name in one account and region, naming both', () => {
    const app = ws.app();
    app.stack(function Api() {}, { stackName: 'shared' });
    expect(() => app.stack(function Web() {}, { stackName: 'shared' })).toThrow(
      'Stack "Web": its CloudFormation name "shared" is already the name of stack "Api" in the same account and region, and each deploy would replace the other\'s resources. Give one of them another stackName.',
    );
    // A default name taken by an explicit one clashes too; the same name in another region does not.
    expect(() =>
      app.stack(function Queue() {}, { stackName: 'dev-my-app-Jobs' }).stack(function Jobs() {}),
    ).toThrow('Stack "Jobs": its CloudFormation name "dev-my-app-Jobs" is already the name of stack "Queue"');
    expect(() =>
      app.stack(function Replica() {}, { stackName: 'shared', env: { region: 'eu-west-1' } }),
    ).not.toThrow();
  });

  it('refuses an id whose SSM parameters would pass SSM`s 1011 characters (ARN included), naming the longest id that fits', () => {
    const app = ws.app();
    // arn:aws:ssm:us-east-1:123456789012:parameter/sst/my-app/dev/Bucket/{id}/bucketName
    const fixed =
      'arn:aws:ssm:us-east-1:123456789012:parameter'.length + '/sst/my-app/dev/Bucket//bucketName'.length;
    const longest = 1011 - fixed;
    app.stack(function Long({ stack }: StackContext) {
      new Bucket(stack, 'b' + 'x'.repeat(299));
      new Bucket(stack, 'a' + 'x'.repeat(longest - 1));
    });
    expect(() =>
      app.stack(function TooLong({ stack }: StackContext) {
        new Bucket(stack, 'c' + 'x'.repeat(longest));
      }),
    ).toThrow(
      new RegExp(
        `^Bucket "cx{39}…" \\(${longest + 1} characters\\): its SSM parameter /sst/my-app/dev/Bucket/cx+…x+/bucketName would be 1012 characters with its ARN, and SSM allows 1011\\. Use an id of at most ${longest} characters\\.$`,
      ),
    );
    // A secret's value is written by `secrets set`, its fallback under /sst/{app}/.fallback/.
    expect(() =>
      app.stack(function Secrets({ stack }: StackContext) {
        new Secret(stack, 'S' + 'x'.repeat(1000));
      }),
    ).toThrow(
      /^Secret "Sx{39}…" \(1001 characters\): its SSM parameter .* Use an id of at most \d+ characters\.$/,
    );
    expect(() =>
      ws.app({ ssmPrefix: '/' + 'p'.repeat(990) + '/' }).stack(function P({ stack }: StackContext) {
        new Bucket(stack, 'files');
      }),
    ).toThrow(/Shorten the app's ssmPrefix \(992 characters\), then the id\.$/);
  });
});
