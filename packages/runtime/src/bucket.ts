import { createResourceProxy } from './core/index.js';

export { load, refresh } from './core/index.js';

/**
 * Every Bucket bound to this code, by id. Empty here: the types nx-sst generates for your project
 * (`sst-env.d.ts`) add one member per bound Bucket, e.g. `{ "public": { bucketName: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface BucketResources {}

/** `Bucket.public.bucketName` */
export const Bucket: BucketResources = /* @__PURE__ */ createResourceProxy<BucketResources>('Bucket');
