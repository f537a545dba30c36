import { ApiHandler, usePath, type ApiEvent, type ApiResult, type LambdaContext } from '../api-handler.js';
import { load } from '../core/index.js';
import type { Adapter } from './adapter/adapter.js';
import { origin } from './adapter/request.js';
import { getPrefix } from './keys.js';

/**
 * The authenticator's Lambda handler, as SST v2's AuthHandler: `GET {prefix}` lists each provider's
 * authorize URL; `{prefix}/{provider}/authorize` and `…/callback` run that provider's adapter.
 *
 * ```ts
 * export const handler = AuthHandler({
 *   providers: { google: GoogleAdapter({ mode: 'oidc', clientID: '…', onSuccess: async (tokens) => Session.parameter({ … }) }) },
 * });
 * ```
 */
export function AuthHandler<Providers extends Record<string, Adapter>>(config: {
  providers: Providers;
}): (event: ApiEvent, context: LambdaContext) => Promise<ApiResult> {
  const handle = ApiHandler<ApiEvent>(async () => {
    const prefix = getPrefix().split('/').filter(Boolean);
    const path = usePath();
    if (path.join('/') === prefix.join('/')) {
      const base = [origin(), ...path].join('/');
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(
          Object.fromEntries(
            Object.keys(config.providers).map((name) => [name, `${base}/${name}/authorize`]),
          ),
          null,
          2,
        ),
      };
    }
    const [name] = path.slice(-2);
    const provider = Object.prototype.hasOwnProperty.call(config.providers, name)
      ? config.providers[name]
      : undefined;
    if (!provider || path.length < 2) {
      return {
        statusCode: 404,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          error: 'not_found',
          error_description: `Auth: no provider "${name ?? ''}"; the providers are ${Object.keys(config.providers).join(', ') || 'none'}.`,
        }),
      };
    }
    return provider();
  });
  return async (event, context) => {
    // The keys are placeholders until read from SSM; a CommonJS handler has not loaded them yet.
    await load();
    return handle(event, context);
  };
}
