import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { App } from './app';
import { Bucket } from './bucket';
import { Cron } from './cron';
import { Function } from './function';
import { Parameter } from './parameter';
import { Secret } from './secret';
import {
  lambdaEnv,
  logicalId,
  roleStatements,
  ssmParameterArn,
  ssmParameters,
  useWorkspace,
} from './test-utils/workspace';

jest.setTimeout(180_000);

describe('Function', () => {
  const ws = useWorkspace();
  let template: Template;
  let app: App;

  beforeAll(() => {
    ({ template, app } = ws.synth(({ app, stack }) => {
      const bucket = new Bucket(stack, 'files');
      const secret = new Secret(stack, 'STRIPE_KEY');
      const version = new Parameter(stack, 'VERSION', { value: '1.2.3' });
      app.addDefaultFunctionBinding([version]);
      const api = new Function(stack, 'api', {
        handler: 'packages/functions/src/lambda.handler',
        bind: [bucket, secret],
        environment: { LOG_LEVEL: 'debug' },
        timeout: 30,
        memorySize: 512,
        url: true,
      });
      const custom = new Function(stack, 'reader', {
        handler: 'packages/functions/src/notes.list',
        bind: [
          {
            resource: bucket,
            permissions: [{ actions: ['s3:GetObject'], resources: [`${bucket.bucketArn}/*`] }],
          },
        ],
        permissions: ['sqs'],
      });
      custom.bind([api]);
    }));
  });

  it('sets the wire-format env vars, the app variables and the user environment', () => {
    expect(lambdaEnv(template, 'api')).toEqual({
      AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
      LOG_LEVEL: 'debug',
      SST_APP: 'my-app',
      SST_STAGE: 'dev',
      SST_SSM_PREFIX: '/sst/my-app/dev/',
      SST_Parameter_value_VERSION: '1.2.3',
      SST_Bucket_bucketName_files: { Ref: logicalId(template, 'AWS::S3::Bucket', 'files') },
      SST_Secret_value_STRIPE_KEY: '__FETCH_FROM_SSM__',
    });
  });

  it('grants the default permissions of each binding, and secrets exactly their two parameters', () => {
    const bucketArn = { 'Fn::GetAtt': [logicalId(template, 'AWS::S3::Bucket', 'files'), 'Arn'] };
    expect(roleStatements(template, 'apiServiceRole')).toEqual([
      {
        Action: 's3:*',
        Effect: 'Allow',
        Resource: [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }],
      },
      {
        Action: 'ssm:GetParameters',
        Effect: 'Allow',
        Resource: [
          ssmParameterArn('/sst/my-app/dev/Secret/STRIPE_KEY/value'),
          ssmParameterArn('/sst/my-app/.fallback/Secret/STRIPE_KEY/value'),
        ],
      },
    ]);
  });

  it('replaces the default permissions with the ones given at the bind site, and binds after creation', () => {
    const bucketArn = { 'Fn::GetAtt': [logicalId(template, 'AWS::S3::Bucket', 'files'), 'Arn'] };
    const apiArn = { 'Fn::GetAtt': [logicalId(template, 'AWS::Lambda::Function', 'api'), 'Arn'] };
    expect(roleStatements(template, 'readerServiceRole')).toEqual([
      { Action: 'sqs:*', Effect: 'Allow', Resource: '*' },
      { Action: 's3:GetObject', Effect: 'Allow', Resource: { 'Fn::Join': ['', [bucketArn, '/*']] } },
      { Action: 'lambda:*', Effect: 'Allow', Resource: apiArn },
    ]);
    expect(lambdaEnv(template, 'reader')).toMatchObject({
      SST_Function_functionName_api: { Ref: logicalId(template, 'AWS::Lambda::Function', 'api') },
    });
  });

  it('has a role that Lambda and the account can assume for 12 hours', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      MaxSessionDuration: 43200,
      AssumeRolePolicyDocument: {
        Statement: [
          { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: {
              AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:root']] },
            },
          },
        ],
      },
    });
  });

  it('uses nodejs22.x, the given timeout, memory and a function URL', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Timeout: 30,
      MemorySize: 512,
      Handler: 'index.handler',
      Environment: { Variables: Match.objectLike({ LOG_LEVEL: 'debug' }) },
    });
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
  });

  it('bundles the handler with esbuild into a code asset', () => {
    const fn =
      template.findResources('AWS::Lambda::Function')[logicalId(template, 'AWS::Lambda::Function', 'api')];
    const key = (fn.Properties.Code.S3Key as string).replace(/\.zip$/, '');
    const bundle = fs.readFileSync(path.join(app.outdir, `asset.${key}`, 'index.mjs'), 'utf8');
    expect(bundle).toContain('statusCode: 200');
    expect(bundle).toMatch(/export\s*\{[^}]*handler/);
  });

  it('creates the functionName parameter and its bind manifest', () => {
    const params = ssmParameters(template);
    expect(params['/sst/my-app/dev/Function/api/functionName']).toEqual({
      Ref: logicalId(template, 'AWS::Lambda::Function', 'api'),
    });
    expect(params['/sst/my-app/dev/_bind/target/api']).toBeDefined();
  });
});

describe('Function bad input', () => {
  const ws = useWorkspace({ each: true });

  const inStack = (build: (stack: import('./stack').Stack) => void) => () =>
    ws.app().stack(function Default({ stack }) {
      build(stack);
    });

  it('refuses a handler file that does not exist, naming the function and the path', () => {
    expect(
      inStack((stack) => new Function(stack, 'api', { handler: 'packages/functions/src/missing.handler' })),
    ).toThrow(
      /^Function "api": handler file "packages\/functions\/src\/missing.ts" does not exist \(looked for .*\)\. Handlers are relative to the workspace root; fix the path or create the file\.$/,
    );
  });

  it('refuses a handler without an export name', () => {
    expect(
      inStack((stack) => new Function(stack, 'api', { handler: 'packages/functions/src/lambda' })),
    ).toThrow('Function "api": handler "packages/functions/src/lambda" must be "path/to/file.exportName"');
  });

  it('refuses binding something that is not bindable', () => {
    expect(
      inStack((stack) => {
        const cron = new Cron(stack, 'nightly', {
          schedule: 'rate(1 day)',
          job: 'packages/functions/src/lambda.handler',
        });
        new Function(stack, 'api', {
          handler: 'packages/functions/src/lambda.handler',
          bind: [cron as never],
        });
      }),
    ).toThrow(
      'Function "api" cannot bind Cron "nightly": it is not a bindable construct. A Cron holds no values',
    );
    expect(
      inStack(
        (stack) =>
          new Function(stack, 'api', {
            handler: 'packages/functions/src/lambda.handler',
            bind: ['files' as never],
          }),
      ),
    ).toThrow(
      'Function "api" cannot bind string "files": it is not a bindable construct. Bindable constructs: Bucket, Table,',
    );
  });

  it('refuses invalid and duplicate ids', () => {
    expect(
      inStack((stack) => new Function(stack, '1api', { handler: 'packages/functions/src/lambda.handler' })),
    ).toThrow(/^Function "1api": invalid id\. Ids start with a letter .* Rename it, e\.g\. "api"\.$/);
    expect(
      inStack((stack) => {
        new Function(stack, 'my-fn', { handler: 'packages/functions/src/lambda.handler' });
        new Function(stack, 'my_fn', { handler: 'packages/functions/src/lambda.handler' });
      }),
    ).toThrow(
      'Function "my_fn" clashes with Function "my-fn": ids are compared with "-" read as "_", so both would be Function.my_fn. Rename one of them.',
    );
    expect(
      inStack((stack) => {
        new Function(stack, 'api', { handler: 'packages/functions/src/lambda.handler' });
        new Function(stack, 'api', { handler: 'packages/functions/src/notes.list' });
      }),
    ).toThrow('Function "api" already exists in app "my-app". Ids are unique per type; rename one of them.');
  });

  it('refuses one id in two stacks, where CDK alone would allow it', () => {
    const first = ({ stack }: { stack: import('./stack').Stack }) => {
      new Function(stack, 'api', { handler: 'packages/functions/src/lambda.handler' });
    };
    expect(() =>
      ws
        .app()
        .stack(first, { id: 'First' })
        .stack(
          ({ stack }) => void new Function(stack, 'api', { handler: 'packages/functions/src/notes.list' }),
          {
            id: 'Second',
          },
        ),
    ).toThrow('Function "api" already exists in app "my-app". Ids are unique per type; rename one of them.');
  });
});
