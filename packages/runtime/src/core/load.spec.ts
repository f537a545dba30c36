import {
  DeleteParameterCommand,
  PutParameterCommand,
  SSMClient,
  type GetParametersCommandInput,
} from '@aws-sdk/client-ssm';
import { startTestCloud, type LocalCloud } from '@nx-sst/local-cloud';
import { Config } from '../config';
import { MissingSecretsError, configure, load, refresh } from '../index';
import { ApiHandler } from '../api-handler';
import { NextjsSite } from '../site';
import { useEnv } from './test-env';

// The SDK's notice about future Node versions is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
jest.setTimeout(120_000);

const setEnv = useEnv();
let cloud: LocalCloud;
let admin: SSMClient;
let saved: NodeJS.ProcessEnv;
// Read by name: the ids are made up per test.
const config = Config as unknown as Record<string, string>;
const sites = NextjsSite as unknown as Record<string, { url: string }>;

/** A real SDK client, pointed at the local cloud through the environment, that counts what it sends. */
function countingClient() {
  const client = new SSMClient({ maxAttempts: 1 });
  const counter = { calls: 0, inFlight: 0, maxInFlight: 0, names: [] as string[][] };
  configure({
    ssmClient: {
      async send(command: { input: GetParametersCommandInput }) {
        counter.calls++;
        counter.names.push(command.input.Names ?? []);
        counter.maxInFlight = Math.max(counter.maxInFlight, ++counter.inFlight);
        try {
          return await client.send(command as never);
        } finally {
          counter.inFlight--;
        }
      },
    },
  });
  return counter;
}

async function put(name: string, value: string, type: 'String' | 'SecureString' = 'SecureString') {
  await admin.send(new PutParameterCommand({ Name: name, Value: value, Type: type, Overwrite: true }));
}

const stage = (app: string, extra: Record<string, string> = {}) => ({
  ...cloud.env,
  SST_APP: app,
  SST_STAGE: 'dev',
  SST_SSM_PREFIX: `/sst/${app}/dev/`,
  ...extra,
});

beforeAll(async () => {
  saved = { ...process.env };
  cloud = await startTestCloud();
  admin = new SSMClient(cloud.clientConfig);
});

afterAll(async () => {
  configure({ ssmClient: undefined, retry: undefined });
  await cloud?.stop();
  process.env = saved;
});

beforeEach(() => configure({ ssmClient: undefined, retry: undefined }));

describe('load() against the local cloud', () => {
  it('resolves secrets and site URLs with the default client, in one call', async () => {
    await put('/sst/basic/dev/Secret/STRIPE_KEY/value', 'sk_test_1');
    await put('/sst/basic/dev/NextjsSite/web/url', 'https://web.example.com', 'String');
    setEnv(
      stage('basic', {
        SST_Secret_value_STRIPE_KEY: '__FETCH_FROM_SSM__',
        SST_NextjsSite_url_web: '__FETCH_FROM_SSM__',
        SST_Parameter_value_VERSION: '7',
      }),
    );
    await load();
    expect(config.STRIPE_KEY).toBe('sk_test_1');
    expect(sites.web.url).toBe('https://web.example.com');
    expect(JSON.stringify(Config)).toBe(
      '{"APP":"basic","STAGE":"dev","VERSION":"7","STRIPE_KEY":"[secret]"}',
    );
  });

  it('reads a Secret missing for the stage from the fallback path, and prefers the stage', async () => {
    await put('/sst/fb/.fallback/Secret/ONLY_FALLBACK/value', 'from-fallback');
    await put('/sst/fb/.fallback/Secret/BOTH/value', 'fallback-loses');
    await put('/custom/prefix/Secret/BOTH/value', 'stage-wins');
    setEnv(
      stage('fb', {
        SST_SSM_PREFIX: '/custom/prefix/',
        SST_Secret_value_ONLY_FALLBACK: '__FETCH_FROM_SSM__',
        SST_Secret_value_BOTH: '__FETCH_FROM_SSM__',
      }),
    );
    const counter = countingClient();
    await load();
    expect(config.ONLY_FALLBACK).toBe('from-fallback');
    expect(config.BOTH).toBe('stage-wins');
    // The fallbacks ride along in the call made anyway (room for 10 names): one round trip, as bind does.
    expect(counter.names).toEqual([
      [
        '/custom/prefix/Secret/ONLY_FALLBACK/value',
        '/custom/prefix/Secret/BOTH/value',
        '/sst/fb/.fallback/Secret/ONLY_FALLBACK/value',
        '/sst/fb/.fallback/Secret/BOTH/value',
      ],
    ]);
  });

  it('fetches 27 secrets in 3 calls of at most 10 names, all at once', async () => {
    await cloud.setFaults({ latencyMs: { ssm: 50 } });
    const vars: Record<string, string> = {};
    for (let i = 0; i < 27; i++) {
      await put(`/sst/many/dev/Secret/S${i}/value`, `value-${i}`);
      vars[`SST_Secret_value_S${i}`] = '__FETCH_FROM_SSM__';
    }
    setEnv(stage('many', vars));
    const counter = countingClient();
    await load();
    await cloud.clearFaults();
    expect(counter.calls).toBe(3);
    expect(counter.names.map((names) => names.length).sort()).toEqual([10, 10, 7]);
    expect(counter.maxInFlight).toBe(3);
    for (let i = 0; i < 27; i++) expect(config[`S${i}`]).toBe(`value-${i}`);
  });

  it('lists every missing secret and the stage in one error, keeping the ones it found', async () => {
    await put('/sst/missing/dev/Secret/PRESENT/value', 'here');
    setEnv(
      stage('missing', {
        SST_Secret_value_PRESENT: '__FETCH_FROM_SSM__',
        SST_Secret_value_ZETA: '__FETCH_FROM_SSM__',
        SST_Secret_value_ALPHA: '__FETCH_FROM_SSM__',
      }),
    );
    const error = await load().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingSecretsError);
    expect((error as MissingSecretsError).message).toMatch(
      /^The following secret values are not set in the "dev stage": ALPHA, ZETA\. Set them with "nx-sst secrets set/,
    );
    expect((error as MissingSecretsError).secrets).toEqual(['ALPHA', 'ZETA']);
    expect(config.PRESENT).toBe('here');
    expect(() => config.ALPHA).toThrow(MissingSecretsError);
  });

  it('retries throttled calls with backoff until they pass', async () => {
    const vars: Record<string, string> = {};
    for (let i = 0; i < 60; i++) {
      await put(`/sst/throttled/dev/Secret/T${i}/value`, `t-${i}`);
      vars[`SST_Secret_value_T${i}`] = '__FETCH_FROM_SSM__';
    }
    setEnv(stage('throttled', vars));
    await cloud.setFaults({ throttle: { 'ssm:GetParameters': 2 } });
    const counter = countingClient();
    try {
      await load();
    } finally {
      await cloud.clearFaults();
    }
    expect(counter.calls).toBeGreaterThan(6);
    for (let i = 0; i < 60; i++) expect(config[`T${i}`]).toBe(`t-${i}`);
  });

  it('gives up after the configured attempts with an error naming the parameters', async () => {
    setEnv(stage('giveup', { SST_Secret_value_G: '__FETCH_FROM_SSM__' }));
    await put('/sst/giveup/dev/Secret/G/value', 'g');
    await cloud.setFaults({ throttle: { 'ssm:GetParameters': 0 } });
    configure({ retry: { maxAttempts: 3, baseDelayMs: 1 } });
    try {
      await expect(load()).rejects.toThrow(
        /^Could not read \/sst\/giveup\/dev\/Secret\/G\/value, \/sst\/giveup\/.fallback\/Secret\/G\/value from SSM after 3 attempts: ThrottlingException: Rate exceeded/,
      );
    } finally {
      await cloud.clearFaults();
    }
    await load();
    expect(config.G).toBe('g');
  });

  it('keeps a throttled call going for 20 attempts by default', async () => {
    setEnv(stage('patient', { SST_Secret_value_P: '__FETCH_FROM_SSM__' }));
    await put('/sst/patient/dev/Secret/P/value', 'p');
    await cloud.setFaults({ throttle: { 'ssm:GetParameters': 0 } });
    configure({ retry: { baseDelayMs: 1, maxDelayMs: 1 } });
    const counter = countingClient();
    try {
      await expect(load()).rejects.toThrow(
        /^Could not read \/sst\/patient\/dev\/Secret\/P\/value, \/sst\/patient\/.fallback\/Secret\/P\/value from SSM after 20 attempts/,
      );
    } finally {
      await cloud.clearFaults();
    }
    expect(counter.calls).toBe(20);
  });

  it('shares one fetch between concurrent loads', async () => {
    await put('/sst/shared/dev/Secret/ONE/value', '1');
    setEnv(stage('shared', { SST_Secret_value_ONE: '__FETCH_FROM_SSM__' }));
    const counter = countingClient();
    await Promise.all([load(), load(), refresh(), load()]);
    expect(counter.calls).toBe(1);
    await load();
    expect(counter.calls).toBe(1);
  });

  it('resolves __FETCH_FROM_SECRET__ references to the Secret', async () => {
    await put('/sst/refs/dev/Secret/AUTH_KEY/value', 'public-key');
    setEnv(
      stage('refs', {
        SST_Secret_value_AUTH_KEY: '__FETCH_FROM_SSM__',
        SST_Api_url_auth: '__FETCH_FROM_SECRET__:AUTH_KEY',
      }),
    );
    const counter = countingClient();
    await load();
    expect(counter.names).toEqual([
      ['/sst/refs/dev/Secret/AUTH_KEY/value', '/sst/refs/.fallback/Secret/AUTH_KEY/value'],
    ]);
    const { Api } = await import('../api');
    expect((Api as unknown as Record<string, { url: string }>).auth.url).toBe('public-key');
    expect(JSON.stringify(Api)).toBe('{"auth":{"url":"[secret]"}}');
  });

  it('reports a missing site URL parameter when it is read, not as a missing secret', async () => {
    setEnv(stage('nosite', { SST_NextjsSite_url_web: '__FETCH_FROM_SSM__' }));
    const counter = countingClient();
    await load();
    await load();
    expect(counter.calls).toBe(1);
    expect(() => sites.web.url).toThrow(
      'Cannot use NextjsSite.web.url: its SSM parameter "/sst/nosite/dev/NextjsSite/web/url" does not exist. Deploy the stack that defines it.',
    );
  });
});

describe('refreshing', () => {
  beforeEach(async () => {
    await put('/sst/fresh/dev/Secret/TOKEN/value', 'v1');
    setEnv(stage('fresh', { SST_Secret_value_TOKEN: '__FETCH_FROM_SSM__' }));
  });
  const token = () => config.TOKEN;

  it('re-fetches with refresh() and with load({ maxAge }) once the values are older', async () => {
    const counter = countingClient();
    await load();
    await put('/sst/fresh/dev/Secret/TOKEN/value', 'v2');
    await load({ maxAge: 60_000 });
    expect(counter.calls).toBe(1);
    expect(token()).toBe('v1');
    await refresh();
    expect(token()).toBe('v2');
    await put('/sst/fresh/dev/Secret/TOKEN/value', 'v3');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await load({ maxAge: 10 });
    expect(token()).toBe('v3');
    expect(counter.calls).toBe(3);
  });

  it('keeps the last good value when a refresh fails', async () => {
    await load();
    await admin.send(new DeleteParameterCommand({ Name: '/sst/fresh/dev/Secret/TOKEN/value' }));
    await expect(refresh()).rejects.toThrow(MissingSecretsError);
    expect(token()).toBe('v1');

    configure({
      ssmClient: {
        send: async () => {
          throw Object.assign(new Error('User is not authorized'), { name: 'AccessDeniedException' });
        },
      },
    });
    await expect(refresh()).rejects.toThrow(/AccessDeniedException: User is not authorized/);
    const emitWarning = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    await expect(load({ maxAge: 0 })).resolves.toBeUndefined();
    const warning = String(emitWarning.mock.calls[0]?.[0]);
    emitWarning.mockRestore();
    expect(warning).toMatch(
      /^Could not refresh bound values, keeping the last ones: .*AccessDeniedException/,
    );
    expect(token()).toBe('v1');
  });
});

describe('ApiHandler against the local cloud', () => {
  it('loads bound secrets before the handler runs, as v2 code expects (it never calls load())', async () => {
    await put('/sst/apih/dev/Secret/SIGNING_KEY/value', 'sk_api');
    setEnv(stage('apih', { SST_Secret_value_SIGNING_KEY: '__FETCH_FROM_SSM__' }));
    const handler = ApiHandler(async () => ({ statusCode: 200, body: config.SIGNING_KEY.length.toString() }));
    const result = await handler({ rawPath: '/' } as never, {} as never);
    expect(result).toMatchObject({ statusCode: 200, body: '6' });
  });
});
