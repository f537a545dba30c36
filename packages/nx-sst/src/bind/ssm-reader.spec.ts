import { createHash, createHmac } from 'node:crypto';
import { signV4 } from './ssm-reader';

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
