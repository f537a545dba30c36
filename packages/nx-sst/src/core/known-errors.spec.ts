import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Toolkit } from '@aws-cdk/toolkit-lib';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { reportError } from '../commands/commands';
import { NxSstError } from './errors';
import { explainError, failureMessage } from './known-errors';

/** The error a real call rejects with. */
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );

describe('failureMessage', () => {
  it("shows what toolkit-lib's 'Assembly builder failed' wraps", async () => {
    const toolkit = new Toolkit({
      ioHost: { notify: async () => undefined, requestResponse: async (m) => m.defaultResponse },
    });
    const source = await toolkit.fromAssemblyBuilder(async () => {
      throw new Error(
        'Function "api": bundling a.ts with esbuild failed:\n  a.ts:1:20: Could not resolve "x"',
      );
    });
    const error = await rejection(toolkit.synth(source));
    expect((error as Error).message).toBe('Assembly builder failed');
    expect(failureMessage(error)).toBe(
      'Function "api": bundling a.ts with esbuild failed:\n  a.ts:1:20: Could not resolve "x"',
    );
    expect(failureMessage(new Error('plain'))).toBe('plain');
  });
});

describe('explainError', () => {
  it('a refused loopback connection (a local cloud gone) from a real SDK call', async () => {
    // A port that was just free: nothing listens on it any more.
    const server = http.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const ssm = new SSMClient({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    const error = await rejection(ssm.send(new GetParameterCommand({ Name: '/x' })));
    ssm.destroy();
    const known = explainError(error, { what: 'The deploy of shop failed' });
    expect(known?.message).toBe(
      `The deploy of shop failed: The local cloud stopped answering (connection to 127.0.0.1:${port} refused); ` +
        'its daemon was stopped or killed while the command ran.',
    );
    // On AWS a refused loopback connection is something else (a proxy?): left as it is.
    expect(explainError(error, { local: false })).toBeUndefined();
  });

  it('leaves an error of ours and an unknown error alone', () => {
    const ours = new NxSstError('Fix ECONNREFUSED 127.0.0.1:1 yourself', 'hint');
    const lines: string[] = [];
    expect(reportError(ours, { err: (t) => lines.push(t) })).toBe(1);
    expect(lines).toEqual(['✖ Fix ECONNREFUSED 127.0.0.1:1 yourself\n  hint\n']);
    expect(explainError(new Error('boom'))).toBeUndefined();
  });
});
