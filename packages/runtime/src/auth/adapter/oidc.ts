import { useCookie, useFormData, type ApiResult } from '../../api-handler.js';
import { createAdapter } from './adapter.js';
import { configuration, openidClient } from './issuer.js';
import type { IssuerInput } from './issuer-types.js';
import type { OauthClient, OauthTokenSet } from './oauth.js';
import { clientFor, failure, toTokenSet } from './tokens.js';
import { badRequest, callbackUrl, clearingFlowCookies, flowCookie, invalidStep, step } from './request.js';

/** The ID token the provider posted back; `claims()` are its verified claims. */
export type OidcTokenSet = OauthTokenSet;

export interface OidcBasicConfig {
  /** The client id the provider gave you. */
  clientID: string;
  /** The user signed in: `tokenset.claims()` are the ID token's verified claims. */
  onSuccess: (tokenset: OidcTokenSet, client: OauthClient) => Promise<ApiResult>;
  /**
   * The provider answered with an error or the ID token failed its checks.
   * @default a 400 naming the error
   */
  onError?: (error: Error) => Promise<ApiResult>;
}

export interface OidcConfig extends OidcBasicConfig {
  issuer: IssuerInput;
  /** Space-separated; must hold `openid`. */
  scope: string;
}

const NONCE = 'auth-nonce';
const STATE = 'auth-state';

/**
 * OpenID Connect sign-in with an ID token posted back (`response_type=id_token`, `response_mode=form_post`),
 * as SST v2's OidcAdapter: no client secret; the ID token's signature (the issuer's JWKS), issuer, audience,
 * expiry, nonce and state are checked before `onSuccess`.
 */
export const OidcAdapter = /* @__PURE__ */ createAdapter((config: OidcConfig) => {
  return async function () {
    const current = step();
    if (current !== 'authorize' && current !== 'connect' && current !== 'callback') return invalidStep();
    const oc = await openidClient();
    const settings = await configuration(config.issuer, config.clientID, undefined, 'id_token');
    if (current === 'callback') {
      const form = useFormData();
      if (!form)
        return badRequest(
          'invalid_request',
          'Auth: the callback expects the ID token posted as a form (response_mode=form_post).',
        );
      const nonce = useCookie(NONCE);
      const state = useCookie(STATE);
      if (!nonce || !state) {
        return badRequest(
          'invalid_request',
          'Auth: the sign-in cookies are missing or expired (10 minutes); start again from authorize.',
        );
      }
      const request = new Request(callbackUrl(), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
      let tokens: OidcTokenSet;
      try {
        const claims = await oc.implicitAuthentication(settings, request, nonce, { expectedState: state });
        tokens = toTokenSet({ id_token: form.get('id_token') ?? undefined }, () => ({ ...claims }));
      } catch (error) {
        if (config.onError) return clearingFlowCookies(await config.onError(error as Error), [NONCE, STATE]);
        return clearingFlowCookies(failure(error), [NONCE, STATE]);
      }
      const result = await config.onSuccess(tokens, await clientFor(settings, config.clientID));
      return clearingFlowCookies(result, [NONCE, STATE]);
    }
    const nonce = oc.randomNonce();
    const state = oc.randomState();
    const url = oc.buildAuthorizationUrl(settings, {
      redirect_uri: callbackUrl(),
      response_type: 'id_token',
      response_mode: 'form_post',
      scope: config.scope,
      nonce,
      state,
    });
    return {
      statusCode: 302,
      headers: { location: url.href },
      cookies: [flowCookie(NONCE, nonce), flowCookie(STATE, state)],
    };
  };
});
