import { createAdapter } from './adapter.js';
import { OauthAdapter, type OauthBasicConfig } from './oauth.js';
import { OidcAdapter, type OidcBasicConfig } from './oidc.js';

// Google's published discovery document, fixed here so a cold start makes no discovery request.
export const GOOGLE_ISSUER = {
  issuer: 'https://accounts.google.com',
  authorization_endpoint: 'https://accounts.google.com/o/oauth2/v2/auth',
  token_endpoint: 'https://oauth2.googleapis.com/token',
  userinfo_endpoint: 'https://openidconnect.googleapis.com/v1/userinfo',
  jwks_uri: 'https://www.googleapis.com/oauth2/v3/certs',
};

export type GoogleConfig = (OauthBasicConfig & { mode: 'oauth' }) | (OidcBasicConfig & { mode: 'oidc' });

/**
 * Sign in with Google: `mode: "oidc"` (ID token, no secret, scope `openid email profile`) or `mode: "oauth"`
 * (code flow with your client secret and scopes), as SST v2's GoogleAdapter.
 */
export const GoogleAdapter = /* @__PURE__ */ createAdapter((config: GoogleConfig) => {
  if ('clientSecret' in config) return OauthAdapter({ issuer: GOOGLE_ISSUER, ...config });
  return OidcAdapter({ issuer: GOOGLE_ISSUER, scope: 'openid email profile', ...config });
});
