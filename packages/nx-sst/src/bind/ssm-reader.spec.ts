import { createHash, createHmac } from 'node:crypto';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { startTestCloud, type LocalCloud } from '@nx-sst/local-cloud';
import {
  localBindAws,
  sdkBindAws,
  signV4,
  type BindAws,
  throttleBackoffMs,
  THROTTLE_ATTEMPTS,
} from './ssm-reader';

jest.setTimeout(120_000);

/**
 * `bind` signs its local-cloud reads itself: loading `@smithy/signature-v4` (it pulls `@smithy/core`)
 * costs 75–140 ms on a 2-core machine, against a budget of +5 ms for bind's start-up, so the signer
 * stays ours and is held to the SDK's signer on a set of vectors.
 */
describe('signV4', () => {
  // The SDK's signer, from the SDK this package already depends on.
  const { SignatureV4 } = require(
    require.resolve('@smithy/signature-v4', { paths: [require.resolve('@aws-sdk/client-ssm')] }),
  );
  // The SDK's hash interface: keyed (HMAC) when constructed with a secret.
  class Sha256 {
    private hash;
    constructor(secret?: Uint8Array | string) {
      this.hash = secret ? createHmac('sha256', secret) : createHash('sha256');
    }
    update(data: string | Uint8Array) {
      this.hash.update(data);
    }
    async digest() {
      return new Uint8Array(this.hash.digest());
    }
  }
  const keys = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const json = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameters' };
  const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  const vectors: {
    name: string;
    service: string;
    region: string;
    host: string;
    headers: Record<string, string>;
    body: string;
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    now: Date;
  }[] = [
    {
      name: 'SSM JSON with a session token',
      service: 'ssm',
      region: 'eu-west-1',
      host: '127.0.0.1:4566',
      headers: json,
      body: JSON.stringify({ Names: ['/sst/app/local/Secret/K/value'], WithDecryption: true }),
      credentials: { ...keys, sessionToken: 'token/+=' },
      now: new Date('2026-01-02T03:04:05Z'),
    },
    {
      name: 'SSM without a token, another region and day',
      service: 'ssm',
      region: 'ap-southeast-2',
      host: 'localhost:50123',
      headers: json,
      body: '{}',
      credentials: keys,
      now: new Date('2026-12-31T23:59:59.999Z'),
    },
    {
      name: 'a body with non-ASCII characters (bytes, not characters, are hashed)',
      service: 'ssm',
      region: 'us-east-1',
      host: '127.0.0.1:4566',
      headers: json,
      body: JSON.stringify({ Path: '/sst/café/ünïcode/€', Recursive: true }),
      credentials: keys,
      now: new Date('2026-06-15T12:00:00Z'),
    },
    {
      name: 'STS query protocol',
      service: 'sts',
      region: 'us-east-1',
      host: '127.0.0.1:4566',
      headers: form,
      body: new URLSearchParams({
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: 'arn:aws:iam::000000000000:role/app-local-web',
        RoleSessionName: 'nx-sst-bind',
        DurationSeconds: '3600',
      }).toString(),
      credentials: { ...keys, sessionToken: 'FwoGZXIvYXdzEJr//////////wEaDA==' },
      now: new Date('2026-03-04T05:06:07Z'),
    },
    {
      name: 'header names in any case, values with inner and outer spaces',
      service: 'ssm',
      region: 'us-east-1',
      host: '127.0.0.1:4566',
      headers: {
        'Content-Type': ' application/x-amz-json-1.1 ',
        'X-Amz-Target': 'AmazonSSM.GetParametersByPath',
        'x-custom': 'a   b \t c',
      },
      body: '{"Path":"/"}',
      credentials: keys,
      now: new Date('2026-03-04T05:06:07Z'),
    },
  ];

  it.each(vectors)('signs exactly as the AWS SDK does: $name', async (v) => {
    const ours = signV4(v);
    const signer = new SignatureV4({
      service: v.service,
      region: v.region,
      credentials: v.credentials,
      sha256: Sha256,
      applyChecksum: true,
    });
    const [hostname, port] = v.host.split(':');
    const theirs = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname,
        port: Number(port),
        path: '/',
        headers: {
          ...Object.fromEntries(Object.entries(v.headers).map(([k, h]) => [k.toLowerCase(), h])),
          host: v.host,
          'x-amz-content-sha256': ours['x-amz-content-sha256'],
        },
        body: v.body,
      },
      { signingDate: v.now },
    );
    expect(ours.authorization).toBe(theirs.headers.authorization);
    expect(ours['x-amz-date']).toBe(theirs.headers['x-amz-date']);
    if (v.credentials.sessionToken) expect(ours['x-amz-security-token']).toBe(v.credentials.sessionToken);
    expect(ours['content-length']).toBe(String(Buffer.byteLength(v.body)));
  });
});

/** One local cloud for the file: the suites below use parameters under paths of their own. */
let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startTestCloud();
});
afterAll(async () => {
  await cloud?.stop();
});

describe('localBindAws under throttling', () => {
  beforeAll(async () => {
    const ssm = new SSMClient(cloud.clientConfig);
    try {
      await ssm.send(new PutParameterCommand({ Name: '/t/a', Value: 'alpha', Type: 'String' }));
    } finally {
      ssm.destroy();
    }
  });

  it('waits and retries a throttled read instead of failing (three binds at once)', async () => {
    const aws = localBindAws({
      local: true,
      region: cloud.region,
      endpoint: cloud.endpoint,
      env: {},
      clientConfig: { region: cloud.region, endpoint: cloud.endpoint, credentials: cloud.credentials },
    });
    await cloud.setFaults({ throttle: { 'ssm:GetParameters': 2 } });
    try {
      const got = await Promise.all(Array.from({ length: 6 }, () => aws.getParameters(['/t/a'])));
      expect(got).toEqual(
        Array.from({ length: 6 }, () => [expect.objectContaining({ name: '/t/a', value: 'alpha' })]),
      );
    } finally {
      await cloud.clearFaults();
      aws.close();
    }
  });

  it('backs off exponentially, capped at 2 s, with jitter', () => {
    for (let attempt = 1; attempt < THROTTLE_ATTEMPTS; attempt++) {
      const ms = throttleBackoffMs(attempt);
      const full = Math.min(2000, 50 * 2 ** attempt);
      expect(ms).toBeGreaterThanOrEqual(full / 2);
      expect(ms).toBeLessThanOrEqual(full);
    }
  });
});

/**
 * The hand-made local path and the SDK path answer alike: the same values, versions, pages, role
 * credentials and error names, on the same local cloud.
 */
describe('localBindAws answers as sdkBindAws does', () => {
  let local: BindAws;
  let sdk: BindAws;
  let roleArn: string;
  beforeAll(async () => {
    const ssm = new SSMClient(cloud.clientConfig);
    const iam = new IAMClient(cloud.clientConfig);
    try {
      for (let i = 0; i < 13; i++)
        await ssm.send(new PutParameterCommand({ Name: `/p/n${i}`, Value: `v${i} <&> "é"`, Type: 'String' }));
      await ssm.send(new PutParameterCommand({ Name: '/p/secret', Value: 's3cr3t', Type: 'SecureString' }));
      await ssm.send(
        new PutParameterCommand({ Name: '/p/secret', Value: 'v2', Type: 'SecureString', Overwrite: true }),
      );
      roleArn = (
        await iam.send(
          new CreateRoleCommand({
            RoleName: 'bind-reader-role',
            AssumeRolePolicyDocument: JSON.stringify({
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
            }),
          }),
        )
      ).Role!.Arn!;
    } finally {
      ssm.destroy();
      iam.destroy();
    }
    const stage = {
      local: true,
      region: cloud.region,
      endpoint: cloud.endpoint,
      env: {},
      clientConfig: { region: cloud.region, endpoint: cloud.endpoint, credentials: cloud.credentials },
    };
    local = localBindAws(stage);
    sdk = sdkBindAws(stage);
  });
  afterAll(async () => {
    local?.close();
    sdk?.close();
  });

  const both = async <T>(call: (aws: BindAws) => Promise<T>) => ({
    local: await call(local).catch((e: Error) => ({ error: e.name, message: e.message })),
    sdk: await call(sdk).catch((e: Error) => ({ error: e.name, message: e.message })),
  });

  it('GetParameters: values decrypted, missing names left out, version and change time', async () => {
    // SSM gives no order: compared by name.
    const byName = (ps: { name: string }[]) => [...ps].sort((a, b) => a.name.localeCompare(b.name));
    const r = await both(async (aws) =>
      byName(await aws.getParameters(['/p/n1', '/p/missing', '/p/secret'])),
    );
    expect(r.local).toEqual(r.sdk);
    expect(r.local).toEqual([
      { name: '/p/n1', value: 'v1 <&> "é"', version: expect.stringMatching(/^1@\d{13}$/) },
      { name: '/p/secret', value: 'v2', version: expect.stringMatching(/^2@\d{13}$/) },
    ]);
  });

  it('GetParametersByPath: the same pages', async () => {
    const pages = async (aws: BindAws) => {
      const all: string[] = [];
      let token: string | undefined;
      do {
        const page = await aws.getParametersByPath('/p', token);
        all.push(...page.params.map((p) => `${p.name}=${p.value}`));
        token = page.nextToken;
      } while (token);
      return all.sort();
    };
    const r = await both(pages);
    expect(r.local).toEqual(r.sdk);
    expect(r.local).toHaveLength(14);
  });

  it('AssumeRole: credentials with a session token and an expiry, XML entities decoded', async () => {
    const r = await both((aws) => aws.assumeRole(roleArn, 900, 'nx-sst-bind'));
    for (const c of [r.local, r.sdk] as {
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken: string;
      expiration: Date;
    }[]) {
      expect(c.accessKeyId).toMatch(/^ASIA/);
      expect(c.secretAccessKey).not.toMatch(/&(amp|lt|gt|quot|apos);/);
      expect(c.sessionToken).toBeTruthy();
      expect(c.expiration.getTime()).toBeGreaterThan(Date.now());
    }
  });

  it('errors carry the name the SDK gives them, for the JSON and the XML protocol', async () => {
    const tooMany = await both((aws) => aws.getParameters(Array.from({ length: 11 }, (_, i) => `/p/n${i}`)));
    expect(tooMany.local).toEqual(tooMany.sdk);
    expect(tooMany.local).toMatchObject({ error: 'ValidationException' });
    const badRole = await both((aws) => aws.assumeRole('not-an-arn', 900, 'x'));
    expect((badRole.local as { error: string }).error).toBe((badRole.sdk as { error: string }).error);
    expect((badRole.local as { error: string }).error).not.toBe('UnknownError');
  });
});
