import * as http from 'node:http';
import { MOTO_TOKEN_HEADER } from './moto-process';

export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface WireResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** Headers sent once per value (`set-cookie` of an HTTP API's answer); never from moto. */
  multiValueHeaders?: Record<string, string[]>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'expect',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
]);

/** Headers worth forwarding or journaling: everything but hop-by-hop ones (the body is sent whole). */
export function endToEndHeaders(
  headers: http.IncomingHttpHeaders | http.OutgoingHttpHeaders,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name.toLowerCase())) continue;
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return out;
}

/** A HEAD answer has no body but must tell the length a GET would return, so keep moto's value. */
function withHeadLength(method: string, headers: http.IncomingHttpHeaders): Record<string, string> {
  const out = endToEndHeaders(headers);
  if (method === 'HEAD' && headers['content-length'] !== undefined)
    out['content-length'] = headers['content-length'];
  return out;
}

/** Talks to the moto process on its internal loopback port. */
export class MotoClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  /**
   * @param seedBase added to every seed: a random number per state directory, so the ids and keys
   * moto draws (access keys, session tokens) differ between workspaces and cannot be guessed from the
   * sequence number alone, while a replay of that directory's journal still recreates them.
   */
  constructor(
    readonly port: number,
    /** moto's per-start token (see startMoto); every request carries it. */
    private readonly token: string,
    private readonly seedBase = 0n,
  ) {}

  send(request: WireRequest): Promise<WireResponse> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: request.method,
          path: request.url,
          headers: {
            ...request.headers,
            'content-length': String(request.body.length),
            [MOTO_TOKEN_HEADER]: this.token,
          },
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 500,
              headers: withHeadLength(request.method, res.headers),
              body: Buffer.concat(chunks),
            }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(request.body);
    });
  }

  /** Seeds moto's random generator, so ids it makes during the next write are the same on replay. */
  async seed(seq: number): Promise<void> {
    const res = await this.send({
      method: 'POST',
      url: `/moto-api/seed?a=${this.seedBase + BigInt(seq)}`,
      headers: {},
      body: Buffer.alloc(0),
    });
    if (res.status !== 200) throw new Error(`moto refused to seed its random generator (HTTP ${res.status})`);
  }

  close(): void {
    this.agent.destroy();
  }
}
