import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startTestCloud, type LocalCloud } from '@nx-sst/local-cloud';
import { AUTH_KEYS_HANDLER } from '../src/auth';

jest.setTimeout(120_000);

// The provider Lambda that AWS runs for an Auth's key pair (the local cloud emulates it instead), run
// here as Lambda would: Node with the SDK v3, its events, and a response URL it must PUT its answer to.
describe('the Auth key pair provider', () => {
  let cloud: LocalCloud;
  let ssm: SSMClient;
  let dir: string;
  let server: http.Server;
  const answers: Record<string, unknown>[] = [];

  beforeAll(async () => {
    cloud = await startTestCloud();
    ssm = new SSMClient(cloud.clientConfig);
    const tmp = path.join(__dirname, '..', 'tmp');
    fs.mkdirSync(tmp, { recursive: true });
    dir = fs.mkdtempSync(path.join(tmp, 'auth-keys-'));
    fs.writeFileSync(path.join(dir, 'index.js'), AUTH_KEYS_HANDLER);
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        answers.push(JSON.parse(body));
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    ssm?.destroy();
    await new Promise((resolve) => server?.close(resolve));
    await cloud?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  // Asynchronously: the answer is PUT to this process's server, which must keep serving meanwhile.
  const run = async (event: Record<string, unknown>) => {
    const { port } = server.address() as AddressInfo;
    const full = {
      StackId: 'stack',
      RequestId: 'req',
      LogicalResourceId: 'authKeys',
      ResponseURL: `http://127.0.0.1:${port}/answer?sig=1`,
      ...event,
    };
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-e', `require('./index.js').handler(${JSON.stringify(full)}).then(() => process.stdout.write('ok'))`],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', ...cloud.env }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(stdout).toBe('ok');
    return answers[answers.length - 1];
  };
  const read = async (names: string[]) => {
    const found = await ssm.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
    return {
      values: Object.fromEntries((found.Parameters ?? []).map((p) => [p.Name, p])),
      invalid: found.InvalidParameters,
    };
  };

  it('fits CloudFormation inline code (4096 characters)', () => {
    expect(AUTH_KEYS_HANDLER.length).toBeLessThan(4096);
  });

  it('creates a matching RSA pair as SecureStrings, moves it on a rename, deletes it, and answers each', async () => {
    const props = {
      PublicKeyParameter: '/sst/a/dev/Auth/auth/publicKey',
      PrivateKeyParameter: '/sst/a/dev/Auth/auth/privateKey',
    };
    expect(await run({ RequestType: 'Create', ResourceProperties: props })).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: props.PublicKeyParameter,
      LogicalResourceId: 'authKeys',
    });
    const created = await read([props.PublicKeyParameter, props.PrivateKeyParameter]);
    const publicKey = created.values[props.PublicKeyParameter];
    const privateKey = created.values[props.PrivateKeyParameter];
    expect([publicKey.Type, privateKey.Type]).toEqual(['SecureString', 'SecureString']);
    expect(createPublicKey(privateKey.Value!).export({ type: 'spki', format: 'pem' })).toBe(publicKey.Value);
    expect(JSON.stringify(answers)).not.toContain('PRIVATE KEY');

    const renamed = {
      PublicKeyParameter: '/sst/a/dev/Auth/login/publicKey',
      PrivateKeyParameter: '/sst/a/dev/Auth/login/privateKey',
    };
    expect(
      await run({
        RequestType: 'Update',
        ResourceProperties: renamed,
        OldResourceProperties: props,
        PhysicalResourceId: props.PublicKeyParameter,
      }),
    ).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: renamed.PublicKeyParameter,
    });
    const moved = await read([renamed.PublicKeyParameter, renamed.PrivateKeyParameter]);
    expect(moved.values[renamed.PrivateKeyParameter].Value).toBe(privateKey.Value);
    // CloudFormation then deletes the old physical resource, with its old properties.
    await run({
      RequestType: 'Delete',
      ResourceProperties: props,
      PhysicalResourceId: props.PublicKeyParameter,
    });
    expect((await read([props.PublicKeyParameter])).invalid).toEqual([props.PublicKeyParameter]);
    expect((await read([renamed.PrivateKeyParameter])).values[renamed.PrivateKeyParameter].Value).toBe(
      privateKey.Value,
    );

    await run({
      RequestType: 'Delete',
      ResourceProperties: renamed,
      PhysicalResourceId: renamed.PublicKeyParameter,
    });
    expect((await read([renamed.PublicKeyParameter, renamed.PrivateKeyParameter])).invalid?.sort()).toEqual(
      [renamed.PrivateKeyParameter, renamed.PublicKeyParameter].sort(),
    );
  });

  it('answers FAILED with the SDK error when it cannot write, never hanging the stack', async () => {
    const answer = await run({
      RequestType: 'Create',
      ResourceProperties: {
        PublicKeyParameter: 'aws-reserved/publicKey',
        PrivateKeyParameter: 'aws-reserved/privateKey',
      },
    });
    expect(answer).toMatchObject({ Status: 'FAILED' });
    expect(String(answer.Reason)).toMatch(/\w+: /);
  });
});
