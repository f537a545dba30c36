import { Bucket } from './bucket';
import { Config } from './config';
import { NextjsSite } from './nextjs-site';
import { lambdaEnv, logicalId, roleStatements, ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('NextjsSite', () => {
  const ws = useWorkspace();

  it('deploys a placeholder server function with the bindings, the environment and an assumable role', () => {
    const { template, app } = ws.synth(({ stack }) => {
      const bucket = new Bucket(stack, 'files');
      const { STRIPE_KEY } = Config.Secret.create(stack, 'STRIPE_KEY');
      new NextjsSite(stack, 'web', {
        path: 'apps/web',
        bind: [bucket, STRIPE_KEY],
        environment: { NEXT_PUBLIC_REGION: 'us-east-1', FLAG: 'on' },
      });
    });
    const bucketId = logicalId(template, 'AWS::S3::Bucket', 'files');
    expect(lambdaEnv(template, 'webServerFunction')).toEqual({
      NEXT_PUBLIC_REGION: 'us-east-1',
      FLAG: 'on',
      SST_APP: 'my-app',
      SST_STAGE: 'dev',
      SST_SSM_PREFIX: '/sst/my-app/dev/',
      SST_Bucket_bucketName_files: { Ref: bucketId },
      SST_Secret_value_STRIPE_KEY: '__FETCH_FROM_SSM__',
    });
    expect(roleStatements(template, 'webServerFunctionServiceRole').map((s) => s.Action)).toEqual([
      's3:*',
      'ssm:GetParameters',
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      MaxSessionDuration: 43200,
      AssumeRolePolicyDocument: {
        Statement: [
          { Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } },
          {
            Action: 'sts:AssumeRole',
            Principal: {
              AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:root']] },
            },
          },
        ],
      },
    });
    const params = ssmParameters(template);
    expect(params['/sst/my-app/dev/NextjsSite/web/url']).toBe('localhost');
    expect(app.bindingModel().targets).toEqual([
      {
        id: 'web',
        kind: 'site',
        project: { name: 'web', root: 'apps/web' },
        bindings: [
          { type: 'Bucket', id: 'files' },
          { type: 'Secret', id: 'STRIPE_KEY' },
        ],
        stack: 'dev-my-app-Default',
      },
    ]);
  });

  it("takes SST v2's permissions, dev.url and the server function escape hatch", () => {
    const { template } = ws.synth(({ stack }) => {
      const site = new NextjsSite(stack, 'web', {
        path: 'apps/web',
        permissions: ['sqs:SendMessage'],
        dev: { url: 'http://localhost:3000' },
        cdk: { id: 'WebSite', server: { memorySize: 2048 } },
      });
      expect(site.url).toBe('http://localhost:3000');
    });
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 2048 });
    expect(roleStatements(template, 'WebSiteServerFunctionServiceRole').map((s) => s.Action)).toContain(
      'sqs:SendMessage',
    );
    expect(ssmParameters(template)['/sst/my-app/dev/NextjsSite/web/url']).toBe('http://localhost:3000');
  });

  it("takes the workspace root when there is no path, as SST v2's default '.'", () => {
    let site!: NextjsSite;
    ws.app().stack(function Default({ stack }) {
      site = new NextjsSite(stack, 'web');
    });
    expect(site.targetPath).toBe(ws.root);
  });

  it("refuses SST v2's server function props, naming the escape hatch, and its deployed-site props", () => {
    const build = (props: object) => () =>
      ws.app().stack(function Default({ stack }) {
        new NextjsSite(stack, 'web', { path: 'apps/web', ...props });
      });
    expect(build({ timeout: 30 })).toThrow(
      'NextjsSite "web": unknown prop "timeout". Set it on the placeholder server function through the escape hatch: cdk: { server: { timeout: cdk.Duration.seconds(30) } }.',
    );
    expect(build({ cdk: { distribution: {} } })).toThrow(
      'NextjsSite "web" cdk: unknown prop "distribution". nx-sst does not deploy sites behind CloudFront yet',
    );
    expect(build({ dev: { deploy: true } })).toThrow(
      'NextjsSite "web" dev: unknown prop "deploy". A NextjsSite is deployed as a placeholder server function on every stage for now',
    );
    expect(build({ warm: 5 })).toThrow(
      'NextjsSite "web": unknown prop "warm". A NextjsSite is deployed as a placeholder server function for now',
    );
    expect(build({ typesPath: '.' })).toThrow(
      'NextjsSite "web": unknown prop "typesPath". nx-sst writes the project\'s sst-env.d.ts itself',
    );
  });

  it('refuses a path that does not exist', () => {
    expect(() =>
      ws.app().stack(function Default({ stack }) {
        new NextjsSite(stack, 'web', { path: 'apps/missing' });
      }),
    ).toThrow(
      /^NextjsSite "web": path "apps\/missing" does not exist \(resolved to .*\)\. Site paths are relative to the workspace root; fix the path or create the project\.$/,
    );
  });
});
