import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as http from 'node:http';
import * as cdk from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateFunctionUrlConfigCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { startTestCloud, type LocalCloud } from './index';
import { deployStack, nodeCode } from './test-utils/deploy-stack';
import { unsignedRequest } from './test-utils/unsigned-request';

jest.setTimeout(300_000);

// One bundle, several handlers, as esbuild would emit an ES module (the SDK left external).
const HANDLERS = `
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
const ddb = new DynamoDBClient({});
export const get = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json', 'x-route': event.routeKey, 'access-control-allow-origin': '*' },
  body: JSON.stringify({ id: event.pathParameters.id, query: event.queryStringParameters, rawPath: event.rawPath, stage: event.requestContext.stage, version: event.version }),
});
export const put = async (event) => {
  const note = JSON.parse(event.body);
  await ddb.send(new PutItemCommand({ TableName: process.env.TABLE, Item: { pk: { S: note.id }, text: { S: note.text } } }));
  return { statusCode: 201, cookies: ['seen=1; Path=/', 'theme=dark'], body: 'created ' + note.id };
};
export const echo = async (event) => ({ proxy: event.pathParameters.proxy, method: event.requestContext.http.method, isBase64Encoded: event.isBase64Encoded, body: event.body, cookies: event.cookies });
export const fallback = async (event) => 'no route for ' + event.rawPath;
export const v1 = async (event) => ({ statusCode: 200, multiValueHeaders: { 'x-v': ['1', '2'] }, body: JSON.stringify({ version: event.version, resource: event.resource, path: event.path, httpMethod: event.httpMethod, x: event.pathParameters.x }) });
export const broken = async () => { throw new Error('broken on purpose'); };
export const whoami = async (event) => event.requestContext.authorizer ?? null;
export const simpleauth = async (event) => ({ isAuthorized: event.headers['x-key'] === 'open-sesame', context: { user: 'u1', route: event.routeKey, arn: event.routeArn, identity: event.identitySource } });
// An IAM-policy authorizer gets payload 1.0 (as aws-cdk-lib sets it): methodArn, identitySource as one string.
export const policyauth = async (event) => ({
  principalId: 'p1',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: event.headers['x-key'] === 'open-sesame' ? 'Allow' : 'Deny', Resource: event.methodArn.split('/GET/')[0] + '/*' }] },
  context: { tier: 'gold', version: event.version, identity: event.identitySource },
});
`;

/** An OpenID issuer on the loopback: discovery document and keys, as Cognito or Auth0 serve them. */
async function startIssuer() {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...(publicKey.export({ format: 'jwk' }) as Record<string, string>),
    kid: 'k1',
    alg: 'RS256',
    use: 'sig',
  };
  const server = http.createServer((req, res) => {
    const body =
      req.url === '/.well-known/openid-configuration'
        ? { issuer: url, jwks_uri: `${url}/jwks` }
        : req.url === '/jwks'
          ? { keys: [jwk] }
          : undefined;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const b64 = (v: unknown) =>
    Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  const sign = (claims: Record<string, unknown>, key: crypto.KeyObject = privateKey) => {
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ alg: 'RS256', kid: 'k1', typ: 'JWT' })}.${b64({ iss: url, iat: now, exp: now + 300, ...claims })}`;
    return `${input}.${crypto.sign('sha256', Buffer.from(input), key).toString('base64url')}`;
  };
  return { url, sign, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

function notesApp(issuer: string) {
  return (stack: cdk.Stack) => {
    const code = nodeCode(HANDLERS);
    const table = new cdk.aws_dynamodb.Table(stack, 'Table', {
      partitionKey: { name: 'pk', type: cdk.aws_dynamodb.AttributeType.STRING },
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });
    const fn = (id: string) => {
      const f = new cdk.aws_lambda.Function(stack, id, {
        runtime: cdk.aws_lambda.Runtime.NODEJS_22_X,
        handler: `index.${id.toLowerCase()}`,
        code,
        environment: { TABLE: table.tableName },
      });
      table.grantReadWriteData(f);
      return f;
    };
    // What nx-sst's Api synthesizes: an HttpApi with a $default stage, CORS, a Lambda integration per route.
    const api = new apigw.HttpApi(stack, 'Api', {
      corsPreflight: {
        allowOrigins: ['https://app.example'],
        allowMethods: [apigw.CorsHttpMethod.ANY],
        allowHeaders: ['content-type'],
        exposeHeaders: ['x-route'],
      },
    });
    const route = (
      routePath: string,
      method: apigw.HttpMethod,
      f: cdk.aws_lambda.IFunction,
      extra: Partial<apigw.AddRoutesOptions> = {},
      v1 = false,
    ) =>
      api.addRoutes({
        path: routePath,
        methods: [method],
        integration: new integrations.HttpLambdaIntegration(
          `I${method}${routePath.replace(/\W/g, '')}`,
          f,
          v1 ? { payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_1_0 } : {},
        ),
        ...extra,
      });
    const get = fn('Get');
    route('/notes/{id}', apigw.HttpMethod.GET, get);
    route('/notes', apigw.HttpMethod.POST, fn('Put'));
    route('/files/{proxy+}', apigw.HttpMethod.ANY, fn('Echo'));
    route('/v1/{x}', apigw.HttpMethod.GET, fn('V1'), {}, true);
    route('/broken', apigw.HttpMethod.GET, fn('Broken'));
    const jwt = new authorizers.HttpJwtAuthorizer('Jwt', issuer, { jwtAudience: ['notes-app'] });
    const whoami = fn('Whoami');
    route('/secret', apigw.HttpMethod.GET, whoami, { authorizer: jwt });
    route('/scoped', apigw.HttpMethod.GET, whoami, { authorizer: jwt, authorizationScopes: ['notes/write'] });
    route('/simple/{x}', apigw.HttpMethod.GET, whoami, {
      authorizer: new authorizers.HttpLambdaAuthorizer('Simple', fn('SimpleAuth'), {
        responseTypes: [authorizers.HttpLambdaResponseType.SIMPLE],
        identitySource: ['$request.header.x-key'],
        resultsCacheTtl: cdk.Duration.seconds(0),
      }),
    });
    route('/policy', apigw.HttpMethod.GET, whoami, {
      authorizer: new authorizers.HttpLambdaAuthorizer('Policy', fn('PolicyAuth'), {
        responseTypes: [authorizers.HttpLambdaResponseType.IAM],
        identitySource: ['$request.header.x-key'],
        resultsCacheTtl: cdk.Duration.seconds(0),
      }),
    });
    const fallback = fn('Fallback');
    new apigw.HttpRoute(stack, 'Default', {
      httpApi: api,
      routeKey: apigw.HttpRouteKey.DEFAULT,
      integration: new integrations.HttpLambdaIntegration('IDefault', fallback),
    });
    new cdk.CfnOutput(stack, 'FallbackFunction', { value: fallback.functionName });
    new cdk.CfnOutput(stack, 'Url', { value: api.apiEndpoint });
    new cdk.CfnOutput(stack, 'ApiId', { value: api.apiId });
    new cdk.CfnOutput(stack, 'TableName', { value: table.tableName });
    new cdk.CfnOutput(stack, 'GetFunction', { value: get.functionName });
  };
}

describe('HTTP APIs and function URLs served by the local cloud', () => {
  let cloud: LocalCloud;
  let outputs: Record<string, string>;
  let issuer: Awaited<ReturnType<typeof startIssuer>>;

  beforeAll(async () => {
    cloud = await startTestCloud();
    issuer = await startIssuer();
    outputs = await deployStack(cloud, 'Notes', notesApp(issuer.url));
  });
  afterAll(async () => {
    await cloud?.stop();
    await issuer?.close();
  });

  it('the API`s endpoint (the CloudFormation output a bound Api.url resolves to) is a local URL', () => {
    expect(outputs.Url).toBe(`${cloud.endpoint}/_aws/execute-api/${outputs.ApiId}`);
  });

  it('routes by route key with path parameters and query, payload 2.0', async () => {
    const res = await fetch(`${outputs.Url}/notes/42?x=1&x=2`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-route')).toBe('GET /notes/{id}');
    expect(await res.json()).toEqual({
      id: '42',
      query: { x: '1,2' },
      rawPath: '/notes/42',
      stage: '$default',
      version: '2.0',
    });
  });

  it('a POST writes the bound table; status, body and cookies come back as the handler set them', async () => {
    const res = await fetch(`${outputs.Url}/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'n1', text: 'hello' }),
    });
    expect(res.status).toBe(201);
    expect(await res.text()).toBe('created n1');
    expect(res.headers.getSetCookie()).toEqual(['seen=1; Path=/', 'theme=dark']);
    const ddb = new DynamoDBClient(cloud.clientConfig);
    const { Item } = await ddb.send(
      new GetItemCommand({ TableName: outputs.TableName, Key: { pk: { S: 'n1' } } }),
    );
    ddb.destroy();
    expect(Item?.text.S).toBe('hello');
  });

  it('greedy {proxy+}, binary bodies as base64, cookies in the event; $default takes the rest', async () => {
    const res = await fetch(`${outputs.Url}/files/a/b/c.txt`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', cookie: 'k=v; k2=v2' },
      body: new Uint8Array([1, 2, 3]),
    });
    expect(await res.json()).toEqual({
      proxy: 'a/b/c.txt',
      method: 'PUT',
      isBase64Encoded: true,
      body: 'AQID',
      cookies: ['k=v', 'k2=v2'],
    });
    const fallback = await fetch(`${outputs.Url}/nowhere`);
    expect([fallback.status, fallback.headers.get('content-type'), await fallback.text()]).toEqual([
      200,
      'application/json',
      'no route for /nowhere',
    ]);
  });

  it('payload format 1.0 routes get the REST event and answer with multi-value headers', async () => {
    const res = await fetch(`${outputs.Url}/v1/abc`);
    expect(res.headers.get('x-v')).toBe('1, 2');
    expect(await res.json()).toEqual({
      version: '1.0',
      resource: '/v1/{x}',
      path: '/v1/abc',
      httpMethod: 'GET',
      x: 'abc',
    });
  });

  it('a failing handler is a 500 as on API Gateway; an unknown API a 404', async () => {
    const res = await fetch(`${outputs.Url}/broken`);
    expect([res.status, await res.json()]).toEqual([500, { message: 'Internal Server Error' }]);
    const missing = await fetch(`${cloud.endpoint}/_aws/execute-api/zzzzzzzz/notes/1`);
    expect([missing.status, await missing.json()]).toEqual([404, { message: 'Not Found' }]);
  });

  it('a JWT authorizer checks the token against the issuer`s keys, audience, expiry and scopes', async () => {
    const get = (route: string, token?: string) =>
      fetch(`${outputs.Url}${route}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    const none = await get('/secret');
    expect([none.status, await none.json()]).toEqual([401, { message: 'Unauthorized' }]);
    const ok = await get('/secret', issuer.sign({ sub: 'u1', aud: 'notes-app', scope: 'notes/read' }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      jwt: { claims: { sub: 'u1', aud: 'notes-app', iss: issuer.url }, scopes: ['notes/read'] },
    });
    // An access token without aud is judged by client_id.
    expect((await get('/secret', issuer.sign({ sub: 'u1', client_id: 'notes-app' }))).status).toBe(200);
    for (const bad of [
      issuer.sign({ sub: 'u1', aud: 'another-app' }),
      issuer.sign({ sub: 'u1', aud: 'notes-app', exp: Math.floor(Date.now() / 1000) - 60 }),
      issuer.sign(
        { sub: 'u1', aud: 'notes-app' },
        crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
      ),
      issuer.sign({ sub: 'u1', aud: 'notes-app', iss: 'https://elsewhere.example' }),
    ]) {
      const res = await get('/secret', bad);
      expect([res.status, res.headers.get('www-authenticate')]).toEqual([
        401,
        expect.stringContaining('invalid_token'),
      ]);
    }
    const unscoped = await get('/scoped', issuer.sign({ sub: 'u1', aud: 'notes-app', scope: 'notes/read' }));
    expect([unscoped.status, await unscoped.json()]).toEqual([403, { message: 'Forbidden' }]);
    const scoped = await get(
      '/scoped',
      issuer.sign({ sub: 'u1', aud: 'notes-app', scope: 'notes/read notes/write' }),
    );
    expect(scoped.status).toBe(200);
  });

  it('Lambda authorizers: simple and IAM-policy answers decide; their context reaches the route', async () => {
    const get = (route: string, key?: string) =>
      fetch(`${outputs.Url}${route}`, key ? { headers: { 'x-key': key } } : {});
    const missing = await get('/simple/1');
    expect([missing.status, await missing.json()]).toEqual([401, { message: 'Unauthorized' }]);
    const wrong = await get('/simple/1', 'guess');
    expect([wrong.status, await wrong.json()]).toEqual([403, { message: 'Forbidden' }]);
    const right = await get('/simple/1', 'open-sesame');
    expect(right.status).toBe(200);
    expect(await right.json()).toEqual({
      lambda: {
        user: 'u1',
        route: 'GET /simple/{x}',
        arn: `arn:aws:execute-api:${cloud.region}:${cloud.accountId}:${outputs.ApiId}/$default/GET/simple/1`,
        identity: ['open-sesame'],
      },
    });
    expect((await get('/policy', 'guess')).status).toBe(403);
    const allowed = await get('/policy', 'open-sesame');
    expect([allowed.status, await allowed.json()]).toEqual([
      200,
      { lambda: { tier: 'gold', version: '1.0', identity: 'open-sesame' } },
    ]);
  });

  it('CORS as configured: preflight answered by the API, allowed origin on the answer', async () => {
    const pre = await unsignedRequest(`${outputs.Url}/notes/1`, 'OPTIONS', {
      origin: 'https://app.example',
      'access-control-request-method': 'GET',
      'access-control-request-headers': 'content-type',
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('https://app.example');
    const res = await fetch(`${outputs.Url}/notes/1`, { headers: { origin: 'https://app.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(res.headers.get('access-control-expose-headers')).toBe('x-route');
    const foreign = await fetch(`${outputs.Url}/notes/1`, { headers: { origin: 'https://evil.example' } });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers on API_ID.execute-api.localhost:PORT too (browsers and curl resolve *.localhost)', async () => {
    const port = new URL(cloud.endpoint).port;
    const text = await new Promise<string>((resolve, reject) => {
      http
        .get(
          {
            host: '127.0.0.1',
            port,
            path: '/notes/9',
            headers: { host: `${outputs.ApiId}.execute-api.localhost:${port}` },
          },
          (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve(body));
          },
        )
        .on('error', reject);
    });
    expect(JSON.parse(text)).toMatchObject({ id: '9', rawPath: '/notes/9' });
  });

  const curl = (() => {
    try {
      execFileSync('curl', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (curl ? it : it.skip)(
    'curl reaches both forms of the URL as it is (it resolves *.localhost itself)',
    () => {
      const port = new URL(cloud.endpoint).port;
      for (const url of [
        `${outputs.Url}/notes/3`,
        `http://${outputs.ApiId}.execute-api.localhost:${port}/notes/3`,
      ]) {
        const out = execFileSync('curl', ['-sS', '--max-time', '20', url], { encoding: 'utf8' });
        expect(JSON.parse(out)).toMatchObject({ id: '3', rawPath: '/notes/3' });
      }
    },
  );

  it('the deployed function (code from the CDK assets bucket) answers Invoke too', async () => {
    const lambda = new LambdaClient(cloud.clientConfig);
    const result = await lambda.send(
      new InvokeCommand({
        FunctionName: outputs.GetFunction,
        Payload: Buffer.from(
          JSON.stringify({
            routeKey: 'direct',
            rawPath: '/x',
            pathParameters: { id: 'd' },
            requestContext: { stage: 's' },
          }),
        ),
      }),
    );
    lambda.destroy();
    expect(
      JSON.parse(Buffer.from(JSON.parse(new TextDecoder().decode(result.Payload)).body).toString()),
    ).toMatchObject({ id: 'd' });
  });

  it('a function URL (AuthType NONE) is a local URL that answers with payload 2.0', async () => {
    const lambda = new LambdaClient(cloud.clientConfig);
    const { FunctionUrl } = await lambda.send(
      new CreateFunctionUrlConfigCommand({ FunctionName: outputs.FallbackFunction, AuthType: 'NONE' }),
    );
    lambda.destroy();
    expect(FunctionUrl).toMatch(new RegExp(`^${cloud.endpoint}/_aws/lambda-url/[0-9a-f]+/$`));
    const res = await fetch(`${FunctionUrl}anything?q=1`);
    expect([res.status, await res.text()]).toEqual([200, 'no route for /anything']);
    const url = new URL(FunctionUrl!);
    const notFound = await fetch(`${url.origin}/_aws/lambda-url/ffff/`);
    expect(notFound.status).toBe(404);
  });
});
