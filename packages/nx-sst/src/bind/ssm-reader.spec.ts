import { createHash, createHmac } from 'node:crypto';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startTestCloud, type LocalCloud } from '@nx-sst/local-cloud';
import { localBindAws, signV4, throttleBackoffMs, THROTTLE_ATTEMPTS } from './ssm-reader';

jest.setTimeout(120_000);

describe('signV4', () => {
  it('signs exactly as the AWS SDK does', async () => {
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
    const credentials = {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      sessionToken: 'token/+=',
    };
    const now = new Date('2026-01-02T03:04:05Z');
    const body = JSON.stringify({ Name: '/sst/app/local/_bind/target/api', WithDecryption: true });
    const ours = signV4({
      service: 'ssm',
      region: 'eu-west-1',
      host: '127.0.0.1:4566',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
      body,
      credentials,
      now,
    });
    const signer = new SignatureV4({
      service: 'ssm',
      region: 'eu-west-1',
      credentials,
      sha256: Sha256,
      applyChecksum: true,
    });
    const theirs = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: 4566,
        path: '/',
        headers: {
          host: '127.0.0.1:4566',
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AmazonSSM.GetParameter',
          'x-amz-content-sha256': ours['x-amz-content-sha256'],
        },
        body,
      },
      { signingDate: now },
    );
    expect(ours.authorization).toBe(theirs.headers.authorization);
  });
});

describe('localBindAws under throttling', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startTestCloud();
    const ssm = new SSMClient(cloud.clientConfig);
    try {
      await ssm.send(new PutParameterCommand({ Name: '/t/a', Value: 'alpha', Type: 'String' }));
    } finally {
      ssm.destroy();
    }
  });
  afterAll(async () => {
    await cloud?.stop();
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
