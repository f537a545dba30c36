import { createResourceProxy } from './core/index.js';

export { load, refresh } from './core/index.js';

/**
 * Every Queue bound to this code, by id. Empty here: the types nx-sst generates for your project
 * (`sst-env.d.ts`) add one member per bound Queue, e.g. `{ "jobs": { queueUrl: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface QueueResources {}

/** `Queue.jobs.queueUrl` */
export const Queue: QueueResources = /* @__PURE__ */ createResourceProxy<QueueResources>('Queue');
