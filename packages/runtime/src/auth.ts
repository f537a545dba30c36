import { createResourceProxy } from './core/index.js';

export { load, refresh } from './core/index.js';

/**
 * Every Auth bound to this code, by id. Empty here: the types nx-sst generates for your project
 * (`sst-env.d.ts`) add one member per bound Auth, e.g. `{ "auth": { publicKey: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AuthResources {}

/**
 * The session types of your app, by name: augment it as in SST v2.
 *
 * ```ts
 * declare module '@nx-sst/runtime/auth' {
 *   export interface SessionTypes { user: { userID: string } }
 * }
 * ```
 */
export interface SessionTypes {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  public: {};
}

/** `Auth.auth.publicKey` */
export const Auth: AuthResources = /* @__PURE__ */ createResourceProxy<AuthResources>('Auth');

export { getPrefix, getPrivateKey, getPublicKey } from './auth/keys.js';
export { Session, useSession, type SessionValue, type SessionOptions } from './auth/session.js';
export { AuthHandler } from './auth/handler.js';
export { createAdapter, type Adapter } from './auth/adapter/adapter.js';
export { LinkAdapter, type LinkConfig } from './auth/adapter/link.js';
export {
  OauthAdapter,
  type OauthBasicConfig,
  type OauthConfig,
  type OauthClient,
  type OauthTokenSet,
  type IdTokenClaims,
  type UserinfoResponse,
} from './auth/adapter/oauth.js';
export type { IssuerInput, IssuerMetadata } from './auth/adapter/issuer-types.js';
export {
  OidcAdapter,
  type OidcBasicConfig,
  type OidcConfig,
  type OidcTokenSet,
} from './auth/adapter/oidc.js';
export { GoogleAdapter, type GoogleConfig } from './auth/adapter/google.js';
export { GithubAdapter } from './auth/adapter/github.js';
export { FacebookAdapter } from './auth/adapter/facebook.js';
export { TwitchAdapter } from './auth/adapter/twitch.js';
