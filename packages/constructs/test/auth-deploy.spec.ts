import { execFileSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { LocalCloud } from '@nx-sst/local-cloud';
import { Api, App, Auth, Function, type StackContext } from '../src';
import { startDeployTarget, type DeployTarget } from '../src/test-utils/local-deploy';

jest.setTimeout(600_000);

// Handlers written as SST v2 apps write them, with only the import rewritten. The workspace sits under
// this package's tmp/ so that esbuild resolves @nx-sst/runtime (as built) from the repository.
const AUTHENTICATOR = `
import { AuthHandler, LinkAdapter, Session } from '@nx-sst/runtime/auth';

export const handler = AuthHandler({
  providers: {
    link: LinkAdapter({
      onLink: async (link) => ({ statusCode: 200, body: link }),
      onSuccess: async (claims) =>
        Session.parameter({ type: 'user', properties: { email: String(claims.email) }, redirect: 'https://app.example.com/' }),
      onError: async () => ({ statusCode: 401, body: 'bad link' }),
    }),
  },
});
`;
const ME = `
import { load } from '@nx-sst/runtime';
import { ApiHandler } from '@nx-sst/runtime/api';
import { useSession } from '@nx-sst/runtime/auth';

export const handler = ApiHandler(async () => {
  await load();
  return { statusCode: 200, body: JSON.stringify(useSession()) };
});
`;

function AuthStack({ stack }: StackContext) {
  const api = new Api(stack, 'api', { routes: { 'GET /me': 'packages/functions/src/me.handler' } });
  const auth = new Auth(stack, 'auth', { authenticator: { handler: 'packages/functions/src/auth.handler' } });
  auth.attach(stack, { api });
  new Function(stack, 'verify', { handler: 'packages/functions/src/me.handler', bind: [auth] });
  stack.addOutputs({ url: api.url });
}

/** A request to the local cloud's HTTP API under the API's own host name, as a browser would send it. */
function get(cloud: LocalCloud, host: string, target: string, headers: Record<string, string> = {}) {
  const { port } = new URL(cloud.endpoint);
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>(
    (resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: target, method: 'GET', headers: { host, ...headers } },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

describe('Auth on the local cloud', () => {
  let cloud: LocalCloud;
  let root: string;
  let ssm: SSMClient;
  let lambda: LambdaClient;
  let apiHost: string;
  let target: DeployTarget;
  let assembly: import('aws-cdk-lib/cx-api').CloudAssembly;

  beforeAll(async () => {
    const tmp = path.join(__dirname, '..', 'tmp');
    fs.mkdirSync(tmp, { recursive: true });
    root = fs.mkdtempSync(path.join(tmp, 'auth-deploy-'));
    fs.mkdirSync(path.join(root, 'packages/functions/src'), { recursive: true });
    fs.writeFileSync(path.join(root, 'packages/functions/src/auth.ts'), AUTHENTICATOR);
    fs.writeFileSync(path.join(root, 'packages/functions/src/me.ts'), ME);
    target = await startDeployTarget();
    cloud = target.cloud;
    ssm = new SSMClient(cloud.clientConfig);
    lambda = new LambdaClient(cloud.clientConfig);
    const app = new App({
      name: 'authapp',
      stage: 'local',
      region: cloud.region,
      account: cloud.accountId,
      workspaceRoot: root,
      outdir: path.join(root, '.sst', 'cdk.out'),
      resolveProject: () => ({ name: 'functions', root: 'packages/functions' }),
    });
    app.stack(AuthStack);
    assembly = app.synth();
    await target.deploy(assembly, ['AuthStack']);
    const cfn = new CloudFormationClient(cloud.clientConfig);
    const stack = await cfn.send(new DescribeStacksCommand({ StackName: 'local-authapp-AuthStack' }));
    cfn.destroy();
    const url = stack.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'url')?.OutputValue ?? '';
    const apiId = /execute-api\/([^/]+)/.exec(url)?.[1] ?? '';
    expect(apiId).not.toBe('');
    apiHost = `${apiId}.execute-api.localhost:${new URL(cloud.endpoint).port}`;
  });

  afterAll(async () => {
    ssm?.destroy();
    lambda?.destroy();
    await target?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('generates the key pair into SecureString parameters: a matching RSA pair', async () => {
    const names = ['/sst/authapp/local/Auth/auth/publicKey', '/sst/authapp/local/Auth/auth/privateKey'];
    const found = await ssm.send(new GetParametersCommand({ Names: names, WithDecryption: true }));
    expect(found.InvalidParameters).toEqual([]);
    const byName = Object.fromEntries(found.Parameters!.map((p) => [p.Name, p]));
    expect(names.map((n) => byName[n].Type)).toEqual(['SecureString', 'SecureString']);
    const publicKey = byName[names[0]].Value!;
    const privateKey = byName[names[1]].Value!;
    expect(publicKey).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(privateKey).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' })).toBe(publicKey);
    // Not readable without decryption: a SecureString, not a String.
    const raw = await ssm.send(new GetParameterCommand({ Name: names[1] }));
    expect(raw.Parameter?.Value).not.toBe(privateKey);
  });

  it('a bound function reads Auth.auth.publicKey through @nx-sst/runtime/auth under its deployed environment', async () => {
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: await functionName('verify') }));
    const env = fn.Configuration?.Environment?.Variables ?? {};
    expect(env).toMatchObject({ SST_Auth_publicKey_auth: '__FETCH_FROM_SSM__' });
    expect(env).not.toHaveProperty('SST_Auth_privateKey_auth');
    const runtime = path.dirname(require.resolve('@nx-sst/runtime/package.json'));
    const script = `
      const { load } = require(${JSON.stringify(runtime)});
      const { Auth } = require(${JSON.stringify(runtime)} + '/dist/cjs/auth.js');
      load().then(() => process.stdout.write(Auth.auth.publicKey), (e) => { process.stderr.write(String(e)); process.exit(1); });`;
    const out = execFileSync(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH ?? '', ...cloud.env, ...env },
      encoding: 'utf8',
    });
    const stored = await ssm.send(
      new GetParameterCommand({ Name: '/sst/authapp/local/Auth/auth/publicKey', WithDecryption: true }),
    );
    expect(out).toBe(stored.Parameter?.Value);
  });

  it('runs the link flow through the deployed Api: authorize, open the link, a session the routes verify', async () => {
    const list = await get(cloud, apiHost, '/auth');
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body)).toEqual({ link: `http://${apiHost}/auth/link/authorize` });
    const sent = await get(cloud, apiHost, '/auth/link/authorize?email=ada%40example.com');
    expect(sent.status).toBe(200);
    const link = new URL(sent.body);
    expect(`${link.host}${link.pathname}`).toBe(`${apiHost}/auth/link/callback`);
    const done = await get(cloud, apiHost, `${link.pathname}${link.search}`);
    expect(done.status).toBe(302);
    const token = new URL(String(done.headers.location)).searchParams.get('token')!;
    const me = await get(cloud, apiHost, '/me', { authorization: `Bearer ${token}` });
    expect(JSON.parse(me.body)).toMatchObject({ type: 'user', properties: { email: 'ada@example.com' } });
    // A link whose claims were changed after signing is refused.
    const [h, p, sig] = link.searchParams.get('token')!.split('.');
    const claims = { ...JSON.parse(Buffer.from(p, 'base64url').toString()), email: 'eve@example.com' };
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
    expect((await get(cloud, apiHost, `${link.pathname}?token=${forged}`)).status).toBe(401);
  });

  it('deletes the key pair with the stack', async () => {
    await target.destroy(assembly, ['AuthStack']);
    const names = ['/sst/authapp/local/Auth/auth/publicKey', '/sst/authapp/local/Auth/auth/privateKey'];
    const found = await ssm.send(new GetParametersCommand({ Names: names }));
    expect(found.InvalidParameters?.sort()).toEqual([...names].sort());
  });

  async function functionName(prefix: string): Promise<string> {
    const cfn = new CloudFormationClient(cloud.clientConfig);
    try {
      const out = await cfn.send(new DescribeStackResourcesCommand({ StackName: 'local-authapp-AuthStack' }));
      const match = (out.StackResources ?? []).filter(
        (r) => r.ResourceType === 'AWS::Lambda::Function' && r.LogicalResourceId!.startsWith(prefix),
      );
      if (match.length !== 1) throw new Error(`expected one function ${prefix}*`);
      return match[0].PhysicalResourceId!;
    } finally {
      cfn.destroy();
    }
  }
});
