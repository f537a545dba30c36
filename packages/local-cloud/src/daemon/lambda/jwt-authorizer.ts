/*
 * An HTTP API's JWT authorizer, as API Gateway runs it: the token from the identity source, its
 * signature against the issuer's keys (found through the issuer's OpenID discovery document), `iss`,
 * `exp`/`nbf`, the audience (`aud`, or `client_id` for access tokens without one), and the route's
 * scopes. jose does the JOSE work; it is an ES module, loaded on the first JWT route.
 */
import type { HttpAnswer } from './http-routes';

export interface JwtAuthorizer {
  identitySource?: string[] | null;
  jwtConfiguration?: { issuer?: string; audience?: string[] } | null;
}

export type JwtOutcome =
  { ok: true; claims: Record<string, string>; scopes: string[] | null } | { ok: false; answer: HttpAnswer };

type Jose = typeof import('jose', { with: { 'resolution-mode': 'import' } });
let jose: Promise<Jose> | undefined;
const keySets = new Map<string, Promise<ReturnType<Jose['createRemoteJWKSet']>>>();

const answer = (status: number, message: string, extra: Record<string, string> = {}): JwtOutcome => ({
  ok: false,
  answer: {
    status,
    headers: { 'content-type': 'application/json', ...extra },
    cookies: [],
    body: Buffer.from(JSON.stringify({ message })),
  },
});

/** The token the identity source names: `$request.header.NAME` or `$request.querystring.NAME`. */
export function identityOf(
  sources: string[] | null | undefined,
  headers: Record<string, string>,
  rawQueryString: string,
  options: { raw?: boolean } = {},
): string | undefined {
  const source = sources?.[0] ?? '$request.header.Authorization';
  const header = /^\$request\.header\.(.+)$/.exec(source);
  const query = /^\$request\.querystring\.(.+)$/.exec(source);
  const value = header
    ? headers[header[1].toLowerCase()]
    : query
      ? (new URLSearchParams(rawQueryString).get(query[1]) ?? undefined)
      : undefined;
  if (!value) return undefined;
  if (options.raw) return value;
  // API Gateway accepts the token with or without the Bearer prefix.
  return value.replace(/^Bearer\s+/i, '').trim() || undefined;
}

async function keySetOf(issuer: string): Promise<ReturnType<Jose['createRemoteJWKSet']>> {
  let known = keySets.get(issuer);
  if (!known) {
    known = (async () => {
      const { createRemoteJWKSet } = await (jose ??= import('jose'));
      const discovery = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const res = await fetch(discovery);
      if (!res.ok) throw new Error(`${discovery} answered HTTP ${res.status}`);
      const { jwks_uri } = (await res.json()) as { jwks_uri?: string };
      if (!jwks_uri) throw new Error(`${discovery} names no jwks_uri`);
      return createRemoteJWKSet(new URL(jwks_uri));
    })();
    keySets.set(issuer, known);
    // A failed discovery is tried again by the next request.
    known.catch(() => keySets.delete(issuer));
  }
  return known;
}

/**
 * Runs the authorizer for one request. `log` hears why a token was refused (the client, as on AWS,
 * gets only `401 Unauthorized` or `403 Forbidden`).
 */
export async function authorizeJwt(
  authorizer: JwtAuthorizer,
  routeScopes: string[] | null | undefined,
  headers: Record<string, string>,
  rawQueryString: string,
  log: (line: string) => void,
): Promise<JwtOutcome> {
  const token = identityOf(authorizer.identitySource, headers, rawQueryString);
  if (!token) return answer(401, 'Unauthorized');
  const issuer = authorizer.jwtConfiguration?.issuer;
  const audience = authorizer.jwtConfiguration?.audience ?? [];
  if (!issuer) {
    log('JWT authorizer without an issuer: every request is refused');
    return answer(401, 'Unauthorized');
  }
  let payload: Record<string, unknown>;
  try {
    const { jwtVerify } = await (jose ??= import('jose'));
    ({ payload } = await jwtVerify(token, await keySetOf(issuer), { issuer }));
  } catch (e) {
    log(`JWT refused (issuer ${issuer}): ${(e as Error).message}`);
    return answer(401, 'Unauthorized', {
      'www-authenticate': `Bearer error="invalid_token" error_description="the token could not be verified"`,
    });
  }
  const auds = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  const clientId = typeof payload.client_id === 'string' ? payload.client_id : undefined;
  const audienceOk =
    auds.length > 0
      ? auds.some((a) => audience.includes(String(a)))
      : !!clientId && audience.includes(clientId);
  if (!audienceOk) {
    log(`JWT refused (issuer ${issuer}): its audience is not one of ${JSON.stringify(audience)}`);
    return answer(401, 'Unauthorized', {
      'www-authenticate': `Bearer error="invalid_token" error_description="the token has an unexpected audience"`,
    });
  }
  const granted =
    typeof payload.scope === 'string'
      ? payload.scope.split(' ').filter(Boolean)
      : Array.isArray(payload.scp)
        ? payload.scp.map(String)
        : null;
  if (routeScopes && routeScopes.length > 0 && !routeScopes.some((s) => granted?.includes(s))) {
    return answer(403, 'Forbidden');
  }
  const claims = Object.fromEntries(
    Object.entries(payload).map(([k, v]) => [
      k,
      typeof v === 'string' ? v : Array.isArray(v) ? `[${v.join(' ')}]` : JSON.stringify(v),
    ]),
  );
  return { ok: true, claims, scopes: granted };
}
