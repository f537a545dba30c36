import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startTestCloud, type LocalCloud } from '@nx-sst/local-cloud';
import { localBindAws, type BindAws } from './ssm-reader';
import {
  expandCompactBindings,
  FETCH_FROM_SECRET,
  FETCH_FROM_SSM,
  parseBindingEnvName,
  planValues,
  readFirstRound,
  resolveValues,
} from './values';

jest.setTimeout(120_000);

describe('bind values', () => {
  it('parses SST_{Type}_{prop}_{id} with underscores in the id', () => {
    expect(parseBindingEnvName('SST_Bucket_bucketName_my_files')).toEqual({
      type: 'Bucket',
      prop: 'bucketName',
      id: 'my_files',
    });
    expect(parseBindingEnvName('SST_APP')).toBeUndefined();
  });

  it('expands the compact SST_BINDINGS form into one variable per value', () => {
    const env = {
      SST_APP: 'shop',
      SST_BINDINGS: JSON.stringify({
        Bucket: { public: { bucketName: 'shop-public' } },
        Secret: { STRIPE_KEY: { value: '__FETCH_FROM_SSM__' } },
      }),
    };
    expect(expandCompactBindings(env)).toEqual({
      SST_APP: 'shop',
      SST_Bucket_bucketName_public: 'shop-public',
      SST_Secret_value_STRIPE_KEY: '__FETCH_FROM_SSM__',
    });
    expect(expandCompactBindings({ SST_APP: 'x' })).toEqual({ SST_APP: 'x' });
  });

  it("reads the secrets' fallbacks in the first round only when they need no call of their own", async () => {
    const secrets = (n: number) =>
      Object.fromEntries(Array.from({ length: n }, (_, i) => [`SST_Secret_value_S${i}`, FETCH_FROM_SSM]));
    const plan = (env: Record<string, string>) =>
      planValues({ app: 'shop', ssmPrefix: '/sst/shop/dev/', env });
    /** The names of each GetParameters of a first round that finds nothing. */
    const firstRound = async (env: Record<string, string>, first: string[] = []) => {
      const calls: string[][] = [];
      const aws = { getParameters: async (names: string[]) => (calls.push(names), []) } as unknown as BindAws;
      await readFirstRound(aws, first, plan(env));
      return calls;
    };
    // The manifest and 2 secrets: 3 names, room for their 2 fallbacks in the same call.
    expect(await firstRound(secrets(2), ['/sst/shop/dev/_bind/target/api'])).toEqual([
      [
        '/sst/shop/dev/_bind/target/api',
        '/sst/shop/dev/Secret/S0/value',
        '/sst/shop/dev/Secret/S1/value',
        '/sst/shop/.fallback/Secret/S0/value',
        '/sst/shop/.fallback/Secret/S1/value',
      ],
    ]);
    // 6 secrets: their fallbacks would make a second call, which only a missing secret is worth —
    // and the first round leaves that to the manifest just read.
    expect((await firstRound(secrets(6))).map((c) => c.length)).toEqual([6]);
    expect((await firstRound(secrets(5))).map((c) => c.length)).toEqual([10]);
  });
});

describe('resolving values against the local cloud', () => {
  let cloud: LocalCloud;
  let aws: BindAws;
  const calls: string[] = [];

  beforeAll(async () => {
    cloud = await startTestCloud();
    const ssm = new SSMClient(cloud.clientConfig);
    const put = (Name: string, Value: string, secure = false) =>
      ssm.send(new PutParameterCommand({ Name, Value, Type: secure ? 'SecureString' : 'String' }));
    await put('/sst/shop/dev/Bucket/public/bucketName', 'shop-dev-public');
    await put('/sst/shop/dev/Secret/STRIPE_KEY/value', 'sk_stage', true);
    await put('/sst/shop/.fallback/Secret/STRIPE_KEY/value', 'sk_fallback', true);
    await put('/sst/shop/.fallback/Secret/SHARED/value', 'shared_fallback', true);
    ssm.destroy();
    // The real reader, counted: which calls reach the cloud.
    const real = localBindAws({ local: true, ...cloud, clientConfig: cloud.clientConfig });
    aws = {
      ...real,
      getParameters: (names) => (calls.push(`GetParameters ${names.length}`), real.getParameters(names)),
    };
  });
  afterAll(async () => {
    aws?.close();
    await cloud?.stop();
  });
  beforeEach(() => (calls.length = 0));

  const putSecure = async (Name: string, Value: string) => {
    const ssm = new SSMClient(cloud.clientConfig);
    try {
      await ssm.send(new PutParameterCommand({ Name, Value, Type: 'SecureString' }));
    } finally {
      ssm.destroy();
    }
  };
  const resolve = (env: Record<string, string>) =>
    resolveValues({ aws, app: 'shop', stage: 'dev', ssmPrefix: '/sst/shop/dev/', env });

  const env = {
    SST_APP: 'shop',
    SST_Bucket_bucketName_public: FETCH_FROM_SSM,
    SST_Secret_value_STRIPE_KEY: FETCH_FROM_SSM,
    SST_Secret_value_SHARED: FETCH_FROM_SSM,
    DATABASE_PASSWORD: `${FETCH_FROM_SECRET}SHARED`,
  };

  it('gets values and secrets, a stage secret before its fallback, in one call', async () => {
    const values = await resolveValues({ aws, app: 'shop', stage: 'dev', ssmPrefix: '/sst/shop/dev/', env });
    expect(values.env).toEqual({
      SST_APP: 'shop',
      SST_Bucket_bucketName_public: 'shop-dev-public',
      SST_Secret_value_STRIPE_KEY: 'sk_stage',
      SST_Secret_value_SHARED: 'shared_fallback',
      DATABASE_PASSWORD: 'shared_fallback',
    });
    expect(values.secrets.sort()).toEqual(['shared_fallback', 'sk_stage']);
    expect(calls).toEqual(['GetParameters 5']);
  });

  it('asks only for what an earlier read (the first round of bind) lacks', async () => {
    const plan = planValues({ app: 'shop', ssmPrefix: '/sst/shop/dev/', env: { SST_APP: 'shop' } });
    const read = await readFirstRound(aws, ['/sst/shop/dev/Bucket/public/bucketName'], plan);
    calls.length = 0;
    // The manifest turned out to want more than the old copy named: the rest in one more call.
    const values = await resolveValues({
      aws,
      app: 'shop',
      stage: 'dev',
      ssmPrefix: '/sst/shop/dev/',
      env,
      read,
    });
    expect(values.env.SST_Bucket_bucketName_public).toBe('shop-dev-public');
    expect(values.env.DATABASE_PASSWORD).toBe('shared_fallback');
    expect(calls).toEqual(['GetParameters 4']);
    calls.length = 0;
    await resolveValues({ aws, app: 'shop', stage: 'dev', ssmPrefix: '/sst/shop/dev/', env, read });
    expect(calls).toEqual([]);
  });

  it("keeps an Auth's key pair out of output as secrets; its prefix is a plain value", async () => {
    for (const prop of ['publicKey', 'privateKey'])
      await putSecure(`/sst/shop/dev/Auth/auth/${prop}`, `pem-${prop}`);
    const values = await resolve({
      SST_APP: 'shop',
      SST_Auth_publicKey_auth: FETCH_FROM_SSM,
      SST_Auth_privateKey_auth: FETCH_FROM_SSM,
      SST_Auth_prefix_auth: '/auth',
    });
    expect(values.env).toMatchObject({
      SST_Auth_publicKey_auth: 'pem-publicKey',
      SST_Auth_prefix_auth: '/auth',
    });
    expect(values.secrets.sort()).toEqual(['pem-privateKey', 'pem-publicKey']);
    expect(Object.keys(values.secretVersions ?? {}).sort()).toEqual([
      'SST_Auth_privateKey_auth',
      'SST_Auth_publicKey_auth',
    ]);
  });

  it('names every missing secret at once, after looking in the fallback', async () => {
    const missing = { ...env, SST_Secret_value_A: FETCH_FROM_SSM, SST_Secret_value_B: FETCH_FROM_SSM };
    await expect(
      resolveValues({ aws, app: 'shop', stage: 'dev', ssmPrefix: '/sst/shop/dev/', env: missing }),
    ).rejects.toThrow('These secrets are not set for the stage "dev": A, B.');
  });

  it('reads a reference to a secret whose id has a dash where the runtime does (ids normalized)', async () => {
    await putSecure('/sst/shop/dev/Secret/my_key/value', 'mk');
    const values = await resolve({ AUTH_KEY: `${FETCH_FROM_SECRET}my-key` });
    expect(values.env).toEqual({ AUTH_KEY: 'mk' });
    expect(values.secrets).toEqual(['mk']);
  });

  it('a malformed SST_BINDINGS names the variable and the bad spot instead of a raw JSON error', async () => {
    await expect(
      resolveValues({
        aws,
        app: 'shop',
        stage: 'dev',
        ssmPrefix: '/sst/shop/dev/',
        env: { SST_BINDINGS: '{"Bucket":[]}' },
      }),
    ).rejects.toThrow(/SST_BINDINGS must be a JSON object .*; Bucket is not/);
  });
});
