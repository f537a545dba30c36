import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { hostAllowed, KeyRing, randomKeys, Sha256, verifySignature, type SignedRequest } from './auth';
import { describeRequest } from './request-info';

const KEYS = { accessKeyId: 'AKIAEXAMPLEEXAMPLE01', secretAccessKey: 'secret-of-the-workspace' };
const SESSION = {
  accessKeyId: 'ASIAEXAMPLESESSION01',
  secretAccessKey: 'session-secret',
  sessionToken: 'FwoGZXIvYXdzE-token',
  expiresAt: Date.now() + 3_600_000,
};

function ring(): KeyRing {
  const keys = new KeyRing();
  keys.add(KEYS);
  keys.add(SESSION);
  return keys;
}

/** A request signed as an SDK client signs it, in the shape the front receives it. */
async function signed(opts: {
  service?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  method?: string;
  path?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
  date?: Date;
}): Promise<SignedRequest> {
  const service = opts.service ?? 'ssm';
  const signer = new SignatureV4({
    credentials: opts.credentials ?? KEYS,
    region: 'us-east-1',
    service,
    sha256: Sha256,
    uriEscapePath: service !== 's3',
  });
  const headers = { host: '127.0.0.1:4566', 'content-type': 'application/x-amz-json-1.1', ...opts.headers };
  const out = await signer.sign(
    {
      method: opts.method ?? 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4566,
      path: opts.path ?? '/',
      query: opts.query ?? {},
      headers,
      body: opts.body ?? '{"Name":"/app/secret"}',
    },
    { signingDate: opts.date ?? new Date() },
  );
  const search = new URLSearchParams(opts.query ?? {}).toString().replace(/\+/g, '%20');
  return {
    method: out.method,
    url: `${opts.path ?? '/'}${search ? `?${search}` : ''}`,
    headers: Object.fromEntries(Object.entries(out.headers).map(([k, v]) => [k.toLowerCase(), String(v)])),
    body: Buffer.from(opts.body ?? '{"Name":"/app/secret"}'),
  };
}

describe('verifySignature', () => {
  it('accepts a request signed with an issued key, also with extra unsigned headers', async () => {
    const request = await signed({ headers: { 'x-amz-target': 'AmazonSSM.GetParameter' } });
    request.headers['user-agent'] = 'aws-sdk-js/3';
    request.headers['content-length'] = String(request.body.length);
    expect(await verifySignature(request, ring())).toBeUndefined();
  });

  it('accepts a session key with its token, refuses it without or with another', async () => {
    expect(await verifySignature(await signed({ credentials: SESSION }), ring())).toBeUndefined();
    const without = await signed({ credentials: { ...SESSION, sessionToken: undefined } });
    expect(await verifySignature(without, ring())).toBe('token');
    const other = await signed({ credentials: { ...SESSION, sessionToken: 'another' } });
    expect(await verifySignature(other, ring())).toBe('token');
    const expired = new KeyRing();
    expired.add({ ...SESSION, expiresAt: Date.now() - 1 });
    expect(await verifySignature(await signed({ credentials: SESSION }), expired)).toBe('expired-token');
  });

  it('refuses a key it never issued, a wrong secret, a changed body and an old request', async () => {
    const stranger = await signed({
      credentials: { accessKeyId: 'AKIAOTHERWORKSPACE00', secretAccessKey: 'x' },
    });
    expect(await verifySignature(stranger, ring())).toBe('unknown-key');
    const forged = await signed({ credentials: { ...KEYS, secretAccessKey: 'guessed' } });
    expect(await verifySignature(forged, ring())).toBe('signature');
    const tampered = await signed({});
    tampered.body = Buffer.from('{"Name":"/app/other"}');
    expect(await verifySignature(tampered, ring())).toBe('signature');
    const old = await signed({ date: new Date(Date.now() - 20 * 60_000) });
    expect(await verifySignature(old, ring())).toBe('skewed');
    const garbage = { ...(await signed({})), headers: { host: '127.0.0.1:4566', authorization: 'Bearer x' } };
    expect(await verifySignature(garbage, ring())).toBe('signature');
  });

  it('verifies S3 paths and queries in their canonical encoding, and the payload hash', async () => {
    const body = 'hello';
    const hash = createHash('sha256').update(body).digest('hex');
    const request = await signed({
      service: 's3',
      method: 'PUT',
      path: '/bucket/dir/a%20b%2Bc%21.txt',
      query: { 'x-id': 'PutObject', tagging: '' },
      headers: { 'x-amz-content-sha256': hash, 'content-type': 'text/plain' },
      body,
    });
    expect(await verifySignature(request, ring())).toBeUndefined();
    // The same key sent with `!` unencoded on the wire still means the same canonical path.
    expect(
      await verifySignature({ ...request, url: request.url.replace('%21', '!') }, ring()),
    ).toBeUndefined();
    expect(await verifySignature({ ...request, body: Buffer.from('bye') }, ring())).toBe('signature');
  });

  it('verifies presigned URLs and their expiry', async () => {
    const signer = new SignatureV4({
      credentials: SESSION,
      region: 'us-east-1',
      service: 's3',
      sha256: Sha256,
      uriEscapePath: false,
    });
    const presign = async (signingDate: Date) => {
      const out = await signer.presign(
        {
          method: 'GET',
          protocol: 'http:',
          hostname: '127.0.0.1',
          port: 4566,
          path: '/bucket/key.txt',
          query: { 'x-id': 'GetObject' },
          headers: { host: '127.0.0.1:4566', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        },
        { signingDate, expiresIn: 300, unsignableHeaders: new Set(['x-amz-content-sha256']) },
      );
      const query = new URLSearchParams(out.query as Record<string, string>).toString();
      return {
        method: 'GET',
        url: `/bucket/key.txt?${query}`,
        headers: { host: '127.0.0.1:4566' },
        body: Buffer.alloc(0),
      };
    };
    expect(await verifySignature(await presign(new Date()), ring())).toBeUndefined();
    const other = await presign(new Date());
    expect(await verifySignature({ ...other, url: other.url.replace('key.txt', 'other.txt') }, ring())).toBe(
      'signature',
    );
    expect(await verifySignature({ ...other, method: 'DELETE' }, ring())).toBe('signature');
    expect(await verifySignature(await presign(new Date(Date.now() - 600_000)), ring())).toBe('expired-url');
  });
});

describe('KeyRing', () => {
  const sts = (action: string) =>
    describeRequest(
      'POST',
      '/',
      {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIA/20240101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0',
        'content-type': 'application/x-www-form-urlencoded',
      },
      Buffer.from(`Action=${action}&Version=2011-06-15`),
    );
  const answer = (body: string) => ({ status: 200, headers: {}, body: Buffer.from(body) });

  it('learns the sessions STS issues and the keys IAM creates, and forgets deleted keys', () => {
    const keys = new KeyRing();
    keys.learn(
      sts('AssumeRole'),
      answer(
        '<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIA1</AccessKeyId>' +
          '<SecretAccessKey>s/e+c</SecretAccessKey><SessionToken>t&amp;k</SessionToken>' +
          '<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>',
      ),
    );
    expect(keys.get('ASIA1')).toEqual({
      accessKeyId: 'ASIA1',
      secretAccessKey: 's/e+c',
      sessionToken: 't&k',
      expiresAt: Date.parse('2099-01-01T00:00:00Z'),
    });
    const iam = (action: string, extra = '') =>
      describeRequest(
        'POST',
        '/',
        {
          authorization:
            'AWS4-HMAC-SHA256 Credential=AKIA/20240101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0',
          'content-type': 'application/x-www-form-urlencoded',
        },
        Buffer.from(`Action=${action}&Version=2010-05-08${extra}`),
      );
    keys.learn(
      iam('CreateAccessKey'),
      answer(
        '<AccessKey><AccessKeyId>AKIAUSER</AccessKeyId><SecretAccessKey>user-secret</SecretAccessKey></AccessKey>',
      ),
    );
    expect(keys.get('AKIAUSER')?.secretAccessKey).toBe('user-secret');
    keys.learn(iam('DeleteAccessKey', '&AccessKeyId=AKIAUSER'), answer('<ok/>'));
    expect(keys.get('AKIAUSER')).toBeUndefined();
    // A failed call issues nothing.
    keys.learn(sts('AssumeRole'), { ...answer('<AccessKeyId>ASIA2</AccessKeyId>'), status: 403 });
    expect(keys.get('ASIA2')).toBeUndefined();
  });

  it('makes random keys of AWS`s shape, different each time', () => {
    const a = randomKeys();
    expect(a.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(a.secretAccessKey).toHaveLength(40);
    expect(randomKeys().accessKeyId).not.toBe(a.accessKeyId);
  });
});

describe('hostAllowed', () => {
  it.each([
    ['127.0.0.1:4566', true],
    ['localhost:4566', true],
    ['LOCALHOST:4566', true],
    ['[::1]:4566', true],
    ['public-site.s3.localhost:4566', true],
    ['127.0.0.1:4567', false],
    ['127.0.0.1', false],
    ['attacker.example:4566', false],
    ['localhost.attacker.example:4566', false],
    ['127.0.0.1.nip.io:4566', false],
    ['', false],
    [undefined, false],
  ])('%j → %j on port 4566', (host, allowed) => {
    expect(hostAllowed(host, 4566)).toBe(allowed);
  });
});
