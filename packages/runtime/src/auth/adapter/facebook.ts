import { createAdapter } from './adapter.js';
import { OauthAdapter, type OauthBasicConfig } from './oauth.js';

// As SST v2: the OAuth code flow (Facebook's OIDC flow posts the ID token to a URL hash a Lambda never
// sees, and its discovery document lacks the token and userinfo endpoints).
export const FACEBOOK_ISSUER = {
  issuer: 'https://www.facebook.com',
  authorization_endpoint: 'https://facebook.com/dialog/oauth/',
  jwks_uri: 'https://www.facebook.com/.well-known/oauth/openid/jwks/',
  token_endpoint: 'https://graph.facebook.com/oauth/access_token',
};

/** Sign in with Facebook: code flow with your app secret; read the user from the Graph API with the access token. */
export const FacebookAdapter = /* @__PURE__ */ createAdapter((config: OauthBasicConfig) =>
  OauthAdapter({ issuer: FACEBOOK_ISSUER, ...config }),
);
