import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '../daemon/auth';

/**
 * The headers of a JSON-protocol call (`x-amz-target`) to the loopback on `port`, signed as the SDK
 * signs it, for a spec that sends the request itself: tampered with, over HTTP/2 (`:authority` for
 * `host`), with headers the SDK would never add, or from another process.
 */
export async function signedJsonHeaders(opts: {
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  region: string;
  service: string;
  port: number;
  target: string;
  body: string;
  /** Added before signing. */
  headers?: Record<string, string>;
  hostHeader?: 'host' | ':authority';
}): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: opts.credentials,
    region: opts.region,
    service: opts.service,
    sha256: Sha256,
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: '127.0.0.1',
    port: opts.port,
    path: '/',
    headers: {
      [opts.hostHeader ?? 'host']: `127.0.0.1:${opts.port}`,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': opts.target,
      ...opts.headers,
    },
    body: opts.body,
  });
  return signed.headers as Record<string, string>;
}
