import { createResourceProxy } from './core/index.js';

export { load, refresh } from './core/index.js';

/**
 * Every NextjsSite bound to this code, by id. Empty here: the types nx-sst generates for your
 * project (`sst-env.d.ts`) add one member per bound site, e.g. `{ "web": { url: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface NextjsSiteResources {}

/** Every StaticSite bound to this code, by id; augmented like `NextjsSiteResources`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface StaticSiteResources {}

/**
 * `NextjsSite.web.url`. A deployed site's URL is read from SSM (so binding a site does not tie the
 * function's stack to the site's): call `await load()` first in CJS.
 */
export const NextjsSite: NextjsSiteResources =
  /* @__PURE__ */ createResourceProxy<NextjsSiteResources>('NextjsSite');

/** `StaticSite.docs.url`, read like `NextjsSite`. */
export const StaticSite: StaticSiteResources =
  /* @__PURE__ */ createResourceProxy<StaticSiteResources>('StaticSite');
