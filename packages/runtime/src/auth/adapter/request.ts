import { useDomainName, usePath, type ApiResult } from '../../api-handler.js';

/** Hosts served over plain HTTP: the local cloud, `nx-sst bind` runs and test stand-ins. */
export function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return (
    name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name) || name.endsWith('.localhost')
  );
}

/** `https://{domain}` of this request; `http://` on the loopback. */
export function origin(): string {
  const domain = useDomainName();
  if (!domain)
    throw new Error(
      'Auth: the request has no domain name (requestContext.domainName), so no callback URL can be built.',
    );
  return `${isLoopback(domain) ? 'http' : 'https'}://${domain}`;
}

/** The step of the flow: the last path segment (`authorize`, `connect`, `callback`). */
export function step(): string | undefined {
  return usePath().slice(-1)[0];
}

/** The provider's callback URL: this request's path with its last segment replaced by `callback`. */
export function callbackUrl(): string {
  return [origin(), ...usePath().slice(0, -1), 'callback'].join('/');
}

const FLOW_COOKIE_SECONDS = 10 * 60;

/** A short-lived cookie holding a value of the flow (state, nonce, PKCE verifier) until the callback. */
export function flowCookie(name: string, value: string): string {
  return `${name}=${encodeURIComponent(value)}; HttpOnly; Secure; SameSite=None; Path=/; Max-Age=${FLOW_COOKIE_SECONDS}`;
}

/** Adds the expiry of the flow cookies to what the callback answers, so they do not outlive the flow. */
export function clearingFlowCookies(result: ApiResult, names: string[]): ApiResult {
  const cleared = names.map((n) => `${n}=; HttpOnly; Secure; SameSite=None; Path=/; Max-Age=0`);
  return { ...result, cookies: [...cleared, ...(result.cookies ?? [])] };
}

export function badRequest(error: string, description: string): ApiResult {
  return {
    statusCode: 400,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error, error_description: description }),
  };
}

export function invalidStep(): ApiResult {
  return badRequest(
    'invalid_request',
    `Auth: unknown step "${step() ?? ''}"; the routes are {prefix}/{provider}/authorize and {prefix}/{provider}/callback.`,
  );
}
