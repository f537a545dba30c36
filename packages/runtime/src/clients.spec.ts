import { inspect } from 'node:util';
import { Api } from './api';
import { Bucket } from './bucket';
import { Config } from './config';
import { MissingSecretsError, NotLoadedError, load, refresh } from './index';
import { NextjsSite } from './site';
import { Table } from './table';
import { useEnv } from './core/test-env';

// What the generated sst-env.d.ts of a project would add.
declare module './bucket' {
  interface BucketResources {
    public: { bucketName: string };
    'my-files': { bucketName: string };
  }
}
declare module './table' {
  interface TableResources {
    orders: { tableName: string };
  }
}
declare module './site' {
  interface NextjsSiteResources {
    web: { url: string };
  }
}
declare module './config' {
  interface SecretResources {
    STRIPE_KEY: { value: string };
  }
  interface ParameterResources {
    VERSION: { value: string };
  }
}

const setEnv = useEnv();
const bound = {
  SST_APP: 'shop',
  SST_STAGE: 'dev',
  SST_SSM_PREFIX: '/sst/shop/dev/',
  SST_Bucket_bucketName_public: 'shop-dev-public',
  SST_Bucket_bucketName_my_files: 'shop-dev-files',
  SST_Parameter_value_VERSION: '1.2.3',
  SST_Secret_value_STRIPE_KEY: '__FETCH_FROM_SSM__',
  SST_NextjsSite_url_web: '__FETCH_FROM_SSM__',
};

describe('plain values', () => {
  it('reads each bound value synchronously, with - in ids read as _', () => {
    setEnv(bound);
    expect(Bucket.public.bucketName).toBe('shop-dev-public');
    expect(Bucket['my-files'].bucketName).toBe('shop-dev-files');
    expect(Config.APP).toBe('shop');
    expect(Config.STAGE).toBe('dev');
    expect(Config.VERSION).toBe('1.2.3');
  });

  it('lists the bound ids without reading secrets', () => {
    setEnv(bound);
    expect(Object.keys(Bucket)).toEqual(['public', 'my_files']);
    expect(Object.keys(Config)).toEqual(['APP', 'STAGE', 'VERSION', 'STRIPE_KEY']);
    expect('public' in Bucket).toBe(true);
    expect('other' in Bucket).toBe(false);
    expect({ ...Bucket.public }).toEqual({ bucketName: 'shop-dev-public' });
  });

  it('reads the compact SST_BINDINGS variable, individual variables winning', () => {
    setEnv({
      SST_APP: 'shop',
      SST_STAGE: 'dev',
      SST_BINDINGS: JSON.stringify({
        Bucket: { public: { bucketName: 'from-compact' }, 'my-files': { bucketName: 'files' } },
        Table: { orders: { tableName: 'orders-table' } },
        Parameter: { VERSION: { value: '9' } },
      }),
      SST_Bucket_bucketName_public: 'from-variable',
    });
    expect(Bucket.public.bucketName).toBe('from-variable');
    expect(Bucket['my-files'].bucketName).toBe('files');
    expect(Table.orders.tableName).toBe('orders-table');
    expect(Config.VERSION).toBe('9');
  });

  it('loads nothing when every value is plain', async () => {
    setEnv({ SST_APP: 'shop', SST_STAGE: 'dev', SST_Bucket_bucketName_public: 'b' });
    await expect(load()).resolves.toBeUndefined();
    expect(Object.keys(require.cache).some((path) => path.includes('client-ssm'))).toBe(false);
  });
});

describe('errors', () => {
  it('names the type and prop of an unbound value (SST v2 text)', () => {
    setEnv(bound);
    expect(() => (Bucket as unknown as Record<string, unknown>).other).toThrow(
      new Error('Cannot use Bucket.other. Please make sure it is bound to this function.'),
    );
    expect(() => Table.orders).toThrow(
      new Error('Cannot use Table.orders. Please make sure it is bound to this function.'),
    );
    expect(() => (Config as unknown as Record<string, unknown>).NOPE).toThrow(
      new Error('Cannot use Config.NOPE. Please make sure it is bound to this function.'),
    );
  });

  it('tells build time, Lambda and client-side code apart when SST_APP is missing', () => {
    setEnv({ SST: '1' });
    expect(() => Bucket.public).toThrow(/used at build time.*nx-sst bind -- next build/);
    setEnv({ AWS_LAMBDA_FUNCTION_NAME: 'fn' });
    expect(() => Bucket.public).toThrow(/SST_APP is not set in this function's environment.*deploy again/);
    setEnv({ CODEBUILD_BUILD_ARN: 'arn' });
    expect(() => Config.STAGE).toThrow(/SST_APP is not set in this function's environment/);
    setEnv({});
    expect(() => Bucket.public).toThrow(
      /used on the client-side. Ensure that it's only called in your server functions/,
    );
  });

  it('rejects load() and refresh() with the same message when nothing is bound', async () => {
    setEnv({ AWS_LAMBDA_FUNCTION_NAME: 'fn' });
    await expect(load()).rejects.toThrow(/SST_APP is not set in this function's environment/);
    await expect(refresh()).rejects.toThrow(/SST_APP is not set in this function's environment/);
  });

  it('says what to call when a secret is read before load()', () => {
    setEnv(bound);
    expect(() => Config.STRIPE_KEY).toThrow(NotLoadedError);
    expect(() => Config.STRIPE_KEY).toThrow(
      /Config\.STRIPE_KEY is fetched from SSM .* Call "await load\(\)"/,
    );
    expect(() => NextjsSite.web.url).toThrow(/NextjsSite\.web\.url is fetched from SSM/);
  });

  it('reports a malformed compact variable on access', () => {
    setEnv({ SST_APP: 'shop', SST_BINDINGS: '{' });
    expect(() => Bucket.public).toThrow(/SST_BINDINGS is not valid JSON/);
  });

  it('is read-only', () => {
    setEnv(bound);
    expect(() => {
      (Bucket as unknown as Record<string, unknown>).public = 1;
    }).toThrow(/Bucket is read-only. In tests, use setBindings\(\)/);
    expect(() => delete (Config as unknown as Record<string, unknown>).VERSION).toThrow(/read-only/);
  });

  it('exports the missing-secrets error with the names and the stage', () => {
    const error = new MissingSecretsError(['A', 'B'], 'dev');
    expect(error.message).toMatch(/^The following secret values are not set in the "dev stage": A, B\./);
    expect(error.secrets).toEqual(['A', 'B']);
    // Where nx-sst bind said the workspace has several infra apps, the command names this one.
    expect(new MissingSecretsError(['A'], 'dev', 'infra').message).toContain(
      'Set them with "nx-sst secrets set <name> <value> --stage dev --app infra"',
    );
  });
});

describe('proxies behave like plain objects for tools', () => {
  const probe = (client: unknown) => {
    const c = client as Record<string | symbol, unknown>;
    expect(c.then).toBeUndefined();
    expect(c.$$typeof).toBeUndefined();
    expect(c.asymmetricMatch).toBeUndefined();
    expect(c.nodeType).toBeUndefined();
    expect(c['@@__IMMUTABLE_ITERABLE__@@']).toBeUndefined();
    expect(c[Symbol.iterator]).toBeUndefined();
    expect(c[Symbol.toPrimitive]).toBeUndefined();
    expect(c.constructor).toBe(Object);
    expect(typeof c.toJSON).toBe('function');
    expect(String(client)).toMatch(/^\[object (Bucket|Config)\]$/);
  };

  it('answers probes without throwing, bound or not, even without SST_APP', async () => {
    const envs: Record<string, string>[] = [bound, {}, { SST_APP: 'shop', SST_BINDINGS: '{' }];
    for (const env of envs) {
      setEnv(env);
      probe(Bucket);
      probe(Config);
      await expect(Promise.resolve(Bucket)).resolves.toBe(Bucket);
      expect(() => inspect(Config)).not.toThrow();
      expect(() => JSON.stringify(Bucket)).not.toThrow();
    }
  });

  it('never prints a secret through util.inspect or JSON.stringify', () => {
    setEnv({ ...bound, SST_Secret_value_STRIPE_KEY: 'sk_live_plain_in_env' });
    expect(inspect(Config, { breakLength: Infinity })).toBe(
      "Object [Config] { APP: 'shop', STAGE: 'dev', VERSION: '1.2.3', STRIPE_KEY: '[secret]' }",
    );
    expect(JSON.stringify(Config)).toBe(
      '{"APP":"shop","STAGE":"dev","VERSION":"1.2.3","STRIPE_KEY":"[secret]"}',
    );
    expect(inspect(Bucket)).toContain("public: { bucketName: 'shop-dev-public' }");
    expect(JSON.stringify({ site: NextjsSite })).toBe('{"site":{"web":{"url":"[not loaded]"}}}');
    expect(Config.STRIPE_KEY).toBe('sk_live_plain_in_env');
  });

  it('works with expect().toEqual on a resource', () => {
    setEnv(bound);
    expect(Bucket.public).toEqual({ bucketName: 'shop-dev-public' });
    expect(Api).not.toBeNull();
  });
});
