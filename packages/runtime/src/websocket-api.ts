import { createResourceProxy } from './core/index.js';

export { load, refresh } from './core/index.js';

/**
 * Every WebSocketApi bound to this code, by id. Empty here: the types nx-sst generates for your project
 * (`sst-env.d.ts`) add one member per bound WebSocketApi, e.g. `{ "socket": { url: string; httpsUrl: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface WebSocketApiResources {}

/** `WebSocketApi.socket.url` */
export const WebSocketApi: WebSocketApiResources =
  /* @__PURE__ */ createResourceProxy<WebSocketApiResources>('WebSocketApi');
