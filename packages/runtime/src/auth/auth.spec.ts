import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { startStandIn, type StandIn } from '../../test/oidc-stand-in';
import { ApiHandler, type ApiGatewayV2Event, type ApiResult, type LambdaContext } from '../api-handler.js';
import {
  Auth,
  AuthHandler,
  FacebookAdapter,
  GithubAdapter,
  GoogleAdapter,
  LinkAdapter,
  OauthAdapter,
  OidcAdapter,
  Session,
  TwitchAdapter,
  useSession,
  type Adapter,
} from '../auth.js';
import { resetBindings, setBindings } from '../testing.js';

declare module '../auth.js' {
  interface SessionTypes {
    user: { userID: string; email?: string };
  }
}

const DOMAIN = 'abc123.execute-api.us-east-1.amazonaws.com';
const pem = () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
  };
};
const keys = pem();
const context = {
  functionName: 'auth',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 1000,
} as LambdaContext;

const saved = { ...process.env };
/** The environment the Auth construct gives its authenticator (or, without `authenticator`, a bound function). */
function bindAuth(
  options: { authenticator?: boolean; keys?: { publicKey: string; privateKey: string } } = {},
): void {
  for (const k of Object.keys(process.env)) if (k.startsWith('SST_')) delete process.env[k];
  const pair = options.keys ?? keys;
  Object.assign(process.env, {
    SST_APP: 'my-app',
    SST_STAGE: 'test',
    SST_Auth_publicKey_auth: pair.publicKey,
  });
  if (options.authenticator !== false) {
    process.env.SST_Auth_privateKey_auth = pair.privateKey;
    process.env.SST_Auth_prefix_auth = '/auth';
  }
  resetBindings();
}
afterAll(() => {
  process.env = saved;
  resetBindings();
});

/** An HTTP API (payload 2.0) request as API Gateway hands it to the authenticator. */
function request(
  method: string,
  target: string,
  options: { cookies?: Record<string, string>; body?: string; headers?: Record<string, string> } = {},
): ApiGatewayV2Event {
  const url = new URL(target, `https://${DOMAIN}`);
  return {
    version: '2.0',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
    cookies: Object.entries(options.cookies ?? {}).map(([k, v]) => `${k}=${v}`),
    headers: { host: DOMAIN, ...(options.headers ?? {}) },
    body: options.body,
    isBase64Encoded: false,
    requestContext: { domainName: DOMAIN, http: { method, path: url.pathname } },
  };
}

/** The cookies a browser keeps from a response: set ones added, Max-Age=0 ones dropped. */
function keep(jar: Record<string, string>, result: ApiResult): Record<string, string> {
  const next = { ...jar };
  for (const cookie of result.cookies ?? []) {
    const [pair, ...attributes] = cookie.split(';').map((s) => s.trim());
    const at = pair.indexOf('=');
    const name = pair.slice(0, at);
    if (attributes.some((a) => a.toLowerCase() === 'max-age=0')) delete next[name];
    else next[name] = pair.slice(at + 1);
  }
  return next;
}

const location = (result: ApiResult) => String(result.headers?.location);

describe('Session', () => {
  beforeEach(() => bindAuth());

  it('creates a token with the private key that verifies with the public key, as { type, properties }', () => {
    const token = Session.create({ type: 'user', properties: { userID: '42' } });
    expect(token.split('.')).toHaveLength(3);
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toMatchObject({
      alg: 'RS512',
    });
    expect(Session.verify(token)).toMatchObject({ type: 'user', properties: { userID: '42' } });
  });

  it('is public for a missing, malformed, tampered, foreign-key or expired token', () => {
    const token = Session.create({ type: 'user', properties: { userID: '42' } });
    const [h, , s] = token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ type: 'user', properties: { userID: '1' } })).toString('base64url')}.${s}`;
    const foreign = pem();
    bindAuth({ keys: foreign });
    const signedElsewhere = Session.create({ type: 'user', properties: { userID: '42' } });
    bindAuth();
    const now = Date.now();
    const expired = Session.create({
      type: 'user',
      properties: { userID: '42' },
      options: { expiresIn: 1000, clockTimestamp: now - 5000 },
    });
    for (const t of ['', 'nonsense', forged, signedElsewhere, expired]) {
      expect(Session.verify(t)).toEqual({ type: 'public', properties: {} });
    }
  });

  it('cookie: a 302 setting auth-token (HttpOnly, Secure, SameSite=None) that expires with the token', () => {
    const result = Session.cookie({
      type: 'user',
      properties: { userID: '42' },
      redirect: 'https://app.example.com/',
      options: { expiresIn: 60 * 60 * 1000 },
    });
    expect(result.statusCode).toBe(302);
    expect(location(result)).toBe('https://app.example.com/');
    const [cookie] = result.cookies!;
    expect(cookie).toMatch(
      /^auth-token=[\w-]+\.[\w-]+\.[\w-]+; HttpOnly; SameSite=None; Secure; Path=\/; Expires=\w{3}, \d\d \w{3} \d{4} /,
    );
    const expires = Date.parse(cookie.split('Expires=')[1]);
    expect(Math.abs(expires - (Date.now() + 3600_000))).toBeLessThan(5000);
  });

  it('parameter: a 302 with ?token=, or &token= when the redirect has a query already', () => {
    const plain = Session.parameter({
      type: 'user',
      properties: { userID: '42' },
      redirect: 'https://app.example.com/cb',
    });
    const token = new URL(location(plain)).searchParams.get('token')!;
    expect(Session.verify(token)).toMatchObject({ properties: { userID: '42' } });
    const withQuery = Session.parameter({
      type: 'user',
      properties: { userID: '42' },
      redirect: 'https://app.example.com/cb?x=1',
    });
    expect(new URL(location(withQuery)).searchParams.get('x')).toBe('1');
    expect(new URL(location(withQuery)).searchParams.get('token')).toBeTruthy();
  });

  it('useSession reads the Bearer header or the auth-token cookie of the request, else is public', async () => {
    const token = Session.create({ type: 'user', properties: { userID: '42' } });
    bindAuth({ authenticator: false });
    const handler = ApiHandler(async () => ({ statusCode: 200, body: JSON.stringify(useSession()) }));
    const read = async (options: Parameters<typeof request>[2]) =>
      JSON.parse((await handler(request('GET', '/me', options), context)).body!);
    expect(await read({ headers: { authorization: `Bearer ${token}` } })).toMatchObject({
      type: 'user',
      properties: { userID: '42' },
    });
    expect(await read({ cookies: { 'auth-token': token } })).toMatchObject({
      type: 'user',
      properties: { userID: '42' },
    });
    expect(await read({})).toEqual({ type: 'public', properties: {} });
    expect(await read({ headers: { authorization: 'Bearer junk' } })).toEqual({
      type: 'public',
      properties: {},
    });
  });

  it('says what is wrong when the keys are not there: not bound, not the authenticator, two Auths', () => {
    bindAuth({ authenticator: false });
    expect(() => Session.create({ type: 'user', properties: { userID: '42' } })).toThrow(
      'Auth.privateKey: only the authenticator of Auth "auth" (the function auth.attach mounts) holds the private key; sessions are created there. Other functions verify them with the public key.',
    );
    for (const k of Object.keys(process.env)) if (k.startsWith('SST_Auth')) delete process.env[k];
    resetBindings();
    expect(() => Session.verify('x.y.z')).toThrow(
      /^Auth.publicKey: no Auth is bound to this code\. Bind it \(bind: \[auth\]\)/,
    );
    bindAuth();
    process.env.SST_Auth_publicKey_other = keys.publicKey;
    resetBindings();
    expect(() => Session.verify('x.y.z')).toThrow(
      'Auth.publicKey: 2 Auths are bound to this code (auth, other); sessions are signed and verified with one key pair. Bind only one Auth to it.',
    );
  });

  it('Auth.<id>.publicKey reads the bound key like every other resource; logging Auth never shows a key', () => {
    expect((Auth as Record<string, { publicKey: string }>).auth.publicKey).toBe(keys.publicKey);
    const shown = JSON.stringify(Auth) + inspect(Auth) + inspect((Auth as Record<string, unknown>).auth);
    expect(shown).not.toContain('BEGIN');
    expect(shown).toContain('"prefix":"/auth"');
  });
});

describe('AuthHandler', () => {
  beforeEach(() => bindAuth());
  const noop: Adapter = async () => ({ statusCode: 204 });

  it('lists the providers at GET {prefix}, runs one under {prefix}/{name}/…, 404 for another', async () => {
    const handler = AuthHandler({ providers: { link: noop, google: noop } });
    const list = await handler(request('GET', '/auth'), context);
    expect(JSON.parse(list.body!)).toEqual({
      link: `https://${DOMAIN}/auth/link/authorize`,
      google: `https://${DOMAIN}/auth/google/authorize`,
    });
    expect((await handler(request('GET', '/auth/link/authorize'), context)).statusCode).toBe(204);
    const missing = await handler(request('GET', '/auth/nope/authorize'), context);
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body!).error_description).toBe(
      'Auth: no provider "nope"; the providers are link, google.',
    );
    expect((await handler(request('GET', '/auth/toString/authorize'), context)).statusCode).toBe(404);
  });
});

describe('LinkAdapter', () => {
  beforeEach(() => bindAuth());

  function linkHandler(sent: string[], options: { expiresInMs?: number } = {}) {
    return AuthHandler({
      providers: {
        link: LinkAdapter({
          ...options,
          onLink: async (link) => {
            sent.push(link);
            return { statusCode: 200, body: 'sent' };
          },
          onSuccess: async (claims) =>
            Session.parameter({
              type: 'user',
              properties: { userID: String(claims.email) },
              redirect: 'https://app.example.com/',
            }),
          onError: async () => ({ statusCode: 401, body: 'bad link' }),
        }),
      },
    });
  }

  it('signs the query into a link to the callback; opening it creates the session', async () => {
    const sent: string[] = [];
    const handler = linkHandler(sent);
    expect(
      (await handler(request('GET', '/auth/link/authorize?email=ada@example.com'), context)).statusCode,
    ).toBe(200);
    expect(sent).toHaveLength(1);
    const link = new URL(sent[0]);
    expect(`${link.origin}${link.pathname}`).toBe(`https://${DOMAIN}/auth/link/callback`);
    const done = await handler(request('GET', `${link.pathname}${link.search}`), context);
    expect(done.statusCode).toBe(302);
    const token = new URL(location(done)).searchParams.get('token')!;
    bindAuth({ authenticator: false });
    expect(Session.verify(token)).toMatchObject({ type: 'user', properties: { userID: 'ada@example.com' } });
  });

  it('calls onError for a tampered, missing or expired token', async () => {
    jest.useFakeTimers({ now: Date.now() });
    try {
      const sent: string[] = [];
      const handler = linkHandler(sent, { expiresInMs: 60_000 });
      await handler(request('GET', '/auth/link/authorize?email=ada@example.com'), context);
      const link = new URL(sent[0]);
      const token = link.searchParams.get('token')!;
      const [h, p, s] = token.split('.');
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, email: 'eve@example.com' })).toString('base64url')}.${s}`;
      expect(
        (await handler(request('GET', `/auth/link/callback?token=${tampered}`), context)).statusCode,
      ).toBe(401);
      expect((await handler(request('GET', '/auth/link/callback'), context)).statusCode).toBe(401);
      jest.advanceTimersByTime(61_000);
      expect((await handler(request('GET', `/auth/link/callback?token=${token}`), context)).statusCode).toBe(
        401,
      );
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('OAuth and OIDC against a local provider', () => {
  let provider: StandIn;
  beforeAll(async () => {
    provider = await startStandIn();
  });
  afterAll(() => provider.close());
  beforeEach(() => bindAuth());

  /** What the browser does with the provider's answer to the authorize redirect. */
  async function visit(url: string): Promise<Response> {
    return fetch(url, { redirect: 'manual' });
  }

  it('OIDC: authorize → provider → form_post callback → verified ID token → session cookie → useSession', async () => {
    const seen: Record<string, unknown>[] = [];
    const handler = AuthHandler({
      providers: {
        oidc: OidcAdapter({
          issuer: provider.issuer, // discovered from /.well-known/openid-configuration
          clientID: provider.clientId,
          scope: 'openid email',
          onSuccess: async (tokenset) => {
            seen.push(tokenset.claims());
            return Session.cookie({
              type: 'user',
              properties: { userID: String(tokenset.claims().sub) },
              redirect: 'https://app.example.com/',
            });
          },
        }),
      },
    });
    const start = await handler(request('GET', '/auth/oidc/authorize'), context);
    expect(start.statusCode).toBe(302);
    const authorize = new URL(location(start));
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${provider.issuer}/authorize`);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: provider.clientId,
      response_type: 'id_token',
      response_mode: 'form_post',
      scope: 'openid email',
      redirect_uri: `https://${DOMAIN}/auth/oidc/callback`,
    });
    let jar = keep({}, start);
    expect(Object.keys(jar).sort()).toEqual(['auth-nonce', 'auth-state']);

    const page = await (await visit(authorize.href)).text();
    const fields = Object.fromEntries(
      [...page.matchAll(/name="(\w+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    expect(page).toContain(`action="https://${DOMAIN}/auth/oidc/callback"`);

    const done = await handler(
      request('POST', '/auth/oidc/callback', { cookies: jar, body: new URLSearchParams(fields).toString() }),
      context,
    );
    expect(done.statusCode).toBe(302);
    expect(seen).toEqual([
      expect.objectContaining({
        iss: provider.issuer,
        aud: provider.clientId,
        sub: 'user-42',
        email: 'ada@example.com',
      }),
    ]);
    jar = keep(jar, done);
    expect(Object.keys(jar)).toEqual(['auth-token']);

    bindAuth({ authenticator: false });
    const api = ApiHandler(async () => ({ statusCode: 200, body: JSON.stringify(useSession()) }));
    const me = await api(request('GET', '/me', { cookies: jar }), context);
    expect(JSON.parse(me.body!)).toMatchObject({ type: 'user', properties: { userID: 'user-42' } });
  });

  it('OIDC: refuses an ID token signed by another key, a wrong state, a wrong nonce, missing cookies', async () => {
    const onSuccess = jest.fn(async () => ({ statusCode: 200 }));
    const handler = AuthHandler({
      providers: {
        oidc: OidcAdapter({
          issuer: provider.issuer,
          clientID: provider.clientId,
          scope: 'openid',
          onSuccess,
        }),
      },
    });
    const start = await handler(request('GET', '/auth/oidc/authorize'), context);
    const jar = keep({}, start);
    const nonce = decodeURIComponent(jar['auth-nonce']);
    const state = decodeURIComponent(jar['auth-state']);
    const post = (fields: Record<string, string>, cookies = jar) =>
      handler(
        request('POST', '/auth/oidc/callback', { cookies, body: new URLSearchParams(fields).toString() }),
        context,
      );
    const claims = { aud: provider.clientId, sub: 'user-42', nonce };
    const cases = [
      await post({ id_token: provider.idToken(claims, { foreignKey: true }), state }),
      await post({ id_token: provider.idToken(claims), state: 'other' }),
      await post({ id_token: provider.idToken({ ...claims, nonce: 'other' }), state }),
      await post({ id_token: provider.idToken({ ...claims, aud: 'someone-else' }), state }),
      await post({ id_token: provider.idToken(claims), state }, {}),
    ];
    expect(cases.map((c) => c.statusCode)).toEqual([400, 400, 400, 400, 400]);
    expect(onSuccess).not.toHaveBeenCalled();
    // The right one still goes through.
    expect((await post({ id_token: provider.idToken(claims), state })).statusCode).toBe(200);
  });

  it('OAuth: authorize (PKCE, state) → provider → code callback → tokens, ID token claims and userinfo', async () => {
    const seen: unknown[] = [];
    const handler = AuthHandler({
      providers: {
        oauth: OauthAdapter({
          // Metadata given directly, as SST v2 took an Issuer
          issuer: {
            issuer: provider.issuer,
            authorization_endpoint: `${provider.issuer}/authorize`,
            token_endpoint: `${provider.issuer}/token`,
            userinfo_endpoint: `${provider.issuer}/userinfo`,
            jwks_uri: `${provider.issuer}/jwks`,
          },
          clientID: provider.clientId,
          clientSecret: provider.clientSecret,
          scope: 'openid email',
          onSuccess: async (tokenset, client) => {
            seen.push(
              tokenset.claims().sub,
              await client.userinfo(tokenset),
              tokenset.expired(),
              typeof tokenset.access_token,
            );
            return Session.parameter({
              type: 'user',
              properties: { userID: String(tokenset.claims().sub) },
              redirect: 'https://app.example.com/',
            });
          },
        }),
      },
    });
    const start = await handler(request('GET', '/auth/oauth/authorize'), context);
    const authorize = new URL(location(start));
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      code_challenge_method: 'S256',
      redirect_uri: `https://${DOMAIN}/auth/oauth/callback`,
    });
    const jar = keep({}, start);
    const back = await visit(authorize.href);
    expect(back.status).toBe(302);
    const callback = new URL(back.headers.get('location')!);
    expect(callback.pathname).toBe('/auth/oauth/callback');
    const done = await handler(
      request('GET', `${callback.pathname}${callback.search}`, { cookies: jar }),
      context,
    );
    expect(done.statusCode).toBe(302);
    expect(seen).toEqual([
      'user-42',
      { sub: 'user-42', email: 'ada@example.com', name: 'Ada' },
      false,
      'string',
    ]);
    const token = new URL(location(done)).searchParams.get('token')!;
    expect(Session.verify(token)).toMatchObject({ properties: { userID: 'user-42' } });
    // The client authenticated with its secret and proved the PKCE verifier.
    expect(provider.requests.filter((r) => r.path === '/token').slice(-1)[0].params).toMatchObject({
      grant_type: 'authorization_code',
      client_secret: provider.clientSecret,
      code_verifier: expect.any(String),
    });
  });

  it('OAuth: a provider error, a replayed code or a wrong state reach onError / a 400, never onSuccess', async () => {
    const onSuccess = jest.fn(async () => ({ statusCode: 200 }));
    const onError = jest.fn(async (e: Error) => ({ statusCode: 401, body: e.message }));
    const handler = AuthHandler({
      providers: {
        oauth: OauthAdapter({
          issuer: provider.issuer,
          clientID: provider.clientId,
          clientSecret: provider.clientSecret,
          scope: 'email',
          onSuccess,
          onError,
        }),
      },
    });
    const start = await handler(request('GET', '/auth/oauth/authorize'), context);
    const jar = keep({}, start);
    const callback = new URL((await visit(location(start))).headers.get('location')!);
    const declined = await handler(
      request(
        'GET',
        `/auth/oauth/callback?error=access_denied&state=${encodeURIComponent(decodeURIComponent(jar['auth-state']))}`,
        { cookies: jar },
      ),
      context,
    );
    expect(declined.statusCode).toBe(401);
    const wrongState = new URL(callback.href);
    wrongState.searchParams.set('state', 'other');
    expect(
      (await handler(request('GET', `${wrongState.pathname}${wrongState.search}`, { cookies: jar }), context))
        .statusCode,
    ).toBe(401);
    expect(
      (await handler(request('GET', `${callback.pathname}${callback.search}`, { cookies: jar }), context))
        .statusCode,
    ).toBe(200);
    // The code was used once.
    expect(
      (await handler(request('GET', `${callback.pathname}${callback.search}`, { cookies: jar }), context))
        .statusCode,
    ).toBe(401);
    expect(onSuccess).toHaveBeenCalledTimes(1);
  });
});

describe('provider adapters', () => {
  beforeEach(() => bindAuth());
  const onSuccess = async () => ({ statusCode: 200 });
  const authorizeAt = async (adapter: Adapter) => {
    const result = await AuthHandler({ providers: { p: adapter } })(
      request('GET', '/auth/p/authorize'),
      context,
    );
    return new URL(location(result));
  };

  it('send users to the provider with what SST v2 asked for', async () => {
    const google = await authorizeAt(GoogleAdapter({ mode: 'oidc', clientID: 'g', onSuccess }));
    expect(`${google.origin}${google.pathname}`).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    expect(google.searchParams.get('scope')).toBe('openid email profile');
    expect(google.searchParams.get('response_mode')).toBe('form_post');
    const googleOauth = await authorizeAt(
      GoogleAdapter({ mode: 'oauth', clientID: 'g', clientSecret: 's', scope: 'email', onSuccess }),
    );
    expect(googleOauth.searchParams.get('response_type')).toBe('code');
    const github = await authorizeAt(
      GithubAdapter({ clientID: 'gh', clientSecret: 's', scope: 'user:email', onSuccess }),
    );
    expect(`${github.origin}${github.pathname}`).toBe('https://github.com/login/oauth/authorize');
    expect(github.searchParams.get('client_id')).toBe('gh');
    const facebook = await authorizeAt(
      FacebookAdapter({ clientID: 'fb', clientSecret: 's', scope: 'email', onSuccess }),
    );
    expect(`${facebook.origin}${facebook.pathname}`).toBe('https://facebook.com/dialog/oauth/');
    const twitch = await authorizeAt(TwitchAdapter({ clientID: 't', onSuccess }));
    expect(`${twitch.origin}${twitch.pathname}`).toBe('https://id.twitch.tv/oauth2/authorize');
    expect(twitch.searchParams.get('scope')).toBe('openid');
  });

  it('GithubAdapter without a client secret says why', () => {
    expect(() => GithubAdapter({ clientID: 'gh', scope: 'user', onSuccess } as never)).toThrow(
      /^GithubAdapter: needs clientSecret/,
    );
  });
});

describe('setBindings', () => {
  afterEach(() => resetBindings());

  it('binds an Auth in unit tests; its keys are never printed', () => {
    setBindings({
      Auth: { auth: { publicKey: keys.publicKey, privateKey: keys.privateKey, prefix: '/auth' } },
    });
    const token = Session.create({ type: 'user', properties: { userID: '42' } });
    expect(Session.verify(token)).toMatchObject({ properties: { userID: '42' } });
    const shown = JSON.stringify(Auth) + inspect(Auth) + inspect((Auth as Record<string, unknown>).auth);
    expect(shown).not.toContain('BEGIN');
    expect(shown).toContain('[secret]');
  });
});
