import { createResourceProxy } from './core/index.js';

export { load, refresh } from './core/index.js';

/**
 * Every Service bound to this code, by id. Empty here: the types nx-sst generates for your project
 * (`sst-env.d.ts`) add one member per bound Service, e.g. `{ "web": { url: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ServiceResources {}

/** `Service.web.url` */
export const Service: ServiceResources = /* @__PURE__ */ createResourceProxy<ServiceResources>('Service');
