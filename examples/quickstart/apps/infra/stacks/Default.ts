import { type StackContext, Bucket, Config, NextjsSite } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  // cors: the page's browser code uploads straight to the bucket with a presigned URL.
  const publicBucket = new Bucket(stack, 'public', { cors: true });
  const STRIPE_KEY = new Config.Secret(stack, 'STRIPE_KEY');
  const BRAND = new Config.Parameter(stack, 'BRAND', { value: 'Acme' });
  new NextjsSite(stack, 'web', { path: 'apps/web', bind: [publicBucket, STRIPE_KEY, BRAND] });
}
