import { createResourceProxy } from './core/index.js';

export { load, refresh } from './core/index.js';

/**
 * Every KinesisStream bound to this code, by id. Empty here: the types nx-sst generates for your project
 * (`sst-env.d.ts`) add one member per bound KinesisStream, e.g. `{ "stream": { streamName: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface KinesisStreamResources {}

/** `KinesisStream.stream.streamName` */
export const KinesisStream: KinesisStreamResources =
  /* @__PURE__ */ createResourceProxy<KinesisStreamResources>('KinesisStream');
