import { createHash, createHmac, randomBytes, timingSafeEqual, type BinaryLike } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { awsError, type ErrorAnswer } from './aws-errors';
import type { WireResponse } from './moto-client';
import type { Protocol, RequestInfo } from './request-info';

/*
 * Who may use the local cloud: whoever holds credentials it issued. The front answers only Host
 * values of the loopback (no DNS rebinding) and checks the SigV4 signature of every request that is
 * not an anonymous S3 request against the keys in this ring: the workspace's own random keys (kept
 * in the 0600 state directory) and the session and user keys its STS and IAM handed out. A web page
 * or another user of the machine has none of them, so they get AWS's authentication errors.
 */

export interface IssuedKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** Session keys are valid only with their token. */
  sessionToken?: string;
  /** Epoch milliseconds after which a session key is expired. */
  expiresAt?: number;
}

/** A new random key pair in AWS's shape, for one workspace. */
export function randomKeys(): { accessKeyId: string; secretAccessKey: string } {
  const base32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const id = [...randomBytes(16)].map((b) => base32[b % 32]).join('');
  return { accessKeyId: `AKIA${id}`, secretAccessKey: randomBytes(30).toString('base64') };
}

const STS_ISSUING = new Set([
  'AssumeRole',
  'AssumeRoleWithWebIdentity',
  'AssumeRoleWithSAML',
  'GetSessionToken',
  'GetFederationToken',
]);

const xmlField = (text: string, tag: string) => {
  const value = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)?.[1];
  return value?.replace(
    /&(lt|gt|quot|apos|amp);/g,
    (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e]!,
  );
};

/** The keys the local cloud issued and accepts. */
export class KeyRing {
  private readonly keys = new Map<string, IssuedKey>();

  add(key: IssuedKey): void {
    this.keys.set(key.accessKeyId, key);
  }

  get(accessKeyId: string): IssuedKey | undefined {
    return this.keys.get(accessKeyId);
  }

  get size(): number {
    return this.keys.size;
  }

  /**
   * Takes note of keys in a successful answer of STS (sessions) or IAM (`CreateAccessKey`), and
   * forgets a deleted access key. Runs on every answer, also during the journal's replay, which
   * recreates the same keys (moto's random generator is seeded per write).
   */
  learn(info: RequestInfo, response: WireResponse): void {
    if (response.status !== 200 || info.protocol !== 'query') return;
    if (info.service === 'sts' && STS_ISSUING.has(info.action)) {
      const text = response.body.toString('utf8');
      const accessKeyId = xmlField(text, 'AccessKeyId');
      const secretAccessKey = xmlField(text, 'SecretAccessKey');
      if (!accessKeyId || !secretAccessKey) return;
      const expiration = Date.parse(xmlField(text, 'Expiration') ?? '');
      this.add({
        accessKeyId,
        secretAccessKey,
        sessionToken: xmlField(text, 'SessionToken'),
        expiresAt: Number.isFinite(expiration) ? expiration : undefined,
      });
    } else if (info.service === 'iam' && info.action === 'CreateAccessKey') {
      const text = response.body.toString('utf8');
      const accessKeyId = xmlField(text, 'AccessKeyId');
      const secretAccessKey = xmlField(text, 'SecretAccessKey');
      if (accessKeyId && secretAccessKey) this.add({ accessKeyId, secretAccessKey });
    } else if (info.service === 'iam' && info.action === 'DeleteAccessKey') {
      const id = info.form?.get('AccessKeyId');
      if (id) this.keys.delete(id);
    }
  }
}

/** The hosts a loopback server may be addressed as; anything else is a rebound DNS name or a mistake. */
export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.toLowerCase());
  if (!match) return false;
  const [, name, givenPort] = match;
  if ((givenPort === undefined ? 80 : Number(givenPort)) !== port) return false;
  return (
    name === '127.0.0.1' ||
    name === 'localhost' ||
    name === '[::1]' ||
    // S3 virtual hosts (`bucket.s3.localhost`): browsers resolve every *.localhost to the loopback.
    /^[a-z0-9.-]+\.localhost$/.test(name)
  );
}

/** `bucket.s3.localhost:PORT`: S3's virtual-host style, where the bucket is in the host. */
export function namesBucketInHost(host: string | undefined): boolean {
  return /^[a-z0-9.-]+\.localhost(:\d+)?$/i.test(host ?? '');
}

/** Whether a request carries no SigV4 signature at all (neither header nor query). */
export function isUnsigned(headers: IncomingHttpHeaders, url: URL): boolean {
  return headers.authorization === undefined && !url.searchParams.has('X-Amz-Credential');
}

/** An unsigned request that names an API other than S3's: refused before it reaches moto. */
export function namesNonS3Api(method: string, headers: IncomingHttpHeaders, body: Buffer): boolean {
  if (typeof headers['x-amz-target'] === 'string') return true;
  const type = String(headers['content-type'] ?? '');
  return (
    method === 'POST' &&
    type.startsWith('application/x-www-form-urlencoded') &&
    new URLSearchParams(body.toString('utf8')).has('Action')
  );
}

type Failure = 'missing' | 'unknown-key' | 'signature' | 'token' | 'expired-token' | 'skewed' | 'expired-url';

const MESSAGES: Record<Failure, string> = {
  missing: 'Request is missing Authentication Token',
  'unknown-key': 'The security token included in the request is invalid.',
  signature:
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  token: 'The security token included in the request is invalid.',
  'expired-token': 'The security token included in the request is expired',
  skewed: 'Signature expired: the request time is more than 15 minutes away from the server time.',
  'expired-url': 'Request has expired',
};

/** The error each protocol family answers for a failed authentication, as AWS does. */
export function authError(protocol: Protocol, failure: Failure): ErrorAnswer {
  const message = MESSAGES[failure];
  if (protocol === 'rest-xml') {
    const s3: Record<Failure, [number, string, string]> = {
      missing: [403, 'AccessDenied', 'Access Denied'],
      'unknown-key': [
        403,
        'InvalidAccessKeyId',
        'The AWS Access Key Id you provided does not exist in our records.',
      ],
      signature: [
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      ],
      token: [400, 'InvalidToken', 'The provided token is malformed or otherwise invalid.'],
      'expired-token': [400, 'ExpiredToken', 'The provided token has expired.'],
      skewed: [
        403,
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
      ],
      'expired-url': [403, 'AccessDenied', 'Request has expired'],
    };
    const [status, code, text] = s3[failure];
    return awsError('rest-xml', status, code, text);
  }
  if (protocol === 'query') {
    const codes: Record<Failure, string> = {
      missing: 'MissingAuthenticationToken',
      'unknown-key': 'InvalidClientTokenId',
      signature: 'SignatureDoesNotMatch',
      token: 'InvalidClientTokenId',
      'expired-token': 'ExpiredToken',
      skewed: 'SignatureDoesNotMatch',
      'expired-url': 'SignatureDoesNotMatch',
    };
    return awsError('query', 403, codes[failure], message);
  }
  const codes: Record<Failure, string> = {
    missing: 'MissingAuthenticationTokenException',
    'unknown-key': 'UnrecognizedClientException',
    signature: 'InvalidSignatureException',
    token: 'UnrecognizedClientException',
    'expired-token': 'ExpiredTokenException',
    skewed: 'InvalidSignatureException',
    'expired-url': 'InvalidSignatureException',
  };
  return awsError(protocol, protocol === 'json' ? 400 : 403, codes[failure], message);
}

/** node:crypto in the shape the SigV4 signer takes (a hash, or an HMAC when given a key). */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytes = (data: SourceData): BinaryLike =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

export class Sha256 {
  private hash!: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  private readonly secret?: BinaryLike;
  constructor(secret?: SourceData) {
    this.secret = secret === undefined ? undefined : bytes(secret);
    this.reset();
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    this.hash = this.secret === undefined ? createHash('sha256') : createHmac('sha256', this.secret);
  }
}

/** RFC 3986 encoding, as SigV4's canonical forms use it. */
const escapeUri = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The path in canonical encoding, whatever encoding the client chose on the wire. */
function canonicalPath(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) => {
      try {
        return escapeUri(decodeURIComponent(segment));
      } catch {
        return segment;
      }
    })
    .join('/');
}

/** The query as the signer takes it: decoded values, repeated keys as arrays. */
function queryOf(rawQuery: string, drop: (key: string) => boolean): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const part of rawQuery.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    };
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decode(part.slice(eq + 1));
    if (drop(key)) continue;
    const seen = query[key];
    query[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return query;
}

/** `20240101T000000Z` → Date. */
function amzDate(text: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text ?? '');
  return m ? new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6])) : undefined;
}

const sameHex = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

const SKEW_MS = 15 * 60_000;

export interface SignedRequest {
  method: string;
  /** The raw request target (`/path?query`), as received. */
  url: string;
  /** As node received them: lower-case names. */
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Checks a SigV4-signed request (Authorization header or presigned query) against the issued keys:
 * the request is signed again with the secret of the key it names, by the AWS SDK's own signer, and
 * the signatures compared. Returns the failure, or undefined when the request is authentic.
 */
export async function verifySignature(
  request: SignedRequest,
  keys: KeyRing,
  now = Date.now(),
): Promise<Failure | undefined> {
  const at = request.url.indexOf('?');
  const pathname = at < 0 ? request.url : request.url.slice(0, at);
  const rawQuery = at < 0 ? '' : request.url.slice(at + 1);
  const headerValue = (name: string) => {
    const v = request.headers[name];
    return Array.isArray(v) ? v.join(',') : v;
  };
  const auth = headerValue('authorization');
  const presigned = auth === undefined;
  let credential: string | undefined;
  let signedHeaders: string[];
  let signature: string | undefined;
  let date: Date | undefined;
  let token: string | undefined;
  let expiresIn = 0;
  let query: Record<string, string | string[]>;
  if (!presigned) {
    const m =
      /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)$/.exec(
        auth.trim(),
      );
    if (!m) return 'signature';
    [, credential, , signature] = m;
    signedHeaders = m[2].split(';');
    date = amzDate(headerValue('x-amz-date'));
    token = headerValue('x-amz-security-token');
    query = queryOf(rawQuery, () => false);
  } else {
    const all = queryOf(rawQuery, () => false);
    const one = (key: string) => {
      const v = all[key];
      return Array.isArray(v) ? undefined : v;
    };
    if (one('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return 'signature';
    credential = one('X-Amz-Credential');
    signature = one('X-Amz-Signature');
    signedHeaders = (one('X-Amz-SignedHeaders') ?? '').split(';');
    date = amzDate(one('X-Amz-Date'));
    token = one('X-Amz-Security-Token');
    expiresIn = Number(one('X-Amz-Expires'));
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 604_800) return 'signature';
    query = queryOf(rawQuery, (key) => key === 'X-Amz-Signature');
  }
  const scope = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/.exec(credential ?? '');
  if (!scope || !signature || !date) return 'signature';
  const [, accessKeyId, , region, service] = scope;

  const key = keys.get(accessKeyId);
  if (!key) return 'unknown-key';
  if (key.sessionToken !== undefined && token !== key.sessionToken) return 'token';
  if (key.sessionToken === undefined && token !== undefined) return 'token';
  if (key.expiresAt !== undefined && now > key.expiresAt) return 'expired-token';
  if (presigned) {
    if (now > date.getTime() + expiresIn * 1000) return 'expired-url';
  } else if (Math.abs(now - date.getTime()) > SKEW_MS) {
    return 'skewed';
  }

  // Exactly the headers the client signed are signed again; every other header it sent is not.
  const signed = new Set(signedHeaders.map((h) => h.toLowerCase()));
  const headers: Record<string, string> = {};
  const unsigned = new Set<string>();
  for (const name of Object.keys(request.headers)) {
    const value = headerValue(name);
    if (value === undefined) continue;
    headers[name] = value;
    if (!signed.has(name)) unsigned.add(name);
  }
  const payloadHash = headers['x-amz-content-sha256'];
  if (
    !presigned &&
    payloadHash &&
    /^[0-9a-f]{64}$/.test(payloadHash) &&
    payloadHash !== createHash('sha256').update(request.body).digest('hex')
  ) {
    return 'signature';
  }
  if (presigned && service === 's3' && !signed.has('x-amz-content-sha256')) {
    headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
    unsigned.add('x-amz-content-sha256');
  }
  const [hostname, port] = (headers.host ?? '').split(/:(?=\d+$)/);
  const toSign = {
    method: request.method,
    protocol: 'http:',
    hostname,
    port: port ? Number(port) : undefined,
    path: canonicalPath(pathname),
    query,
    headers,
    body: request.body.length > 0 ? new Uint8Array(request.body) : undefined,
  };
  const signer = new SignatureV4({
    // The token, when there is one, is in the headers or query as the client sent it.
    credentials: { accessKeyId, secretAccessKey: key.secretAccessKey },
    region,
    service,
    sha256: Sha256,
    // S3 signs its path as sent; every other service signs it encoded once more.
    uriEscapePath: service !== 's3',
    applyChecksum: false,
  });
  let expected: string;
  let expectedHeaders: string;
  if (presigned) {
    const out = await signer.presign(toSign, {
      signingDate: date,
      expiresIn,
      signableHeaders: signed,
      unsignableHeaders: unsigned,
      unhoistableHeaders: new Set(Object.keys(headers)),
    });
    expected = String(out.query?.['X-Amz-Signature'] ?? '');
    expectedHeaders = String(out.query?.['X-Amz-SignedHeaders'] ?? '');
  } else {
    const out = await signer.sign(toSign, {
      signingDate: date,
      signableHeaders: signed,
      unsignableHeaders: unsigned,
    });
    const m = /SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)/.exec(String(out.headers.authorization));
    expected = m?.[2] ?? '';
    expectedHeaders = m?.[1] ?? '';
  }
  if (expectedHeaders !== [...signed].sort().join(';')) return 'signature';
  return sameHex(expected, signature) ? undefined : 'signature';
}
