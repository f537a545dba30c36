import { Bucket } from './bucket';
import { Config } from './config';
import { Function } from './function';
import { lambdaEnv, logicalId, roleStatements, ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('Config.Parameter', () => {
  const ws = useWorkspace();

  it('binds its value as a plain value with no permissions, and creates its parameter', () => {
    const { template } = ws.synth(({ stack }) => {
      const bucket = new Bucket(stack, 'files');
      const params = Config.Parameter.create(stack, { VERSION: '1.2.3', FILES: bucket.bucketName });
      new Function(stack, 'fn', {
        handler: 'packages/functions/src/lambda.handler',
        bind: [params.VERSION, params.FILES],
      });
    });
    const bucketRef = { Ref: logicalId(template, 'AWS::S3::Bucket', 'files') };
    expect(lambdaEnv(template, 'fn')).toMatchObject({
      SST_Parameter_value_VERSION: '1.2.3',
      SST_Parameter_value_FILES: bucketRef,
    });
    expect(roleStatements(template, 'fnServiceRole')).toEqual([]);
    expect(ssmParameters(template)).toMatchObject({
      '/sst/my-app/dev/Parameter/VERSION/value': '1.2.3',
      '/sst/my-app/dev/Parameter/FILES/value': bucketRef,
    });
  });

  it('keeps a value over 4 KB on the Advanced tier, and refuses one over 8 KB naming it', () => {
    const { template } = ws.synth(({ stack }) => {
      Config.Parameter.create(stack, { SMALL: 'x'.repeat(4096), LARGE: 'x'.repeat(5000) });
    });
    const tiers = Object.fromEntries(
      Object.values(template.findResources('AWS::SSM::Parameter')).map((p) => [
        p.Properties.Name,
        p.Properties.Tier,
      ]),
    );
    expect(tiers).toEqual({
      '/sst/my-app/dev/Parameter/SMALL/value': undefined,
      '/sst/my-app/dev/Parameter/LARGE/value': 'Advanced',
    });
    expect(() =>
      ws.app().stack(function Default({ stack }) {
        new Config.Parameter(stack, 'HUGE', { value: 'x'.repeat(8193) });
      }),
    ).toThrow(
      'Parameter "HUGE": its value is 8193 bytes, more than the 8192 an SSM parameter holds. Keep a large value elsewhere (an object in a Bucket) and bind that.',
    );
  });

  it('refuses a value that is not a string and props it does not have', () => {
    const build = (props: object) => () =>
      ws.app().stack(function Default({ stack }) {
        new Config.Parameter(stack, 'VERSION', props as never);
      });
    expect(build({ value: 3 })).toThrow(
      'Parameter "VERSION": needs a string value, e.g. new Config.Parameter(stack, "VERSION", { value: "..." }).',
    );
    expect(build({ value: '1', description: 'x' })).toThrow(
      'Parameter "VERSION": unknown prop "description". Its props are: value.',
    );
  });
});
