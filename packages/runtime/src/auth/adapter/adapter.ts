import type { ApiResult } from '../../api-handler.js';

/** What AuthHandler calls for a request under `{prefix}/{provider}/…`; it reads the request with the hooks. */
export type Adapter = () => Promise<ApiResult>;

/** Declares an adapter factory, as SST v2's `createAdapter`: `createAdapter((config: C) => async () => …)`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function createAdapter<A extends (config: any) => Adapter>(adapter: A): A {
  return adapter;
}
