import { createDecoder, createSigner, createVerifier } from 'fast-jwt';
import { useCookie, useEvent, useHeader, type ApiEvent, type ApiResult } from '../api-handler.js';
import type { SessionTypes } from '../auth.js';
import { getPrivateKey, getPublicKey } from './keys.js';

// RS512 as SST v2 signs, so tokens and keys carry over between the two.
const ALGORITHM = 'RS512';
const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** A session: one of your `SessionTypes`, or `{ type: "public", properties: {} }` when there is none. */
export type SessionValue = {
  [T in keyof SessionTypes]: { type: T; properties: SessionTypes[T] };
}[keyof SessionTypes];

/**
 * How a session token is signed: fast-jwt's signer options, which SST v2 took (the algorithm is RS512, fixed).
 * Declared here so the types name nothing of fast-jwt.
 */
export interface SessionOptions {
  /** Lifetime in milliseconds, or a duration such as `"7d"`. @default no expiry (as SST v2) */
  expiresIn?: number | string;
  /** Not valid before this many milliseconds from now. */
  notBefore?: number;
  jti?: string;
  aud?: string | string[];
  iss?: string;
  sub?: string;
  nonce?: string;
  kid?: string;
  /** Leave out `iat`. */
  noTimestamp?: boolean;
  /** The time to sign at, in milliseconds since the epoch. @default now */
  clockTimestamp?: number;
}

const PUBLIC = { type: 'public', properties: {} } as const;

const verifiers = new Map<string, (token: string) => unknown>();
function verifier(publicKey: string): (token: string) => unknown {
  let verify = verifiers.get(publicKey);
  if (!verify) {
    verify = createVerifier({ algorithms: [ALGORITHM], key: publicKey });
    verifiers.set(publicKey, verify);
  }
  return verify;
}
const decode = createDecoder();

/**
 * A signed session token (a JWT, RS512) for `{ type, properties }`, signed with the Auth's private key:
 * only the authenticator can create sessions.
 */
function create<T extends keyof SessionTypes>(input: {
  type: T;
  properties: SessionTypes[T];
  options?: SessionOptions;
}): string {
  const sign = createSigner({ ...input.options, key: getPrivateKey(), algorithm: ALGORITHM });
  return sign({ type: input.type, properties: input.properties });
}

/**
 * The session a token holds, when its signature (with the bound Auth's public key) and expiry check out;
 * otherwise the public session, as in SST v2.
 */
function verify<T = SessionValue>(token: string): T {
  if (token) {
    try {
      return verifier(getPublicKey())(token) as T;
    } catch (error) {
      // A bad token is a public session, but a key that cannot be read is the deployment's problem.
      if ((error as { code?: string }).code?.startsWith('FAST_JWT_') !== true) throw error;
    }
  }
  return PUBLIC as unknown as T;
}

/** A 302 to `redirect` that sets the session as the `auth-token` cookie (HttpOnly, Secure, SameSite=None). */
function cookie<T extends keyof SessionTypes>(input: {
  type: T;
  properties: SessionTypes[T];
  redirect: string;
  options?: SessionOptions;
}): ApiResult {
  const token = create(input);
  const { exp } = (decode(token) ?? {}) as { exp?: number };
  const expires = new Date(typeof exp === 'number' ? exp * 1000 : Date.now() + WEEK_MS);
  return {
    statusCode: 302,
    headers: { location: input.redirect },
    cookies: [
      `auth-token=${token}; HttpOnly; SameSite=None; Secure; Path=/; Expires=${expires.toUTCString()}`,
    ],
  };
}

/** A 302 to `redirect` with the session token as its `token` query parameter. */
function parameter<T extends keyof SessionTypes>(input: {
  type: T;
  properties: SessionTypes[T];
  redirect: string;
  options?: SessionOptions;
}): ApiResult {
  const token = create(input);
  const separator = input.redirect.includes('?') ? '&' : '?';
  return { statusCode: 302, headers: { location: `${input.redirect}${separator}token=${token}` } };
}

export const Session = { create, verify, cookie, parameter };

const sessions = new WeakMap<ApiEvent, unknown>();

/**
 * The session of the request this ApiHandler runs for: from `Authorization: Bearer <token>`, else the
 * `auth-token` cookie; the public session when neither holds a valid one. Verified once per request.
 */
export function useSession<T = SessionValue>(): T {
  const event = useEvent();
  if (sessions.has(event)) return sessions.get(event) as T;
  let token = '';
  const header = useHeader('authorization');
  if (header && /^bearer /i.test(header)) token = header.slice(7).trim();
  const fromCookie = useCookie('auth-token');
  if (fromCookie) token = fromCookie;
  const session = token ? verify<T>(token) : (PUBLIC as unknown as T);
  sessions.set(event, session);
  return session;
}
