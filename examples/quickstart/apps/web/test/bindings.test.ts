import { beforeAll, expect, test } from 'vitest';
import { Bucket } from '@nx-sst/runtime/bucket';
import { Config, load } from '@nx-sst/runtime/config';

beforeAll(() => load());

test('web is bound to the public bucket and the Stripe key', () => {
  expect(Bucket.public.bucketName).toEqual(expect.any(String));
  expect(Config.STRIPE_KEY).not.toBe('');
});
