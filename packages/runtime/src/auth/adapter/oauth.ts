import {
  useCookie,
  useEvent,
  useQueryParams,
  type ApiGatewayV2Event,
  type ApiResult,
} from '../../api-handler.js';
import { createAdapter } from './adapter.js';
import { configuration, openidClient } from './issuer.js';
import type { IssuerInput, IssuerMetadata } from './issuer-types.js';
import { clientFor, failure, toTokenSet } from './tokens.js';
import { badRequest, callbackUrl, clearingFlowCookies, flowCookie, invalidStep, step } from './request.js';

/** An ID token's claims, typed as openid-client 5's `IdTokenClaims` were. */
export interface IdTokenClaims {
  sub: string;
  iss: string;
  aud: string | string[];
  exp: number;
  iat: number;
  nonce?: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  picture?: string;
  locale?: string;
  [claim: string]: unknown;
}

/** What a userinfo endpoint answers, typed as openid-client 5's `UserinfoResponse` was. */
export interface UserinfoResponse {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  given_name?: string;
  family_name?: string;
  picture?: string;
  locale?: string;
  [claim: string]: unknown;
}

/** The token response, shaped as openid-client 5's TokenSet that SST v2 handed to `onSuccess`. */
export interface OauthTokenSet {
  access_token?: string;
  token_type?: string;
  id_token?: string;
  refresh_token?: string;
  scope?: string;
  expires_in?: number;
  /** Seconds since the epoch. */
  expires_at?: number;
  /** The claims of the ID token; throws when the response holds none (ask for the `openid` scope). */
  claims(): IdTokenClaims;
  expired(): boolean;
  [key: string]: unknown;
}

/** The client, shaped as openid-client 5's BaseClient for what handlers call on it. */
export interface OauthClient {
  metadata: { client_id: string };
  issuer: { metadata: IssuerMetadata };
  /**
   * openid-client 6's `Configuration` of this issuer and client, for anything else (revocation, introspection…);
   * import its type from openid-client to use it.
   */
  configuration: unknown;
  /** The userinfo endpoint's answer for an access token (or a token set). */
  userinfo(token: string | OauthTokenSet): Promise<UserinfoResponse>;
  /** A new token set from a refresh token (or a token set holding one). */
  refresh(token: string | OauthTokenSet): Promise<OauthTokenSet>;
}

export interface OauthBasicConfig {
  /** The client id the provider gave you. */
  clientID: string;
  /** The client secret the provider gave you. */
  clientSecret: string;
  /** The scopes asked for, space-separated. */
  scope: string;
  prompt?: string;
  /** The user signed in: create the session here (`Session.cookie`, `Session.parameter`). */
  onSuccess: (tokenset: OauthTokenSet, client: OauthClient) => Promise<ApiResult>;
  /**
   * The provider answered with an error (the user declined…) or the answer failed its checks.
   * @default a 400 naming the error
   */
  onError?: (error: Error) => Promise<ApiResult>;
}

export interface OauthConfig extends OauthBasicConfig {
  issuer: IssuerInput;
}

const VERIFIER = 'auth-code-verifier';
const STATE = 'auth-state';

/** The query string of this request as the provider sent it. */
function callbackWithQuery(): URL {
  const url = new URL(callbackUrl());
  const raw = (useEvent() as ApiGatewayV2Event).rawQueryString;
  if (raw) url.search = raw;
  else for (const [k, v] of Object.entries(useQueryParams())) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

/**
 * OAuth 2.0 authorization code flow with PKCE, as SST v2's OauthAdapter: `authorize` redirects to the
 * provider with state and a PKCE challenge (kept in short-lived HttpOnly cookies), `callback` exchanges the
 * code and calls `onSuccess` with the token set.
 */
export const OauthAdapter = /* @__PURE__ */ createAdapter((config: OauthConfig) => {
  return async function () {
    const current = step();
    if (current !== 'authorize' && current !== 'connect' && current !== 'callback') return invalidStep();
    const oc = await openidClient();
    const settings = await configuration(config.issuer, config.clientID, config.clientSecret);
    if (current === 'callback') {
      const verifier = useCookie(VERIFIER);
      const state = useCookie(STATE);
      if (!verifier || !state) {
        return badRequest(
          'invalid_request',
          'Auth: the sign-in cookies are missing or expired (10 minutes); start again from authorize.',
        );
      }
      let tokens: OauthTokenSet;
      try {
        tokens = toTokenSet(
          await oc.authorizationCodeGrant(settings, callbackWithQuery(), {
            pkceCodeVerifier: verifier,
            expectedState: state,
          }),
        );
      } catch (error) {
        if (config.onError)
          return clearingFlowCookies(await config.onError(error as Error), [VERIFIER, STATE]);
        return clearingFlowCookies(failure(error), [VERIFIER, STATE]);
      }
      const result = await config.onSuccess(tokens, await clientFor(settings, config.clientID));
      return clearingFlowCookies(result, [VERIFIER, STATE]);
    }
    const verifier = oc.randomPKCECodeVerifier();
    const state = oc.randomState();
    const url = oc.buildAuthorizationUrl(settings, {
      redirect_uri: callbackUrl(),
      response_type: 'code',
      scope: config.scope,
      code_challenge: await oc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(config.prompt ? { prompt: config.prompt } : {}),
    });
    return {
      statusCode: 302,
      headers: { location: url.href },
      cookies: [flowCookie(VERIFIER, verifier), flowCookie(STATE, state)],
    };
  };
});
