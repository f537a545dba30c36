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
