import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
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

describe("Function: SST v2's props", () => {
  const ws = useWorkspace();
  let template: Template;
  let app: App;

  beforeAll(() => {
    fs.writeFileSync(path.join(ws.root, 'packages/functions/src/template.html'), '<p>hi</p>\n');
    ({ template, app } = ws.synth(({ stack }) => {
      const bucket = new Bucket(stack, 'files');
      const table = new dynamodb.Table(stack, 'Plain', {
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      });
      const queue = new sqs.Queue(stack, 'Dlq');
      new Function(stack, 'v2', {
        handler: 'packages/functions/src/lambda.handler',
        timeout: '2 minutes',
        memorySize: '2 GB',
        diskSize: '1 GB',
        functionName: ({ stack }) => `${stack.stackName}-v2`,
        tracing: 'active',
        logRetention: 'one_week',
        layers: ['arn:aws:lambda:us-east-1:123456789012:layer:shared:3'],
        copyFiles: [{ from: 'packages/functions/src/template.html', to: 'templates/page.html' }],
        disableCloudWatchLogs: true,
        enableLiveDev: false,
        url: {
          cors: { allowOrigins: ['https://example.com'], allowMethods: ['GET'], maxAge: '1 day' },
          streaming: true,
        },
        permissions: [bucket, 's3:GetObject', [table, 'grantReadData'], table],
        reservedConcurrentExecutions: 3,
        retryAttempts: 1,
        deadLetterQueue: queue,
        nodejs: { banner: '// v2 banner', esbuild: { define: { 'process.env.BUILT': '"yes"' } } },
      });
      new Function(stack, 'signed', {
        handler: 'packages/functions/src/notes.get',
        architecture: 'arm_64',
        description: 'signed requests only',
        url: { authorizer: 'iam', cors: false },
      });
      new Function(stack, 'everything', {
        handler: 'packages/functions/src/notes.list',
        permissions: '*',
        url: true,
      });
    }));
  });

  const fnProps = (prefix: string) =>
    template.findResources('AWS::Lambda::Function')[logicalId(template, 'AWS::Lambda::Function', prefix)]
      .Properties;

  it('reads durations and sizes as SST v2 writes them, and passes lambda.Function options through', () => {
    expect(fnProps('v2')).toMatchObject({
      Timeout: 120,
      MemorySize: 2048,
      EphemeralStorage: { Size: 1024 },
      FunctionName: 'dev-my-app-Default-v2',
      TracingConfig: { Mode: 'Active' },
      Layers: ['arn:aws:lambda:us-east-1:123456789012:layer:shared:3'],
      ReservedConcurrentExecutions: 3,
      DeadLetterConfig: {
        TargetArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::SQS::Queue', 'Dlq'), 'Arn'] },
      },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 1 });
    expect(fnProps('signed')).toMatchObject({
      Architectures: ['arm64'],
      Description: 'signed requests only',
    });
    template.hasResourceProperties('AWS::Lambda::Url', {
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::Lambda::Function', 'signed'), 'Arn'] },
      AuthType: 'AWS_IAM',
      Cors: Match.absent(),
    });
    template.hasResourceProperties('Custom::LogRetention', { RetentionInDays: 7 });
  });

  it("grants SST v2's permission forms: a construct, an action, a grant method, a CDK table, and *", () => {
    const statements = roleStatements(template, 'v2ServiceRole');
    const actions = statements.map((s) => s.Action);
    expect(actions).toContainEqual('s3:*');
    expect(actions).toContainEqual('s3:GetObject');
    expect(actions).toContainEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    expect(actions).toContainEqual('dynamodb:*');
    expect(statements).toContainEqual({
      Effect: 'Deny',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: '*',
    });
    expect(roleStatements(template, 'everythingServiceRole')).toContainEqual({
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
    });
  });

  it("gives the URL SST v2's CORS: every origin by default, v2's own form, streaming", () => {
    template.hasResourceProperties('AWS::Lambda::Url', {
      TargetFunctionArn: {
        'Fn::GetAtt': [logicalId(template, 'AWS::Lambda::Function', 'everything'), 'Arn'],
      },
      Cors: { AllowHeaders: ['*'], AllowMethods: ['*'], AllowOrigins: ['*'] },
      InvokeMode: Match.absent(),
    });
    template.hasResourceProperties('AWS::Lambda::Url', {
      TargetFunctionArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::Lambda::Function', 'v2'), 'Arn'] },
      Cors: {
        AllowHeaders: ['*'],
        AllowMethods: ['GET'],
        AllowOrigins: ['https://example.com'],
        MaxAge: 86400,
      },
      InvokeMode: 'RESPONSE_STREAM',
    });
  });

  it('bundles with the banner and esbuild options, and copies copyFiles into the bundle', () => {
    const key = (fnProps('v2').Code.S3Key as string).replace(/\.zip$/, '');
    const dir = path.join(app.outdir, `asset.${key}`);
    expect(fs.readFileSync(path.join(dir, 'index.mjs'), 'utf8')).toContain('// v2 banner');
    expect(fs.readFileSync(path.join(dir, 'templates/page.html'), 'utf8')).toBe('<p>hi</p>\n');
  });
});

describe("Function: SST v2's props it refuses", () => {
  const ws = useWorkspace();
  const build =
    (props: object, id = 'api') =>
    () =>
      ws.app().stack(function Default({ stack }) {
        new Function(stack, id, { handler: 'packages/functions/src/lambda.handler', ...props } as never);
      });

  it('names the prop and what to do instead, never a TypeError', () => {
    expect(build({ python: { installCommands: [] } })).toThrow(
      'Function "api": unknown prop "python". nx-sst bundles Node.js handlers only: for another runtime, create a lambda.Function of aws-cdk-lib',
    );
    expect(build({ runtime: 'python3.12' })).toThrow(
      'Function "api": runtime "python3.12" is not supported; use "nodejs20.x", "nodejs22.x" or "nodejs24.x". nx-sst bundles Node.js handlers only',
    );
    expect(build({ prefetchSecrets: true })).toThrow(
      'Function "api": unknown prop "prefetchSecrets". Load the values before the first read instead: `import { load } from "@nx-sst/runtime"; await load();`',
    );
    expect(build({ hooks: { beforeBuild: () => {} } })).toThrow(
      'Function "api": unknown prop "hooks". nx-sst runs no build hooks',
    );
    expect(build({ cdk: { url: {} } })).toThrow(
      'Function "api" cdk: unknown prop "url". Its props are: id, function.',
    );
    expect(build({ handlr: 'x' })).toThrow(
      'Function "api": unknown prop "handlr". Its props are: handler, bind,',
    );
    expect(build({ nodejs: { install: ['sharp'] } })).toThrow(
      'Function "api": unknown prop "nodejs.install". nx-sst installs no packages into the bundle.',
    );
    expect(build({ nodejs: { esbuild: { plugins: [] } } })).toThrow(
      'Function "api": nodejs.esbuild.plugins is not available: functions are bundled during synthesis with esbuild\'s synchronous API',
    );
    expect(build({ timeout: '30 secs' })).toThrow(
      'Function "api": timeout: "30 secs" is not a duration. Use a number of seconds, "30 seconds", "5 minutes", "1 hour", "2 days", or cdk.Duration.',
    );
    expect(build({ memorySize: '1.5 GB' })).toThrow('Function "api": memorySize: "1.5 GB" is not a size.');
    expect(build({ tracing: 'on' })).toThrow(
      'Function "api": tracing "on" is not one of "active", "pass_through", "disabled".',
    );
    expect(build({ permissions: 's3' })).toThrow('Function "api": permissions must be "*" or a list');
    expect(build({ permissions: ['s3:Get Object'] })).toThrow(
      'Function "api": permission "s3:Get Object" is neither a service ("s3"), an action ("s3:GetObject") nor "*"',
    );
    expect(build({ copyFiles: [{ from: 'missing.txt' }] })).toThrow(
      'Function "api": copyFiles "missing.txt" does not exist',
    );
  });

  it('refuses defaults for an existing Function, a CDK lambda.Function and { function } where a function is expected', () => {
    expect(() =>
      ws.app().stack(function Default({ stack }) {
        const existing = new Function(stack, 'existing', {
          handler: 'packages/functions/src/lambda.handler',
        });
        Function.fromDefinition(stack, 'route', existing, { timeout: 5 });
      }),
    ).toThrow(
      'Function "route": defaults.function (timeout) cannot apply to the existing Function "existing". Give this one as a handler or Function props, or set those props on "existing" itself.',
    );
    expect(() =>
      ws.app().stack(function Default({ stack }) {
        const plain = new lambda.Function(stack, 'Plain', {
          code: lambda.Code.fromInline('x'),
          handler: 'index.handler',
          runtime: lambda.Runtime.NODEJS_22_X,
        });
        Function.fromDefinition(stack, 'route', plain as never);
      }),
    ).toThrow('Function "route": got a lambda.Function of aws-cdk-lib; use a Function of @nx-sst/constructs');
    expect(() =>
      ws.app().stack(function Default({ stack }) {
        Function.fromDefinition(stack, 'route', {
          function: 'packages/functions/src/lambda.handler',
        } as never);
      }),
    ).toThrow(
      'Function "route": got { function: … } where a handler string, Function props or a Function is expected.',
    );
  });
});

describe('Function: a handler esbuild cannot bundle', () => {
  const ws = useWorkspace();

  it('names the file, line and module, and how to install it or leave it out of the bundle', () => {
    fs.writeFileSync(
      path.join(ws.root, 'packages/functions/src/broken.ts'),
      'import Stripe from "stripe-nowhere/lib";\nimport AWS from "aws-sdk";\nimport { x } from "./missing";\n' +
        'export const handler = async () => [Stripe, AWS, x];\n',
    );
    let message = '';
    try {
      ws.synth(({ stack }) => {
        new Function(stack, 'api', { handler: 'packages/functions/src/broken.handler' });
      });
    } catch (e) {
      message = (e as Error).message;
    }
    const file = path.join(ws.root, 'packages/functions/src/broken.ts');
    expect(message).toContain(`bundling ${file} with esbuild failed:`);
    expect(message).toContain(`\n  ${file}:1:20: Could not resolve "stripe-nowhere/lib"`);
    expect(message).toContain(`\n  ${file}:3:19: Could not resolve "./missing"`);
    expect(message).toContain(
      '"stripe-nowhere" is not installed where the handler can import it: install it (npm install stripe-nowhere), ' +
        'or, if a Lambda layer provides it, leave it out of the bundle with nodejs: { esbuild: { external: ["stripe-nowhere"] } }.',
    );
    expect(message).toContain('runtimes do not provide aws-sdk (v2): use the @aws-sdk/* v3 clients');
    expect(message).toContain('"./missing" is a path with no file behind it: check the import.');
  });
});
