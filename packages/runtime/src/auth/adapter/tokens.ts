import type { Configuration } from 'openid-client';
import type { ApiResult } from '../../api-handler.js';
import { openidClient } from './issuer.js';
import type { IssuerMetadata } from './issuer-types.js';
import type { IdTokenClaims, OauthClient, OauthTokenSet, UserinfoResponse } from './oauth.js';
import { badRequest } from './request.js';

// Kept apart from oauth.ts so that the declarations users load (oauth.d.ts) name no openid-client type.

type TokenResponse = Awaited<ReturnType<typeof import('openid-client').authorizationCodeGrant>>;

export function toTokenSet(
  response: TokenResponse | Record<string, unknown>,
  claims?: () => Record<string, unknown> | undefined,
): OauthTokenSet {
  const fields = { ...(response as Record<string, unknown>) };
  const expiresIn = typeof fields.expires_in === 'number' ? fields.expires_in : undefined;
  const expiresAt = expiresIn !== undefined ? Math.floor(Date.now() / 1000) + expiresIn : undefined;
  const read =
    claims ?? (() => (response as { claims?: () => Record<string, unknown> | undefined }).claims?.());
  return {
    ...fields,
    expires_at: expiresAt,
    claims() {
      const value = read();
      if (!value)
        throw new Error(
          'Auth: the token response holds no ID token; ask for the "openid" scope to get claims, or call client.userinfo(tokenset).',
        );
      return value as IdTokenClaims;
    },
    expired() {
      return expiresAt !== undefined && expiresAt <= Math.floor(Date.now() / 1000);
    },
  };
}

export async function clientFor(config: Configuration, clientId: string): Promise<OauthClient> {
  const oc = await openidClient();
  const client: OauthClient = {
    metadata: { client_id: clientId },
    issuer: { metadata: config.serverMetadata() as IssuerMetadata },
    configuration: config,
    async userinfo(token) {
      const accessToken = typeof token === 'string' ? token : token.access_token;
      if (!accessToken) throw new Error('Auth: userinfo needs an access token.');
      let subject: string | typeof oc.skipSubjectCheck = oc.skipSubjectCheck;
      if (typeof token !== 'string' && token.id_token) subject = String(token.claims().sub);
      return (await oc.fetchUserInfo(config, accessToken, subject)) as UserinfoResponse;
    },
    async refresh(token) {
      const refreshToken = typeof token === 'string' ? token : token.refresh_token;
      if (!refreshToken) throw new Error('Auth: refresh needs a refresh token.');
      return toTokenSet(await oc.refreshTokenGrant(config, refreshToken));
    },
  };
  return client;
}

/** A 400 naming what the provider or the checks said; never a token. */
export function failure(error: unknown): ApiResult {
  const e = error as { error?: string; error_description?: string; code?: string; message?: string };
  return badRequest(
    e.error ?? e.code ?? 'invalid_request',
    e.error_description ?? e.message ?? String(error),
  );
}
