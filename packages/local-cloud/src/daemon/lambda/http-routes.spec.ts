import {
  answerFromV1,
  answerFromV2,
  httpEventV2,
  isTextual,
  preflight,
  selectRoute,
  withCors,
} from './http-routes';
import { endpointOf, policyAllows } from './http-endpoints';

const routes = [
  { routeKey: 'GET /notes/{id}' },
  { routeKey: 'GET /notes/new' },
  { routeKey: 'ANY /notes/{id}' },
  { routeKey: 'POST /notes' },
  { routeKey: 'ANY /files/{proxy+}' },
  { routeKey: 'GET /files/{dir}/readme' },
  { routeKey: '$default' },
];

describe('selectRoute: API Gateway`s most specific match', () => {
  const pick = (method: string, path: string) => {
    const match = selectRoute(routes, method, path);
    return [match?.route.routeKey, match?.pathParameters];
  };

  it('prefers literal segments, then variables, then a greedy tail, then $default', () => {
    expect(pick('GET', '/notes/new')).toEqual(['GET /notes/new', undefined]);
    expect(pick('GET', '/notes/42')).toEqual(['GET /notes/{id}', { id: '42' }]);
    expect(pick('GET', '/files/docs/readme')).toEqual(['GET /files/{dir}/readme', { dir: 'docs' }]);
    expect(pick('GET', '/files/a/b/c.txt')).toEqual(['ANY /files/{proxy+}', { proxy: 'a/b/c.txt' }]);
    expect(pick('GET', '/elsewhere')).toEqual(['$default', undefined]);
  });

  it('prefers the method over ANY, and decodes path parameters', () => {
    expect(pick('DELETE', '/notes/a%20b')).toEqual(['ANY /notes/{id}', { id: 'a b' }]);
    expect(pick('POST', '/notes')).toEqual(['POST /notes', undefined]);
    expect(pick('GET', '/notes')).toEqual(['$default', undefined]);
  });

  it('a greedy variable needs at least one segment; without $default nothing matches', () => {
    const noDefault = routes.filter((r) => r.routeKey !== '$default');
    expect(selectRoute(noDefault, 'GET', '/files')).toBeUndefined();
    expect(selectRoute(noDefault, 'GET', '/files/')).toBeUndefined();
  });
});

describe('payload format 2.0', () => {
  const context = {
    apiId: 'abc123',
    stage: '$default',
    routeKey: 'POST /notes/{id}',
    domainName: 'abc123.execute-api.localhost:4000',
    accountId: '000000000000',
    pathParameters: { id: '7' },
    requestId: 'rid',
    now: new Date(Date.UTC(2020, 2, 12, 19, 3, 58)),
  };

  it('builds the event as API Gateway does: cookies apart, query joined, text body as is', () => {
    const event = httpEventV2(
      {
        method: 'POST',
        rawPath: '/notes/7',
        rawQueryString: 'a=1&a=2&b=x%20y',
        headers: { cookie: 'c1=v1; c2=v2', 'content-type': 'application/json', 'user-agent': 'curl/8' },
        body: Buffer.from('{"x":1}'),
      },
      context,
    );
    expect(event).toEqual({
      version: '2.0',
      routeKey: 'POST /notes/{id}',
      rawPath: '/notes/7',
      rawQueryString: 'a=1&a=2&b=x%20y',
      cookies: ['c1=v1', 'c2=v2'],
      headers: { 'content-type': 'application/json', 'user-agent': 'curl/8', 'content-length': '7' },
      queryStringParameters: { a: '1,2', b: 'x y' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'abc123',
        domainName: 'abc123.execute-api.localhost:4000',
        domainPrefix: 'abc123',
        http: {
          method: 'POST',
          path: '/notes/7',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'curl/8',
        },
        requestId: 'rid',
        routeKey: 'POST /notes/{id}',
        stage: '$default',
        time: '12/Mar/2020:19:03:58 +0000',
        timeEpoch: Date.UTC(2020, 2, 12, 19, 3, 58),
      },
      body: '{"x":1}',
      pathParameters: { id: '7' },
      isBase64Encoded: false,
    });
  });

  it('base64-encodes a binary body and leaves out what the request lacks', () => {
    const event = httpEventV2(
      {
        method: 'PUT',
        rawPath: '/',
        rawQueryString: '',
        headers: { 'content-type': 'image/png' },
        body: Buffer.from([0, 1, 2, 255]),
      },
      { ...context, pathParameters: undefined },
    );
    expect(event).toMatchObject({ body: 'AAEC/w==', isBase64Encoded: true });
    for (const key of ['cookies', 'queryStringParameters', 'pathParameters', 'stageVariables'])
      expect(event).not.toHaveProperty(key);
    expect(isTextual('application/vnd.api+json; charset=utf-8')).toBe(true);
    expect(isTextual('application/octet-stream')).toBe(false);
  });

  it('maps the answer: a structured response, a bare object (JSON 200), a string body', () => {
    const structured = answerFromV2(
      JSON.stringify({
        statusCode: 201,
        headers: { 'X-Id': 7 },
        cookies: ['a=1', 'b=2'],
        body: Buffer.from('hi').toString('base64'),
        isBase64Encoded: true,
      }),
    );
    expect(structured).toEqual({
      status: 201,
      headers: { 'x-id': '7' },
      cookies: ['a=1', 'b=2'],
      body: Buffer.from('hi'),
    });
    const bare = answerFromV2(JSON.stringify({ ok: true }));
    expect([bare.status, bare.headers['content-type'], bare.body.toString()]).toEqual([
      200,
      'application/json',
      '{"ok":true}',
    ]);
    expect(answerFromV2(JSON.stringify('hello')).body.toString()).toBe('hello');
    expect(answerFromV2(JSON.stringify({ statusCode: 99 })).status).toBe(500);
  });

  it('format 1.0 needs a statusCode; multi-value set-cookie become cookies', () => {
    expect(answerFromV1(JSON.stringify({ ok: true })).status).toBe(500);
    const answer = answerFromV1(
      JSON.stringify({
        statusCode: 200,
        multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'], 'X-A': ['1', '2'] },
        body: 'x',
      }),
    );
    expect(answer).toEqual({
      status: 200,
      headers: { 'x-a': '1, 2' },
      cookies: ['a=1', 'b=2'],
      body: Buffer.from('x'),
    });
  });
});

describe('CORS as API Gateway answers it', () => {
  const cors = {
    allowOrigins: ['https://app.example'],
    allowMethods: ['GET', 'POST'],
    allowHeaders: ['content-type'],
    maxAge: 600,
  };

  it('answers an allowed preflight itself, and a refused one without CORS headers', () => {
    const ok = preflight(
      cors,
      {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'Content-Type',
      },
      'OPTIONS',
    );
    expect(ok?.status).toBe(204);
    expect(ok?.headers).toEqual({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET,POST',
      'access-control-allow-headers': 'Content-Type',
      'access-control-max-age': '600',
    });
    const refused = preflight(
      cors,
      { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
      'OPTIONS',
    );
    expect(refused).toEqual({ status: 204, headers: {}, cookies: [], body: Buffer.alloc(0) });
    expect(preflight(cors, { origin: 'https://app.example' }, 'OPTIONS')).toBeUndefined();
    expect(
      preflight(undefined, { origin: 'x', 'access-control-request-method': 'GET' }, 'OPTIONS'),
    ).toBeUndefined();
  });

  it('replaces the integration`s CORS headers on an actual answer', () => {
    const answer = {
      status: 200,
      headers: { 'access-control-allow-origin': '*', a: 'b' },
      cookies: [],
      body: Buffer.alloc(0),
    };
    expect(withCors(cors, 'https://app.example', answer).headers).toEqual({
      a: 'b',
      'access-control-allow-origin': 'https://app.example',
    });
    expect(withCors(cors, 'https://evil.example', answer).headers).toEqual({ a: 'b' });
    expect(withCors(undefined, 'https://evil.example', answer)).toBe(answer);
  });
});

describe('endpointOf', () => {
  it('finds the API or function URL by path prefix or *.localhost host', () => {
    expect(endpointOf('/_aws/execute-api/abc123/notes/1?x=1', '127.0.0.1:4000')).toEqual({
      kind: 'api',
      id: 'abc123',
      path: '/notes/1',
      query: 'x=1',
    });
    expect(endpointOf('/_aws/execute-api/abc123', '127.0.0.1:4000')).toEqual({
      kind: 'api',
      id: 'abc123',
      path: '/',
      query: '',
    });
    expect(endpointOf('/_aws/lambda-url/f00/', 'localhost:4000')).toEqual({
      kind: 'url',
      id: 'f00',
      path: '/',
      query: '',
    });
    expect(endpointOf('/notes?x=1', 'abc123.execute-api.localhost:4000')).toEqual({
      kind: 'api',
      id: 'abc123',
      path: '/notes',
      query: 'x=1',
    });
    expect(endpointOf('/key', 'bucket.s3.localhost:4000')).toBeUndefined();
    expect(endpointOf('/bucket/_aws/execute-api/x', '127.0.0.1:4000')).toBeUndefined();
  });
});

describe('policyAllows (a Lambda authorizer`s IAM policy)', () => {
  const arn = 'arn:aws:execute-api:us-east-1:000000000000:abc/$default/GET/notes/1';
  const policy = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
  it('allows on a matching Allow, with wildcards; a matching Deny wins; other actions do not count', () => {
    expect(policyAllows(policy({ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: arn }), arn)).toBe(
      true,
    );
    expect(
      policyAllows(
        policy({ Effect: 'Allow', Action: 'execute-api:*', Resource: ['arn:aws:execute-api:*:*:abc/*'] }),
        arn,
      ),
    ).toBe(true);
    expect(
      policyAllows(
        policy(
          { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: '*' },
          {
            Effect: 'Deny',
            Action: 'execute-api:Invoke',
            Resource: 'arn:aws:execute-api:*:*:abc/$default/GET/notes/*',
          },
        ),
        arn,
      ),
    ).toBe(false);
    expect(policyAllows(policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }), arn)).toBe(false);
    expect(
      policyAllows(
        policy({
          Effect: 'Allow',
          Action: 'execute-api:Invoke',
          Resource: 'arn:aws:execute-api:*:*:other/*',
        }),
        arn,
      ),
    ).toBe(false);
    expect(policyAllows(undefined, arn)).toBe(false);
  });
});
