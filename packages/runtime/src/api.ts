import { createResourceProxy } from './core/index.js';

export { load, refresh } from './core/index.js';
export * from './api-handler.js';

/**
 * Every Api bound to this code, by id. Empty here: the types nx-sst generates for your project
 * (`sst-env.d.ts`) add one member per bound Api, e.g. `{ "api": { url: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ApiResources {}

/** `Api.api.url` */
export const Api: ApiResources = /* @__PURE__ */ createResourceProxy<ApiResources>('Api');
