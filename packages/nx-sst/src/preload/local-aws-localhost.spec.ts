import { spawn } from 'node:child_process';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_AWS_PRELOAD, withLocalAwsPreload } from './local-aws';

// A process bound to `local` reaches the host form of a local function URL (what a NextjsSite binds there):
// Node does not resolve *.localhost by itself.
describe('a process bound to the local stage', () => {
  let server: http.Server;
  let port: number;

  beforeAll(async () => {
    server = http.createServer((req, res) => res.end(`host ${req.headers.host}`));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const run = (local: boolean) =>
    new Promise<string>((resolve) => {
      const child = spawn(
        process.execPath,
        [
          '-e',
          `fetch('http://abc.lambda-url.localhost:${port}/').then((r) => r.text(), (e) => 'failed ' + e.cause?.code).then((t) => process.stdout.write(t))`,
        ],
        {
          env: {
            ...process.env,
            NODE_OPTIONS: withLocalAwsPreload(undefined, local),
            NX_SST_LOCAL_CLOUD: local ? `http://127.0.0.1:${port}` : '',
          },
        },
      );
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.on('close', () => resolve(out));
    });

  it('fetches a *.localhost URL on the loopback', async () => {
    expect(LOCAL_AWS_PRELOAD).toMatch(/local-aws-register\.js$/);
    expect(await run(true)).toBe(`host abc.lambda-url.localhost:${port}`);
  });
});
