// A local OpenID Connect / OAuth 2.0 provider for the auth specs: discovery, an authorization endpoint that
// signs the user in at once, a token endpoint (authorization code with PKCE and a client secret), userinfo
// and a JWKS. It checks what a real provider checks, so a flow that passes here sends what one expects.
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSigner } from 'fast-jwt';

export interface StandInUser {
  sub: string;
  email: string;
  name: string;
}

export interface StandIn {
  issuer: string;
  clientId: string;
  clientSecret: string;
  user: StandInUser;
  /** Every request the provider got, in order (path and parameters). */
  requests: { path: string; params: Record<string, string> }[];
  /** Signs an ID token with the provider's key (or another one), for tampering cases. */
  idToken(claims: Record<string, unknown>, options?: { foreignKey?: boolean }): string;
  close(): Promise<void>;
}

interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge?: string;
  scope: string;
  nonce?: string;
}

export async function startStandIn(
  options: { clientId?: string; clientSecret?: string } = {},
): Promise<StandIn> {
  const clientId = options.clientId ?? 'stand-in-client';
  const clientSecret = options.clientSecret ?? randomBytes(16).toString('hex');
  const user: StandInUser = { sub: 'user-42', email: 'ada@example.com', name: 'Ada' };
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'stand-in-1';
  const codes = new Map<string, PendingCode>();
  const accessTokens = new Map<string, StandInUser>();
  const requests: StandIn['requests'] = [];
  let issuer = '';

  const sign = (claims: Record<string, unknown>, foreignKey = false): string =>
    createSigner({
      key: (foreignKey ? foreign : keys).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      algorithm: 'RS256',
      kid,
      expiresIn: 5 * 60 * 1000,
    })({ iss: issuer, ...claims });

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((error) =>
      send(res, 500, { error: 'server_error', error_description: String(error) }),
    );
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer);
    const body = await readBody(req);
    const params = Object.fromEntries(
      req.method === 'POST' ? new URLSearchParams(body) : url.searchParams,
    ) as Record<string, string>;
    requests.push({ path: url.pathname, params });
    switch (url.pathname) {
      case '/.well-known/openid-configuration':
        return send(res, 200, {
          issuer,
          authorization_endpoint: `${issuer}/authorize`,
          token_endpoint: `${issuer}/token`,
          userinfo_endpoint: `${issuer}/userinfo`,
          jwks_uri: `${issuer}/jwks`,
          response_types_supported: ['code', 'id_token'],
          response_modes_supported: ['query', 'form_post'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
        });
      case '/jwks':
        return send(res, 200, {
          keys: [{ ...keys.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }],
        });
      case '/authorize': {
        if (params.client_id !== clientId) return send(res, 400, { error: 'unauthorized_client' });
        if (!params.redirect_uri || !params.state) return send(res, 400, { error: 'invalid_request' });
        if (params.response_type === 'code') {
          if (params.code_challenge_method !== 'S256' || !params.code_challenge)
            return redirect(res, params.redirect_uri, { error: 'invalid_request', state: params.state });
          const code = randomBytes(12).toString('hex');
          codes.set(code, {
            clientId,
            redirectUri: params.redirect_uri,
            challenge: params.code_challenge,
            scope: params.scope ?? '',
            nonce: params.nonce,
          });
          return redirect(res, params.redirect_uri, { code, state: params.state });
        }
        if (params.response_type === 'id_token' && params.response_mode === 'form_post') {
          if (!params.nonce || !(params.scope ?? '').split(' ').includes('openid'))
            return send(res, 400, { error: 'invalid_request' });
          const token = sign({
            aud: clientId,
            sub: user.sub,
            email: user.email,
            name: user.name,
            nonce: params.nonce,
          });
          return sendForm(res, params.redirect_uri, { id_token: token, state: params.state });
        }
        return send(res, 400, { error: 'unsupported_response_type' });
      }
      case '/token': {
        const auth = req.headers.authorization?.startsWith('Basic ')
          ? Buffer.from(req.headers.authorization.slice(6), 'base64')
              .toString()
              .split(':')
              .map(decodeURIComponent)
          : [params.client_id, params.client_secret];
        if (auth[0] !== clientId || auth[1] !== clientSecret)
          return send(res, 401, { error: 'invalid_client' });
        if (params.grant_type !== 'authorization_code')
          return send(res, 400, { error: 'unsupported_grant_type' });
        const pending = codes.get(params.code);
        codes.delete(params.code);
        if (!pending || pending.redirectUri !== params.redirect_uri)
          return send(res, 400, { error: 'invalid_grant' });
        const challenge = createHash('sha256')
          .update(params.code_verifier ?? '')
          .digest('base64url');
        if (challenge !== pending.challenge)
          return send(res, 400, { error: 'invalid_grant', error_description: 'PKCE' });
        const accessToken = randomBytes(16).toString('hex');
        accessTokens.set(accessToken, user);
        return send(res, 200, {
          access_token: accessToken,
          token_type: 'Bearer',
          expires_in: 3600,
          scope: pending.scope,
          ...(pending.scope.split(' ').includes('openid')
            ? {
                id_token: sign({
                  aud: clientId,
                  sub: user.sub,
                  email: user.email,
                  ...(pending.nonce ? { nonce: pending.nonce } : {}),
                }),
              }
            : {}),
        });
      }
      case '/userinfo': {
        const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
        const who = accessTokens.get(token);
        if (!who) return send(res, 401, { error: 'invalid_token' });
        return send(res, 200, { ...who });
      }
      default:
        return send(res, 404, { error: 'not_found' });
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    clientId,
    clientSecret,
    user,
    requests,
    idToken: (claims, opts) => sign(claims, opts?.foreignKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => resolve(text));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function redirect(res: ServerResponse, to: string, params: Record<string, string>): void {
  const url = new URL(to);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  res.writeHead(302, { location: url.href });
  res.end();
}

/** The auto-submitting form a provider answers `response_mode=form_post` with. */
function sendForm(res: ServerResponse, action: string, fields: Record<string, string>): void {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${k}" value="${v}"/>`)
    .join('');
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end(
    `<html><body onload="document.forms[0].submit()"><form method="post" action="${action}">${inputs}</form></body></html>`,
  );
}
