import { Bucket } from './bucket';
import { Config } from './config';
import { useEnv } from './core/test-env';
import { load } from './index';
import { resetBindings, setBindings } from './testing';

declare module './bucket' {
  interface BucketResources {
    uploads: { bucketName: string };
  }
}
declare module './config' {
  interface SecretResources {
    API_TOKEN: { value: string };
  }
}

const setEnv = useEnv();

describe('@nx-sst/runtime/testing', () => {
  it('binds values without environment variables or AWS, and resets to the environment', async () => {
    setBindings({ Bucket: { uploads: { bucketName: 'test-uploads' } }, Secret: { API_TOKEN: 't0ken' } });
    expect(Bucket.uploads.bucketName).toBe('test-uploads');
    expect(Config.API_TOKEN).toBe('t0ken');
    expect(Config.APP).toBe('test');
    await expect(load()).resolves.toBeUndefined();

    resetBindings();
    expect(() => Bucket.uploads).toThrow(/Cannot access bound resources/);
    setEnv({ SST_APP: 'a', SST_Bucket_bucketName_uploads: 'from-env' });
    expect(Bucket.uploads.bucketName).toBe('from-env');
  });

  it('replaces what was set before, and takes app and stage', () => {
    setBindings({ Bucket: { uploads: { bucketName: 'one' } } });
    setBindings({ Secret: { API_TOKEN: 'x' } }, { app: 'shop', stage: 'ci' });
    expect(() => Bucket.uploads).toThrow(
      'Cannot use Bucket.uploads. Please make sure it is bound to this function.',
    );
    expect(Config.STAGE).toBe('ci');
    expect(JSON.stringify(Config)).toBe('{"APP":"shop","STAGE":"ci","API_TOKEN":"[secret]"}');
  });

  it('refuses values of the wrong shape', () => {
    expect(() => setBindings({ Bucket: { uploads: 'x' } } as never)).toThrow(
      /Bucket\.uploads must be an object/,
    );
    expect(() => setBindings({ Secret: { API_TOKEN: 1 } } as never)).toThrow(
      /Secret\.API_TOKEN must be a string/,
    );
  });
});
