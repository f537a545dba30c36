import { createAdapter } from './adapter.js';
import { OidcAdapter, type OidcBasicConfig } from './oidc.js';

// Twitch's published discovery document (https://id.twitch.tv/oauth2/.well-known/openid-configuration).
export const TWITCH_ISSUER = {
  issuer: 'https://id.twitch.tv/oauth2',
  authorization_endpoint: 'https://id.twitch.tv/oauth2/authorize',
  token_endpoint: 'https://id.twitch.tv/oauth2/token',
  userinfo_endpoint: 'https://id.twitch.tv/oauth2/userinfo',
  jwks_uri: 'https://id.twitch.tv/oauth2/keys',
};

/** Sign in with Twitch (OpenID Connect, scope `openid`), as SST v2's TwitchAdapter. */
export const TwitchAdapter = /* @__PURE__ */ createAdapter((config: OidcBasicConfig) =>
  OidcAdapter({ issuer: TWITCH_ISSUER, scope: 'openid', ...config }),
);
