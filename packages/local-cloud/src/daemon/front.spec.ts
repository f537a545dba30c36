import * as http from 'node:http';
import * as http2 from 'node:http2';
import { KinesisClient, PutRecordCommand } from '@aws-sdk/client-kinesis';
import { KeyRing, verifySignature } from './auth';
import { AUTHORIZE_ONLY_HEADER, Front, namesMotoApi, ReadWriteGate } from './front';
import type { Journal } from './journal';
import type { MotoClient, WireRequest, WireResponse } from './moto-client';
import { MOTO_TOKEN_HEADER } from './moto-process';
import { signedJsonHeaders } from '../test-utils/signed-call';

describe('ReadWriteGate', () => {
  const tick = () => new Promise((r) => setTimeout(r, 5));

  it('runs reads together and a write alone, writers first', async () => {
    const gate = new ReadWriteGate();
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`${name}+`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`${name}-`);
    };
    const r1 = gate.read(task('r1', 30));
    const r2 = gate.read(task('r2', 30));
    await tick();
    const w1 = gate.write(task('w1', 10));
    await tick();
    // Arrives after the writer: waits for it although a read is still running.
    const r3 = gate.read(task('r3', 5));
    await Promise.all([r1, r2, w1, r3]);
    expect(log.slice(0, 2).sort()).toEqual(['r1+', 'r2+']);
    const w = log.indexOf('w1+');
    expect(log.indexOf('r1-')).toBeLessThan(w);
    expect(log.indexOf('r2-')).toBeLessThan(w);
    expect(log[w + 1]).toBe('w1-');
    expect(log.indexOf('r3+')).toBeGreaterThan(w);
  });

  it('keeps going after a task fails', async () => {
    const gate = new ReadWriteGate();
    await expect(gate.write(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.read(async () => 'read')).resolves.toBe('read');
    await expect(gate.write(async () => 'write')).resolves.toBe('write');
  });

  it('admits waiting writers one at a time (they used to pass together after the first left)', async () => {
    const gate = new ReadWriteGate();
    let inside = 0;
    let most = 0;
    const task = async () => {
      inside++;
      most = Math.max(most, inside);
      await tick();
      inside--;
    };
    const mixed = Array.from({ length: 8 }, (_, i) => (i % 3 === 2 ? gate.read(tick) : gate.write(task)));
    await Promise.all([gate.write(task), ...Array.from({ length: 8 }, () => gate.write(task)), ...mixed]);
    expect(most).toBe(1);
  });

  it('never runs a read beside a write', async () => {
    const gate = new ReadWriteGate();
    let writing = false;
    let overlap = false;
    const write = () =>
      gate.write(async () => {
        writing = true;
        await tick();
        writing = false;
      });
    const read = () =>
      gate.read(async () => {
        if (writing) overlap = true;
        await tick();
        if (writing) overlap = true;
      });
    await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? write() : read())));
    expect(overlap).toBe(false);
  });
});

describe('namesMotoApi', () => {
  it('finds moto`s control routes however the path is spelled, and nothing else', () => {
    for (const url of [
      '/moto-api/data.json',
      '/moto-api/reset',
      '/%6Doto-api/seed?a=1',
      'http://x/moto-api/nx-sst/lambda-code',
    ])
      expect(namesMotoApi(url)).toBe(true);
    for (const url of ['/bucket/moto-api/data.json', '/motoapi', '/']) expect(namesMotoApi(url)).toBe(false);
  });
});

describe('Front on one port: HTTP/1.1 and HTTP/2 with prior knowledge', () => {
  const credentials = { accessKeyId: 'AKIAFRONTSPEC0000000', secretAccessKey: 'front-spec-secret' };
  const keys = new KeyRing();
  keys.add(credentials);
  const seen: WireRequest[] = [];
  const moto = {
    send: async (request: WireRequest): Promise<WireResponse> => {
      seen.push(request);
      return {
        status: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'r' },
        body: Buffer.from(JSON.stringify({ ShardId: 'shardId-000000000000', SequenceNumber: '1' })),
      };
    },
    seed: async () => undefined,
  } as unknown as MotoClient;
  const journal = { seq: 0, append: async () => undefined } as unknown as Journal;
  const front = new Front({
    moto,
    journal,
    gaps: [],
    filters: [],
    keys,
    control: async () => ({ status: 200, json: { ok: true } }),
    controlToken: 'control',
  });
  let port: number;
  const target = 'Kinesis_20131202.PutRecord';
  const payload = JSON.stringify({ StreamName: 's', PartitionKey: 'p', Data: 'aGk=' });

  /** A PutRecord signed as the SDK signs it: `host` over HTTP/1.1, `:authority` over HTTP/2. */
  const signed = (hostHeader: 'host' | ':authority', extra: Record<string, string> = {}) =>
    signedJsonHeaders({
      credentials,
      region: 'us-east-1',
      service: 'kinesis',
      port,
      target,
      body: payload,
      headers: extra,
      hostHeader,
    });
  const tamper = (headers: Record<string, string>) => ({
    ...headers,
    authorization: headers.authorization.replace(/Signature=[0-9a-f]{4}/, 'Signature=0000'),
  });
  const viaHttp1 = (headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end(payload);
    });
  const viaHttp2 = (headers: Record<string, string>) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const session = http2.connect(`http://127.0.0.1:${port}`);
      session.on('error', reject);
      const stream = session.request({ ...headers, ':method': 'POST', ':path': '/' });
      let status = 0;
      let body = '';
      stream.on('response', (h) => (status = Number(h[':status'])));
      stream.on('data', (c: Buffer) => (body += c.toString()));
      stream.on('end', () => {
        session.close();
        resolve({ status, body });
      });
      stream.on('error', reject);
      stream.end(payload);
    });

  beforeAll(async () => {
    port = await front.listen(0);
  });
  afterAll(() => front.close());
  beforeEach(() => (seen.length = 0));

  it('a Kinesis client with its default (HTTP/2) handler gets its answer; moto gets an HTTP/1.1 request it can verify', async () => {
    const kinesis = new KinesisClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials,
    });
    try {
      const out = await kinesis.send(
        new PutRecordCommand({ StreamName: 's', PartitionKey: 'p', Data: Buffer.from('hi') }),
      );
      expect(out.SequenceNumber).toBe('1');
    } finally {
      kinesis.destroy();
    }
    expect(seen).toHaveLength(1);
    const [request] = seen;
    expect(Object.keys(request.headers).filter((name) => name.startsWith(':'))).toEqual([]);
    expect(request.headers.host).toBe(`127.0.0.1:${port}`);
    // moto (with `iam: true`) checks the signature of what it gets: it must hold without `:authority`.
    expect(request.headers.authorization).toMatch(/SignedHeaders=[^,]*\bhost;/);
    expect(await verifySignature(request, keys)).toBeUndefined();
  });

  it('refuses an HTTP/2 request with a bad signature as it refuses an HTTP/1.1 one', async () => {
    const one = await viaHttp1(tamper(await signed('host')));
    const two = await viaHttp2(tamper(await signed(':authority')));
    expect(one.status).toBe(400);
    expect(one.body).toContain('InvalidSignatureException');
    expect(two).toEqual(one);
    expect(seen).toEqual([]);
    // Well signed, both pass.
    expect((await viaHttp1(await signed('host'))).status).toBe(200);
    expect((await viaHttp2(await signed(':authority'))).status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it('passes on neither the moto token nor the authorize-only mark a client sends, over either protocol', async () => {
    const extra = { [MOTO_TOKEN_HEADER]: 'guessed', [AUTHORIZE_ONLY_HEADER]: '1' };
    expect((await viaHttp1(await signed('host', extra))).status).toBe(200);
    expect((await viaHttp2(await signed(':authority', extra))).status).toBe(200);
    expect(seen).toHaveLength(2);
    for (const request of seen) {
      expect(request.headers[MOTO_TOKEN_HEADER]).toBeUndefined();
      expect(request.headers[AUTHORIZE_ONLY_HEADER]).toBeUndefined();
    }
  });

  it('still answers HTTP/1.1 control requests on the same port', async () => {
    const got = await new Promise<string>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/_nx-sst/health' }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${res.headers['content-type']} ${body}`));
        })
        .on('error', reject);
    });
    expect(got).toBe('200 application/json {"ok":true}');
  });
});
