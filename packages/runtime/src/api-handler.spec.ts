import { join } from 'node:path';
import * as esbuild from 'esbuild';
import {
  ApiHandler,
  Response,
  useBody,
  useCookie,
  useCookies,
  useDomainName,
  useEvent,
  useFormData,
  useFormValue,
  useHeader,
  useHeaders,
  useJsonBody,
  useLambdaContext,
  useMethod,
  usePath,
  usePathParam,
  usePathParams,
  useQueryParam,
  useQueryParams,
  useResponse,
  type ApiGatewayV1Event,
  type ApiGatewayV2Event,
  type LambdaContext,
} from './api.js';

// The shapes API Gateway sends, as in its documentation and captured from deployed APIs.
function httpApiEvent(overrides: Partial<ApiGatewayV2Event> = {}): ApiGatewayV2Event {
  return {
    version: '2.0',
    routeKey: 'POST /users/{id}',
    rawPath: '/users/42',
    rawQueryString: 'tag=a&tag=b&page=2',
    cookies: ['session=abc%3D%3D123', 'theme=dark', 'token=a=b=c'],
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'x-forwarded-for': '203.0.113.7',
    },
    queryStringParameters: { tag: 'a,b', page: '2' },
    pathParameters: { id: '42' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      http: {
        method: 'POST',
        path: '/users/42',
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: 'curl/8.5.0',
      },
      requestId: 'JKJaXmPLvHcESHA=',
      routeKey: 'POST /users/{id}',
      stage: '$default',
      time: '10/Mar/2026:00:03:59 +0000',
      timeEpoch: 1773101039000,
    },
    body: Buffer.from(JSON.stringify({ name: 'Ada', note: 'naïve ✓' })).toString('base64'),
    isBase64Encoded: true,
    ...overrides,
  };
}

function restApiEvent(overrides: Partial<ApiGatewayV1Event> = {}): ApiGatewayV1Event {
  return {
    version: '1.0',
    resource: '/users/{id}',
    path: '/prod/users/7',
    httpMethod: 'PUT',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Cookie: 'session=xyz; theme=light',
      Host: 'def456.execute-api.us-east-1.amazonaws.com',
    },
    multiValueHeaders: {
      'Content-Type': ['application/x-www-form-urlencoded'],
      Cookie: ['session=xyz; theme=light'],
    },
    queryStringParameters: { tag: 'b' },
    multiValueQueryStringParameters: { tag: ['a', 'b'] },
    pathParameters: { id: '7' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'def456',
      domainName: 'def456.execute-api.us-east-1.amazonaws.com',
      httpMethod: 'PUT',
      path: '/prod/users/7',
      stage: 'prod',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    },
    body: 'name=Grace+Hopper&role=admiral',
    isBase64Encoded: false,
    ...overrides,
  };
}

const context: LambdaContext = {
  functionName: 'app-local-Api-users',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 3000,
};

describe('ApiHandler and the request hooks: HTTP API (payload 2.0)', () => {
  it('reads the event anywhere inside the handler: body (base64), path, query, headers, cookies, method, domain', async () => {
    const seen: Record<string, unknown> = {};
    const readDeep = (): void => {
      seen.body = useBody();
      seen.json = useJsonBody<{ name: string }>();
      seen.path = usePath();
      seen.pathParams = usePathParams();
      seen.id = usePathParam('id');
      seen.query = useQueryParams();
      seen.tag = useQueryParam('tag');
      seen.missing = useQueryParam('nope');
      seen.headers = useHeaders();
      seen.accept = useHeader('accept');
      seen.acceptAnyCase = useHeader('Accept');
      seen.cookies = useCookies();
      seen.session = useCookie('session');
      seen.method = useMethod();
      seen.domain = useDomainName();
      seen.event = useEvent('api');
      seen.context = useLambdaContext();
    };
    const event = httpApiEvent();
    const handler = ApiHandler(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      readDeep();
      return { statusCode: 200, body: 'ok' };
    });
    const result = await handler(event, context);
    expect(result).toEqual({ statusCode: 200, body: 'ok', headers: {}, cookies: [] });
    expect(seen).toEqual({
      body: '{"name":"Ada","note":"naïve ✓"}',
      json: { name: 'Ada', note: 'naïve ✓' },
      path: ['users', '42'],
      pathParams: { id: '42' },
      id: '42',
      query: { tag: 'a,b', page: '2' },
      tag: 'a,b',
      missing: undefined,
      headers: event.headers,
      accept: 'application/json',
      acceptAnyCase: 'application/json',
      cookies: { session: 'abc==123', theme: 'dark', token: 'a=b=c' },
      session: 'abc==123',
      method: 'POST',
      domain: 'abc123.execute-api.us-east-1.amazonaws.com',
      event,
      context,
    });
  });

  it('parses a form body and gives empty records when the event has no query, path parameters or cookies', async () => {
    const handler = ApiHandler(async () => ({
      statusCode: 200,
      body: JSON.stringify({
        form: Object.fromEntries(useFormData() ?? []),
        who: useFormValue('who'),
        query: useQueryParams(),
        params: usePathParams(),
        cookies: useCookies(),
        headers: useHeaders(),
      }),
    }));
    const event = httpApiEvent({
      body: 'who=Ada+Lovelace&lang=en%26fr',
      isBase64Encoded: false,
      queryStringParameters: undefined,
      pathParameters: undefined,
      cookies: undefined,
      headers: undefined,
    });
    const result = await handler(event, context);
    expect(JSON.parse(result.body!)).toEqual({
      form: { who: 'Ada Lovelace', lang: 'en&fr' },
      who: 'Ada Lovelace',
      query: {},
      params: {},
      cookies: {},
      headers: {},
    });
  });

  it('gives undefined for an empty body and throws a SyntaxError for malformed JSON', async () => {
    const empty = ApiHandler(async () => ({
      body: String([useBody(), useJsonBody(), useFormData()].map((v) => v === undefined)),
    }));
    expect((await empty(httpApiEvent({ body: undefined, isBase64Encoded: false }), context)).body).toBe(
      'true,true,true',
    );
    const malformed = ApiHandler(async () => ({ body: useJsonBody() }));
    await expect(malformed(httpApiEvent({ body: '{nope', isBase64Encoded: false }), context)).rejects.toThrow(
      SyntaxError,
    );
  });

  it('adds the cookies, headers and status set with useResponse to the result', async () => {
    const handler = ApiHandler(async () => {
      useResponse()
        .cookie({ key: 'session', value: 'a b;c', maxAge: 3600, path: '/' })
        .cookies({ a: '1', b: '2' }, { httpOnly: false, secure: false, sameSite: 'Lax' })
        .header('x-request', 'r1')
        .header('content-type', 'text/plain')
        .status(201);
      return { body: 'made', headers: { 'content-type': 'application/json' }, cookies: ['own=1'] };
    });
    expect(await handler(httpApiEvent(), context)).toEqual({
      statusCode: 201,
      body: 'made',
      headers: { 'x-request': 'r1', 'content-type': 'application/json' },
      cookies: [
        'own=1',
        'session=a%20b%3Bc; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=None',
        'a=1; SameSite=Lax',
        'b=2; SameSite=Lax',
      ],
    });
  });

  it('ends the request with a thrown Response, keeping the cookies already set', async () => {
    const requireUser = (): string => {
      const user = useCookie('user');
      if (!user) throw new Response({ statusCode: 302, headers: { location: '/login' } });
      return user;
    };
    const handler = ApiHandler(async () => {
      useResponse().cookie({ key: 'seen', value: '1', expires: new Date(Date.UTC(2030, 0, 1)) });
      return { statusCode: 200, body: requireUser() };
    });
    expect(await handler(httpApiEvent({ cookies: [] }), context)).toEqual({
      statusCode: 302,
      headers: { location: '/login' },
      cookies: ['seen=1; Expires=Tue, 01 Jan 2030 00:00:00 GMT; HttpOnly; Secure; SameSite=None'],
    });
    await expect(
      ApiHandler(async () => {
        throw new Error('boom');
      })(httpApiEvent(), context),
    ).rejects.toThrow('boom');
  });

  it('keeps concurrent invocations apart and computes a memoised hook once per invocation', async () => {
    const decoded: string[] = [];
    const handler = ApiHandler(async (event) => {
      const first = useJsonBody<{ n: number }>();
      await new Promise((resolve) => setTimeout(resolve, event.rawPath === '/a' ? 20 : 1));
      useResponse().header('x-n', String(first.n));
      decoded.push(event.rawPath);
      return {
        statusCode: 200,
        body: `${usePathParam('id')}:${useJsonBody<{ n: number }>().n}:${first === useJsonBody()}`,
      };
    });
    const body = (n: number): string => JSON.stringify({ n });
    const [a, b] = await Promise.all([
      handler(
        httpApiEvent({ rawPath: '/a', pathParameters: { id: 'A' }, body: body(1), isBase64Encoded: false }),
        context,
      ),
      handler(
        httpApiEvent({ rawPath: '/b', pathParameters: { id: 'B' }, body: body(2), isBase64Encoded: false }),
        context,
      ),
    ]);
    expect(a).toMatchObject({ body: 'A:1:true', headers: { 'x-n': '1' } });
    expect(b).toMatchObject({ body: 'B:2:true', headers: { 'x-n': '2' } });
    expect(decoded.sort()).toEqual(['/a', '/b']);
  });

  it('refuses a hook called outside an ApiHandler, naming the fix', () => {
    expect(() => useJsonBody()).toThrow(
      /^useJsonBody\(\) was called outside an ApiHandler: .* export const handler = ApiHandler\(/,
    );
    expect(() => useCookie('x')).toThrow(/^useCookies\(\) was called outside an ApiHandler/);
    expect(() => useEvent()).toThrow(/^useEvent\(\) was called outside an ApiHandler/);
  });
});

describe('ApiHandler and the request hooks: REST API (payload 1.0)', () => {
  it('reads method, path, form body, query, path parameters, headers in any case and cookies from the Cookie header', async () => {
    const handler = ApiHandler<ApiGatewayV1Event>(async () => ({
      statusCode: 200,
      body: JSON.stringify({
        method: useMethod(),
        path: usePath(),
        who: useFormValue('name'),
        tag: useQueryParam('tag'),
        id: usePathParam('id'),
        type: useHeader('content-type'),
        cookies: useCookies(),
        domain: useDomainName(),
      }),
    }));
    expect(JSON.parse((await handler(restApiEvent(), context)).body!)).toEqual({
      method: 'PUT',
      path: ['prod', 'users', '7'],
      who: 'Grace Hopper',
      tag: 'b',
      id: '7',
      type: 'application/x-www-form-urlencoded',
      cookies: { session: 'xyz', theme: 'light' },
      domain: 'def456.execute-api.us-east-1.amazonaws.com',
    });
  });

  it('sends cookies as Set-Cookie in multiValueHeaders (a REST API ignores `cookies`)', async () => {
    const handler = ApiHandler<ApiGatewayV1Event>(async () => {
      useResponse().cookie({ key: 'session', value: 'v', sameSite: 'Strict' });
      return { statusCode: 200, body: '', cookies: ['own=1'], multiValueHeaders: { Vary: ['Cookie'] } };
    });
    expect(await handler(restApiEvent({ headers: null, body: null }), context)).toEqual({
      statusCode: 200,
      body: '',
      headers: {},
      multiValueHeaders: {
        Vary: ['Cookie'],
        'Set-Cookie': ['own=1', 'session=v; HttpOnly; Secure; SameSite=Strict'],
      },
    });
  });
});

describe('@nx-sst/runtime/api in a browser bundle', () => {
  it('bundles for the browser (no Node builtin imported) and keeps ApiHandler out when unused', async () => {
    const result = await esbuild.build({
      stdin: {
        contents: `import { Api } from './api.js'; globalThis.read = () => Api.api.url;`,
        resolveDir: __dirname,
        loader: 'ts',
      },
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
      absWorkingDir: join(__dirname, '..'),
    });
    const text = result.outputFiles[0].text;
    expect(text).not.toContain('async_hooks');
    expect(text).not.toContain('ApiHandler');
  });
});
