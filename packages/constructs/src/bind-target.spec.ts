import { Bucket } from './bucket';
import { Config } from './config';
import { Function } from './function';
import { COMPACT_BINDINGS_VAR } from './bind-target';
import { joinedText, lambdaEnv, roleStatements, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('Lambda 4 KB environment limit', () => {
  const ws = useWorkspace();

  it('keeps one variable per value while the environment fits', () => {
    const { template } = ws.synth(({ stack }) => {
      const buckets = Array.from({ length: 5 }, (_, i) => new Bucket(stack, `bucket${i}`));
      new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: buckets });
    });
    const env = lambdaEnv(template, 'fn');
    expect(env[COMPACT_BINDINGS_VAR]).toBeUndefined();
    expect(Object.keys(env).filter((k) => k.startsWith('SST_Bucket_'))).toHaveLength(5);
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/sst/my-app/dev/_bind/target/fn',
      Tier: 'Standard',
    });
  });

  it('switches a target whose bindings would exceed 4 KB to SST_BINDINGS, which the runtime reads', () => {
    const { template } = ws.synth(({ stack }) => {
      const flags = Array.from(
        { length: 90 },
        (_, i) => new Config.Parameter(stack, `FEATURE_FLAG_${i}`, { value: 'on' }),
      );
      const bucket = new Bucket(stack, 'files');
      const secrets = Config.Secret.create(stack, 'STRIPE_KEY');
      new Function(stack, 'fn', {
        handler: 'packages/functions/src/lambda.handler',
        bind: [...flags, bucket, secrets.STRIPE_KEY],
      });
    });
    const env = lambdaEnv(template, 'fn');
    expect(Object.keys(env).sort()).toEqual([
      'AWS_NODEJS_CONNECTION_REUSE_ENABLED',
      'SST_APP',
      'SST_BINDINGS',
      'SST_SSM_PREFIX',
      'SST_STAGE',
    ]);
    const compact = JSON.parse(joinedText(env[COMPACT_BINDINGS_VAR]));
    expect(Object.keys(compact.Parameter)).toHaveLength(90);
    expect(compact.Parameter.FEATURE_FLAG_7).toEqual({ value: 'on' });
    expect(compact.Bucket).toEqual({ files: { bucketName: '<deploy-time>' } });
    expect(compact.Secret).toEqual({ STRIPE_KEY: { value: '__FETCH_FROM_SSM__' } });
    // the manifest holds that JSON inside JSON: above SSM's 4 KB standard tier
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/sst/my-app/dev/_bind/target/fn',
      Tier: 'Advanced',
    });
  });

  it('measures the environment as Lambda does, one JSON object: variables that fit only as bare keys and values go to SST_BINDINGS', () => {
    const { template } = ws.synth(({ stack }) => {
      // 100 variables of ~37 bytes: 3.8 KB of keys and values, 4.4 KB with the quotes, colons and commas
      const flags = Array.from(
        { length: 100 },
        (_, i) => new Config.Parameter(stack, `FEATURE_FLAG_${i}`, { value: 'on' }),
      );
      new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: flags });
    });
    const env = lambdaEnv(template, 'fn');
    expect(Object.keys(env)).toContain(COMPACT_BINDINGS_VAR);
    const measured = JSON.stringify(
      Object.fromEntries(Object.entries(env).map(([key, value]) => [key, joinedText(value, () => '')])),
    );
    expect(Buffer.byteLength(measured)).toBeLessThanOrEqual(4096);
  });

  it('reads plain values from their parameters when even the compact form would not fit', () => {
    const { template } = ws.synth(({ stack }) => {
      const buckets = Array.from({ length: 40 }, (_, i) => new Bucket(stack, `b${i}`));
      const flag = new Config.Parameter(stack, 'FLAG', { value: 'on' });
      new Function(stack, 'fn', {
        handler: 'packages/functions/src/lambda.handler',
        bind: [...buckets, flag],
      });
    });
    const compact = JSON.parse(joinedText(lambdaEnv(template, 'fn')[COMPACT_BINDINGS_VAR]));
    expect(compact.Bucket.b0).toEqual({ bucketName: '__FETCH_FROM_SSM__' });
    // a value shorter than the placeholder stays inline, and needs no read access
    expect(compact.Parameter.FLAG).toEqual({ value: 'on' });
    const statements = roleStatements(template, 'fnServiceRole');
    const ssm = statements.find((s) => s.Action === 'ssm:GetParameters');
    expect(ssm?.Resource).toHaveLength(40);
    expect(JSON.stringify(ssm?.Resource)).toContain(':parameter/sst/my-app/dev/Bucket/b0/bucketName');
  });
});
