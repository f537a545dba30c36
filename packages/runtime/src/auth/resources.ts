import { createResourceProxy } from '../core/index.js';

/** What the authenticator and session code read of a bound Auth: `publicKey`, and for the authenticator `privateKey` and `prefix`. */
export interface AuthValues {
  publicKey: string;
  privateKey?: string;
  prefix?: string;
}

/** The same proxy as `Auth` of `@nx-sst/runtime/auth`, typed for every prop the authenticator may hold. */
export const boundAuths: Record<string, AuthValues> =
  /* @__PURE__ */ createResourceProxy<Record<string, AuthValues>>('Auth');
