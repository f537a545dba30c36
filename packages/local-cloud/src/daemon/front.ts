import { timingSafeEqual } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import * as http from 'node:http';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { latencyFor, Throttler, validateFaults, type Faults } from '../faults';
import {
  authError,
  hostAllowed,
  isUnsigned,
  namesBucketInHost,
  namesNonS3Api,
  Sha256,
  verifySignature,
  type KeyRing,
} from './auth';
import { awsError, throttlingError, type ErrorAnswer } from './aws-errors';
import type { Journal } from './journal';
import { endToEndHeaders, type MotoClient, type WireRequest, type WireResponse } from './moto-client';
import { MOTO_TOKEN_HEADER } from './moto-process';
import { describeRequest, type RequestInfo } from './request-info';

/** A client request on its way through the front. */
export interface Exchange {
  request: WireRequest;
  info: RequestInfo;
}

/** What gap handlers may do with moto. */
export interface MotoAccess {
  /** A read: sent as is, not journaled. */
  read(request: WireRequest): Promise<WireResponse>;
  /** A write: seeded, sent, journaled and fsynced. Only call while handling a mutating exchange. */
  write(request: WireRequest): Promise<WireResponse>;
  readonly faults: Faults;
}

/**
 * Fills one of moto's gaps. Returns the answer for the client, or undefined to let the next
 * handler (finally moto itself) answer. `exchange.request` may be replaced to rewrite the call.
 */
export type GapHandler = (exchange: Exchange, moto: MotoAccess) => Promise<WireResponse | undefined>;

/** Post-processes moto's answer (e.g. CORS headers on S3 responses). */
export type AnswerFilter = (
  exchange: Exchange,
  response: WireResponse,
  moto: MotoAccess,
) => Promise<WireResponse>;

/**
 * Answers requests outside the read/write gate: running a function takes as long as the function,
 * which itself calls the cloud (a gated write would deadlock on its own handler's writes).
 */
export interface Outlet {
  /**
   * Unsigned traffic to an endpoint the cloud serves for the user's code (an HTTP API, a function
   * URL), before any authentication: such endpoints are public on AWS. Undefined: not this outlet's.
   */
  serve?(request: WireRequest): Promise<WireResponse | undefined>;
  /** An authenticated AWS API call (Lambda `Invoke`). Undefined: not this outlet's. */
  call?(exchange: Exchange): Promise<WireResponse | undefined>;
}

export interface FrontOptions {
  moto: MotoClient;
  journal: Journal;
  gaps: GapHandler[];
  filters: AnswerFilter[];
  /** The credentials the cloud issued: every request but an anonymous S3 one must be signed with one. */
  keys: KeyRing;
  /**
   * Answers `/_nx-sst/...` control requests. Only `GET /_nx-sst/health` is open; the others need
   * `controlToken` in the `x-nx-sst-control` header (it is in the 0600 `daemon.json`).
   */
  control: (method: string, path: string, body: Buffer) => Promise<{ status: number; json: unknown }>;
  controlToken: string;
  outlets?: Outlet[];
}

/**
 * Marks the daemon's own AssumeRole of a function's role as made by the Lambda service, which the
 * role's trust policy names (python/nx_sst_patches/lambda_local.py). Removed from clients' requests.
 */
export const SERVICE_PRINCIPAL_HEADER = 'x-nx-sst-service-principal';

/**
 * Set by the daemon only on its probe of moto's access control for a Lambda `Invoke`
 * (python/nx_sst_patches/lambda_local.py). Removed from clients' requests.
 */
export const AUTHORIZE_ONLY_HEADER = 'x-nx-sst-authorize-only';

/** Header that carries the control token of `daemon.json` to the control routes. */
export const CONTROL_HEADER = 'x-nx-sst-control';

/**
 * Reads run together; a write runs alone. moto draws from one random generator for every request
 * (even a read's request id), so a read running between a write's seed and the write would shift
 * the ids that write makes, and a replay would not recreate them; two writes at once would share a
 * seed and a journal sequence number.
 *
 * Waiters queue in arrival order and are admitted by the one who leaves, which sets the state before
 * it hands over: nobody re-checks a condition after an `await`, where another waiter could have
 * passed the same check meanwhile. A read that arrives while a writer waits queues behind it, so a
 * stream of reads cannot starve writers.
 */
export class ReadWriteGate {
  private readers = 0;
  private writing = false;
  private readonly queue: { write: boolean; admit: () => void }[] = [];

  private admitWaiting(): void {
    while (this.queue.length > 0 && !this.writing) {
      const next = this.queue[0];
      if (next.write && this.readers > 0) return;
      this.queue.shift();
      if (next.write) this.writing = true;
      else this.readers++;
      next.admit();
    }
  }

  private enter(write: boolean): Promise<void> {
    const free = !this.writing && this.queue.length === 0 && (!write || this.readers === 0);
    if (free) {
      if (write) this.writing = true;
      else this.readers++;
      return Promise.resolve();
    }
    return new Promise<void>((admit) => this.queue.push({ write, admit }));
  }

  private leave(write: boolean): void {
    if (write) this.writing = false;
    else this.readers--;
    this.admitWaiting();
  }

  async read<T>(task: () => Promise<T>): Promise<T> {
    await this.enter(false);
    try {
      return await task();
    } finally {
      this.leave(false);
    }
  }

  async write<T>(task: () => Promise<T>): Promise<T> {
    await this.enter(true);
    try {
      return await task();
    } finally {
      this.leave(true);
    }
  }
}

/**
 * The published endpoint: a loopback HTTP server in front of moto. Writes run one at a time (each
 * preceded by a seed of moto's random generator, with no read in between) and reach the journal on
 * disk before the client gets its answer; reads run concurrently with each other.
 */
export class Front {
  faults: Faults = {};
  private readonly throttler = new Throttler();
  private readonly gate = new ReadWriteGate();
  private server?: http.Server;
  /** Open HTTP/2 sessions and connections not yet sorted by protocol: `close` ends them. */
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly unsorted = new Set<net.Socket>();

  constructor(private readonly options: FrontOptions) {}

  setFaults(input: unknown): void {
    this.faults = validateFaults(input);
    this.throttler.reset();
  }

  clearFaults(): void {
    this.faults = {};
    this.throttler.reset();
  }

  /** Runs `task` alone: after every earlier write and with no read in flight. */
  serialized<T>(task: () => Promise<T>): Promise<T> {
    return this.gate.write(task);
  }

  /**
   * A call of the daemon itself (already signed, so moto's access control can judge it), through the
   * gate, the gap handlers and the key ring like a client's: sessions it gets are accepted afterwards.
   */
  async internal(request: WireRequest): Promise<WireResponse> {
    const info = describeRequest(request.method, request.url, request.headers, request.body);
    const exchange: Exchange = { request, info };
    return info.mutating
      ? this.serialized(() => this.answer(exchange, true))
      : this.gate.read(() => this.answer(exchange, false));
  }

  /**
   * Listens on `port` for both HTTP/1.1 and HTTP/2 with prior knowledge (h2c): the SDK's clients
   * whose default handler is `NodeHttp2Handler` (Kinesis) speak the latter to an `http://` endpoint.
   * Each connection is sorted by its first bytes: the HTTP/2 connection preface, or anything else.
   */
  async listen(port: number): Promise<number> {
    const onRequest = (
      req: http.IncomingMessage | http2.Http2ServerRequest,
      res: http.ServerResponse | http2.Http2ServerResponse,
    ) => {
      this.handle(req, res).catch((e: unknown) => {
        const message = e instanceof Error ? e.message : String(e);
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'text/plain' });
        }
        res.end(`nx-sst local cloud: ${message}`);
      });
    };
    // The HTTP/1.1 server listens (its timeouts and connection tracking stay as they are); its own
    // connection handler gets only the connections that are not HTTP/2.
    const server = http.createServer(onRequest);
    server.keepAliveTimeout = 30_000;
    const [http1] = server.listeners('connection') as ((socket: net.Socket) => void)[];
    server.removeListener('connection', http1);
    const h2 = http2.createServer(onRequest);
    h2.on('session', (session: http2.ServerHttp2Session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
    server.on('connection', (socket: net.Socket) =>
      this.sort(socket, (sorted) => http1.call(server, sorted), h2),
    );
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as net.AddressInfo).port;
  }

  /** Reads until the bytes match the HTTP/2 preface or cannot, then hands the socket on with them. */
  private sort(socket: net.Socket, http1: (socket: net.Socket) => void, h2: http2.Http2Server): void {
    this.unsorted.add(socket);
    let seen = Buffer.alloc(0);
    const onError = () => socket.destroy();
    const onClose = () => this.unsorted.delete(socket);
    const onData = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      const length = Math.min(seen.length, HTTP2_PREFACE.length);
      const h2Prefix = seen.subarray(0, length).equals(HTTP2_PREFACE.subarray(0, length));
      if (h2Prefix && length < HTTP2_PREFACE.length) return;
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      this.unsorted.delete(socket);
      socket.pause();
      socket.unshift(seen);
      if (h2Prefix) {
        // The session takes the bytes already read from the socket's buffer itself.
        h2.emit('connection', socket);
      } else {
        http1(socket);
        // The HTTP/1.1 parser reads the buffered bytes as 'data' events, which a paused socket holds back.
        socket.resume();
      }
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
      for (const session of this.sessions) session.destroy();
      for (const socket of this.unsorted) socket.destroy();
    });
  }

  private motoAccess(): MotoAccess {
    const { moto, journal } = this.options;
    return {
      faults: this.faults,
      read: (request) => moto.send(request),
      write: async (request) => {
        const seq = journal.seq;
        await moto.seed(seq);
        const response = await moto.send(request);
        // A denied request changed nothing; replay runs without access control, so it must not see it.
        if (response.status !== 403) await journal.append(request, seq);
        return response;
      },
    };
  }

  private async handle(
    req: http.IncomingMessage | http2.Http2ServerRequest,
    res: http.ServerResponse | http2.Http2ServerResponse,
  ): Promise<void> {
    const body = await readBody(req);
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    const h2 = req instanceof http2.Http2ServerRequest;
    const headers = h2 ? http1Headers(req.headers) : req.headers;
    const port = (req.socket.localPort ?? 0) as number;
    if (!hostAllowed(headers.host, port)) {
      // A page on a DNS name rebound to 127.0.0.1 sends its own name: never answer it.
      const text = `nx-sst local cloud: refused the Host "${headers.host ?? ''}"; it answers only 127.0.0.1, localhost, [::1] and *.localhost on port ${port}.\n`;
      res.writeHead(421, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (url.startsWith('/_nx-sst/')) {
      const route = url.split('?')[0];
      const open = method === 'GET' && route === '/_nx-sst/health';
      const token = headers[CONTROL_HEADER];
      const { status, json } =
        open || (typeof token === 'string' && sameSecret(token, this.options.controlToken))
          ? await this.options.control(method, route, body)
          : { status: 403, json: { error: `${method} ${route} needs the control token of daemon.json` } };
      const text = JSON.stringify(json);
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
      return;
    }
    if (namesMotoApi(url)) {
      // moto's own control routes (a dump of every value, reset, seed) are the daemon's alone.
      send(res, method, {
        status: 404,
        headers: { 'content-type': 'text/plain' },
        body: Buffer.from('Not Found\n'),
      });
      return;
    }
    const request: WireRequest = { method, url, headers: endToEndHeaders(headers), body };
    // Only the daemon acts as a service (Lambda assuming a function's role); no client may claim to.
    delete request.headers[SERVICE_PRINCIPAL_HEADER];
    // moto's token is the daemon's secret; a client's guess is neither passed on nor journaled.
    delete request.headers[MOTO_TOKEN_HEADER];
    // Marks the daemon's own probe of moto's access control for an Invoke; a client's copy would
    // have moto answer 204 to an Invoke without running it.
    delete request.headers[AUTHORIZE_ONLY_HEADER];
    for (const outlet of this.options.outlets ?? []) {
      const served = await outlet.serve?.(request);
      if (served) {
        send(res, method, served);
        return;
      }
    }
    const info = describeRequest(request.method, url, headers, body);
    const exchange: Exchange = { request, info };

    // The SDK signs HTTP/2's `:authority` in place of `host`.
    const signed = h2 ? { ...headers, ':authority': req.headers[':authority'] } : headers;
    const refusal = await this.authenticate(method, signed, url, body, info);
    if (refusal) {
      send(res, method, {
        status: refusal.status,
        headers: refusal.headers,
        body: Buffer.from(refusal.body),
      });
      return;
    }
    if (h2) await signForHttp1(request, this.options.keys);

    const latency = latencyFor(this.faults, info.service);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    if (!this.throttler.admit(this.faults.throttle, info.service, info.action)) {
      const answer = throttlingError(info.protocol);
      send(res, method, { status: answer.status, headers: answer.headers, body: Buffer.from(answer.body) });
      return;
    }

    for (const outlet of this.options.outlets ?? []) {
      const called = await outlet.call?.(exchange);
      if (called) {
        send(res, method, called);
        return;
      }
    }
    const answer = info.mutating
      ? await this.serialized(() => this.answer(exchange, true))
      : await this.gate.read(() => this.answer(exchange, false));
    send(res, method, answer);
  }

  /**
   * Whether the request may be served: an anonymous S3 request (judged later by the bucket's policy
   * and ACLs, as S3 judges it), or one signed with a key the cloud issued. Undefined when it may.
   */
  private async authenticate(
    method: string,
    headers: http.IncomingHttpHeaders,
    url: string,
    body: Buffer,
    info: RequestInfo,
  ): Promise<ErrorAnswer | undefined> {
    // A browser's CORS preflight carries the URL of the request it asks about (a presigned URL's
    // query included) but never its method or credentials: as on AWS it is never authenticated.
    // It reaches only a bucket of S3, which answers from the bucket's CORS rules and returns no data
    // (moto answered an OPTIONS of `/` with the list of buckets).
    if (method === 'OPTIONS') {
      if (!headers.origin || !headers['access-control-request-method'])
        return awsError(
          'rest-xml',
          400,
          'BadRequest',
          'Insufficient information. Origin request header needed.',
        );
      if (new URL(url, 'http://local').pathname === '/' && !namesBucketInHost(headers.host))
        return awsError('rest-xml', 403, 'AccessForbidden', 'CORSResponse: Bucket not found');
      return undefined;
    }
    const parsed = new URL(url, 'http://local');
    if (isUnsigned(headers, parsed)) {
      if (!namesNonS3Api(method, headers, body)) return undefined;
      const json = typeof headers['x-amz-target'] === 'string';
      return authError(json ? 'json' : 'query', 'missing');
    }
    const failure = await verifySignature({ method, url, headers, body }, this.options.keys);
    return failure && authError(info.protocol, failure);
  }

  private async answer(exchange: Exchange, mutating: boolean): Promise<WireResponse> {
    const moto = this.motoAccess();
    let response: WireResponse | undefined;
    try {
      for (const gap of this.options.gaps) {
        response = await gap(exchange, moto);
        if (response) break;
      }
      response ??= mutating ? await moto.write(exchange.request) : await moto.read(exchange.request);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      const error = awsError(
        exchange.info.protocol,
        500,
        'InternalFailure',
        `nx-sst local cloud: ${message}`,
      );
      return { status: error.status, headers: error.headers, body: Buffer.from(error.body) };
    }
    this.options.keys.learn(exchange.info, response);
    for (const filter of this.options.filters) {
      response = await filter(exchange, response, moto);
    }
    return response;
  }
}

/** What a client speaking HTTP/2 with prior knowledge sends first (RFC 9113, section 3.4). */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * An HTTP/2 request's headers as HTTP/1.1 has them, so both take the same path: no pseudo-headers,
 * and `:authority` as `host` (the SDK sends no `host` over HTTP/2). Signed headers keep their names.
 */
function http1Headers(headers: http2.IncomingHttpHeaders): http.IncomingHttpHeaders {
  const out: http.IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(':')) out[name] = value;
  }
  if (out.host === undefined && headers[':authority'] !== undefined) out.host = headers[':authority'];
  return out;
}

/**
 * moto checks the signature (with `iam: true`) of the HTTP/1.1 request it gets, which cannot carry
 * `:authority`: an HTTP/2 request that signed it, already verified, is signed again with the same key
 * and date over the same headers, `host` for `:authority`, as the client would have over HTTP/1.1.
 */
async function signForHttp1(request: WireRequest, keys: KeyRing): Promise<void> {
  const auth = request.headers.authorization;
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),/.exec(
      auth ?? '',
    );
  if (!m) return;
  const [, accessKeyId, region, service, list] = m;
  const names = list.split(';');
  const key = keys.get(accessKeyId);
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(request.headers['x-amz-date'] ?? '');
  if (!names.includes(':authority') || !key || !date) return;
  const headers: Record<string, string> = { host: request.headers.host };
  for (const name of names) {
    if (name !== ':authority' && request.headers[name] !== undefined) headers[name] = request.headers[name];
  }
  const at = request.url.indexOf('?');
  const query: Record<string, string | string[]> = {};
  for (const [name, value] of new URLSearchParams(at < 0 ? '' : request.url.slice(at + 1))) {
    const had = query[name];
    query[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  const signer = new SignatureV4({
    credentials: key,
    region,
    service,
    sha256: Sha256,
    uriEscapePath: service !== 's3',
  });
  const [, y, mo, d, h, mi, sec] = date.map(Number);
  const resigned = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: request.headers.host,
      path: at < 0 ? request.url : request.url.slice(0, at),
      query,
      headers,
      body: request.body,
    },
    { signingDate: new Date(Date.UTC(y, mo - 1, d, h, mi, sec)) },
  );
  request.headers.authorization = resigned.headers.authorization;
}

/** Headers HTTP/2 forbids in an answer (RFC 9113, section 8.2.2); Node throws on them. */
const CONNECTION_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);

function readBody(req: http.IncomingMessage | http2.Http2ServerRequest): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function send(
  res: http.ServerResponse | http2.Http2ServerResponse,
  method: string,
  answer: WireResponse,
): void {
  const headers: Record<string, string | number | string[]> = {
    ...answer.headers,
    ...answer.multiValueHeaders,
  };
  // A HEAD answer keeps the length moto stated for the body a GET would return.
  if (method !== 'HEAD' || headers['content-length'] === undefined) {
    headers['content-length'] = answer.body.length;
  }
  if (res instanceof http2.Http2ServerResponse) {
    for (const name of Object.keys(headers)) {
      if (CONNECTION_HEADERS.has(name.toLowerCase())) delete headers[name];
    }
  }
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}

/** moto serves its control routes on any path that starts so, whatever the host (werkzeug decodes it). */
export function namesMotoApi(url: string): boolean {
  let pathname = new URL(url, 'http://local').pathname;
  try {
    pathname = decodeURIComponent(pathname);
  } catch {
    // left as sent; werkzeug would not decode it either
  }
  return pathname.startsWith('/moto-api');
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
