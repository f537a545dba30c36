import { runCli } from '../test-utils/cli';
import { deployedSampleWorkspace } from '../test-utils/local-stage';
import { likeLambdaEnv } from './bind';

jest.setTimeout(900_000);

/** Reads the secret at module scope, then after load(); prints what happened, never the value. */
const probe = (importLine: string) => `${importLine}
let early;
try { early = Config.STRIPE_KEY === 'sk_like' ? 'read' : 'wrong value'; } catch (e) { early = e.name; }
const raw = process.env.SST_Secret_value_STRIPE_KEY;
load().then(() => console.log(JSON.stringify({
  early,
  late: Config.STRIPE_KEY === 'sk_like',
  raw: raw === 'sk_like' ? 'the value' : raw,
  version: process.env.SST_Parameter_value_VERSION,
})));
`;

describe('bind --like-lambda on the local cloud', () => {
  const root = deployedSampleWorkspace({
    stripeKey: 'sk_like',
    extraFiles: {
      'apps/api/probe.cjs': probe("const { Config, load } = require('@nx-sst/runtime/config');"),
      'apps/api/probe.mjs': probe("import { Config, load } from '@nx-sst/runtime/config';"),
    },
  });

  const run = async (file: string, flags: string[]) => {
    const out = await runCli(root, ['bind', '--target', 'api', ...flags, '--', 'node', `apps/api/${file}`]);
    expect({ code: out.code, stderr: out.code ? out.stderr : '' }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(out.stdout);
  };

  it('leaves a secret a placeholder, so a module-scope read fails as in Lambda and load() fetches it with the role', async () => {
    for (const file of ['probe.cjs', 'probe.mjs']) {
      expect(await run(file, ['--like-lambda'])).toEqual({
        early: 'NotLoadedError',
        late: true,
        raw: '__FETCH_FROM_SSM__',
        version: '1.0.0',
      });
    }
  });

  it('without it, gives the value itself: a module-scope read works locally', async () => {
    expect(await run('probe.cjs', [])).toEqual({
      early: 'read',
      late: true,
      raw: 'the value',
      version: '1.0.0',
    });
    // Node's own ESM entry of the runtime loads the values at import, with or without bind.
    expect(await run('probe.mjs', [])).toMatchObject({ early: 'read', late: true });
  });
});

describe('likeLambdaEnv', () => {
  it("puts the deployed target's placeholders back, drops a secret read only by reference, and adds the runtime's resolve hook once", () => {
    const env = likeLambdaEnv(
      {
        PATH: '/bin',
        NODE_OPTIONS: '--max-old-space-size=512',
        SST_APP: 'shop',
        SST_Secret_value_STRIPE_KEY: 'sk_1',
        SST_Secret_value_OTHER: 'sk_2',
        SST_Bucket_bucketName_public: 'bucket-1',
        SST_Parameter_value_REF: 'sk_2',
      },
      {
        env: {
          SST_Secret_value_STRIPE_KEY: 'sk_1',
          SST_Secret_value_OTHER: 'sk_2',
          SST_Bucket_bucketName_public: 'bucket-1',
          SST_Parameter_value_REF: 'sk_2',
        },
        secrets: ['sk_1', 'sk_2'],
        lambdaEnv: {
          SST_Secret_value_STRIPE_KEY: '__FETCH_FROM_SSM__',
          SST_Bucket_bucketName_public: 'bucket-1',
          SST_Parameter_value_REF: '__FETCH_FROM_SECRET__:OTHER',
        },
      },
    );
    expect(env.NODE_OPTIONS).toMatch(/^--max-old-space-size=512 --import="data:text\/javascript,[^" ]+"$/);
    expect(env).toEqual({
      PATH: '/bin',
      NODE_OPTIONS: env.NODE_OPTIONS,
      SST_APP: 'shop',
      SST_Secret_value_STRIPE_KEY: '__FETCH_FROM_SSM__',
      SST_Bucket_bucketName_public: 'bucket-1',
      SST_Parameter_value_REF: '__FETCH_FROM_SECRET__:OTHER',
    });
    expect(likeLambdaEnv(env, { env: {}, secrets: [] }).NODE_OPTIONS).toBe(env.NODE_OPTIONS);
  });
});
