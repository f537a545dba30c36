import { createSigner, createVerifier } from 'fast-jwt';
import { useQueryParam, useQueryParams, type ApiResult } from '../../api-handler.js';
import { getPrivateKey, getPublicKey } from '../keys.js';
import { createAdapter } from './adapter.js';
import { callbackUrl, invalidStep, step } from './request.js';

export interface LinkConfig {
  /** Sends the sign-in link (by mail, SMS…); `claims` are the query parameters of the authorize request. */
  // `any` as in SST v2, so `{ S: claims.email }` written for it compiles unchanged.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  onLink: (link: string, claims: Record<string, any>) => Promise<ApiResult>;
  /** The link was opened before it expired: `claims` are what was signed into it. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  onSuccess: (claims: Record<string, any>) => Promise<ApiResult>;
  /** The link was tampered with or has expired. */
  onError: () => Promise<ApiResult>;
  /** @default 10 minutes */
  expiresInMs?: number;
}

/**
 * Magic links, as SST v2's LinkAdapter: `{prefix}/{provider}/authorize?email=…` signs the query parameters
 * into a link to `{prefix}/{provider}/callback?token=…` and hands it to `onLink`; opening it calls
 * `onSuccess` with those claims.
 */
export const LinkAdapter = /* @__PURE__ */ createAdapter((config: LinkConfig) => {
  return async function () {
    const current = step();
    if (current === 'authorize' || current === 'connect') {
      const claims = { ...useQueryParams() };
      const sign = createSigner({
        expiresIn: config.expiresInMs || 10 * 60 * 1000,
        key: getPrivateKey(),
        algorithm: 'RS512',
      });
      const url = new URL(callbackUrl());
      url.searchParams.append('token', sign(claims));
      return config.onLink(url.toString(), claims);
    }
    if (current === 'callback') {
      const token = useQueryParam('token');
      if (!token) return config.onError();
      let claims: Record<string, unknown>;
      try {
        claims = createVerifier({ algorithms: ['RS512'], key: getPublicKey() })(token) as Record<
          string,
          unknown
        >;
      } catch (error) {
        if ((error as { code?: string }).code?.startsWith('FAST_JWT_') !== true) throw error;
        return config.onError();
      }
      return config.onSuccess(claims);
    }
    return invalidStep();
  };
});
