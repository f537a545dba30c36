import { createAdapter } from './adapter.js';
import { OauthAdapter, type OauthBasicConfig } from './oauth.js';

export const GITHUB_ISSUER = {
  issuer: 'https://github.com',
  authorization_endpoint: 'https://github.com/login/oauth/authorize',
  token_endpoint: 'https://github.com/login/oauth/access_token',
};

/**
 * Sign in with GitHub (OAuth apps: code flow with your client secret). GitHub has no OpenID Connect for
 * users: read the user with `fetch("https://api.github.com/user")` and `tokenset.access_token`.
 */
export const GithubAdapter = /* @__PURE__ */ createAdapter((config: OauthBasicConfig) => {
  if (!config?.clientSecret) {
    throw new Error(
      'GithubAdapter: needs clientSecret; GitHub signs users in only with the OAuth code flow (SST v2 fell back to OIDC, which GitHub does not offer).',
    );
  }
  return OauthAdapter({ issuer: GITHUB_ISSUER, ...config });
});
