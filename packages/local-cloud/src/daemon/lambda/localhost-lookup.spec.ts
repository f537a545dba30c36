import dns = require('node:dns');
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveLocalhostNames } from './localhost-lookup';

describe('resolveLocalhostNames', () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = http.createServer((req, res) => res.end(`host ${req.headers.host}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    resolveLocalhostNames();
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('lets fetch and http reach a *.localhost host on the loopback', async () => {
    const res = await fetch(`http://abc123.lambda-url.localhost:${port}/`);
    expect(await res.text()).toBe(`host abc123.lambda-url.localhost:${port}`);
    const viaHttp = await new Promise<string>((resolve, reject) =>
      http
        .get(`http://abc123.lambda-url.localhost:${port}/x`, (r) => {
          let body = '';
          r.on('data', (d) => (body += d));
          r.on('end', () => resolve(body));
        })
        .on('error', reject),
    );
    expect(viaHttp).toBe(`host abc123.lambda-url.localhost:${port}`);
  });

  it('answers lookups in every calling form, and leaves other names to the system', async () => {
    const lookup = (name: string, options: dns.LookupOptions = {}) =>
      new Promise((resolve, reject) =>
        dns.lookup(name, options, (error, address, family) =>
          error ? reject(error) : resolve(options.all ? address : { address, family }),
        ),
      );
    expect(await lookup('a.b.localhost')).toEqual({ address: '127.0.0.1', family: 4 });
    expect(await lookup('a.localhost', { family: 6 })).toEqual({ address: '::1', family: 6 });
    expect(await lookup('a.localhost', { all: true })).toEqual([{ address: '127.0.0.1', family: 4 }]);
    await expect(lookup('nx-sst-no-such-name.invalid')).rejects.toMatchObject({
      code: 'ENOTFOUND',
    });
  });
});
