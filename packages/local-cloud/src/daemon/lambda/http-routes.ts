/*
 * API Gateway HTTP API semantics the front serves locally: route selection, payload format 2.0 and
 * 1.0 events, the mapping of a function's answer to an HTTP response, and CORS. Pure functions: the
 * I/O is in http-endpoints.ts.
 */
import { randomUUID } from 'node:crypto';

export interface RouteLike {
  routeKey: string;
}

export interface RouteMatch<R extends RouteLike> {
  route: R;
  pathParameters?: Record<string, string>;
}

type Segment = { literal: string } | { variable: string } | { greedy: string };

function parseRoutePath(routePath: string): Segment[] {
  return routePath
    .split('/')
    .filter(Boolean)
    .map((part) => {
      const m = /^\{([^}]+?)(\+)?\}$/.exec(part);
      if (!m) return { literal: part };
      return m[2] ? { greedy: m[1] } : { variable: m[1] };
    });
}

/** Specificity of a match: literal segments beat variables, variables beat a greedy tail, exact method beats ANY. */
type Score = number[];

function compareScores(a: Score, b: Score): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

function matchPath(
  segments: Segment[],
  parts: string[],
): { score: Score; params: Record<string, string> } | undefined {
  const params: Record<string, string> = {};
  const score: Score = [];
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i];
    if ('greedy' in segment) {
      // `{proxy+}` takes one or more segments and must be last.
      if (i !== segments.length - 1 || parts.length <= i) return undefined;
      params[segment.greedy] = parts.slice(i).map(decode).join('/');
      score.push(0);
      return { score, params };
    }
    const part = parts[i];
    if (part === undefined) return undefined;
    if ('literal' in segment) {
      if (segment.literal !== part) return undefined;
      score.push(2);
    } else {
      params[segment.variable] = decode(part);
      score.push(1);
    }
  }
  return parts.length === segments.length ? { score, params } : undefined;
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * The route API Gateway picks for a request: the most specific match of method and path (literal
 * segments over `{var}`, `{var}` over `{proxy+}`, a method over `ANY`), else `$default`.
 */
export function selectRoute<R extends RouteLike>(
  routes: readonly R[],
  method: string,
  rawPath: string,
): RouteMatch<R> | undefined {
  const parts = rawPath.split('/').filter(Boolean);
  let best: { route: R; score: Score; params: Record<string, string> } | undefined;
  for (const route of routes) {
    const space = route.routeKey.indexOf(' ');
    if (space < 0) continue;
    const routeMethod = route.routeKey.slice(0, space).toUpperCase();
    if (routeMethod !== 'ANY' && routeMethod !== method.toUpperCase()) continue;
    const matched = matchPath(parseRoutePath(route.routeKey.slice(space + 1)), parts);
    if (!matched) continue;
    const score = [...matched.score, routeMethod === 'ANY' ? 0 : 1];
    if (!best || compareScores(score, best.score) > 0) best = { route, score, params: matched.params };
  }
  if (best) {
    return Object.keys(best.params).length > 0
      ? { route: best.route, pathParameters: best.params }
      : { route: best.route };
  }
  const fallback = routes.find((r) => r.routeKey === '$default');
  return fallback ? { route: fallback } : undefined;
}

export interface IncomingHttp {
  method: string;
  /** The path as the API sees it (after the stage or local prefix), encoded as sent. */
  rawPath: string;
  rawQueryString: string;
  /** Lower-case names; repeated headers joined with commas. */
  headers: Record<string, string>;
  body: Buffer;
}

export interface EventContext {
  apiId: string;
  stage: string;
  routeKey: string;
  domainName: string;
  accountId: string;
  pathParameters?: Record<string, string>;
  stageVariables?: Record<string, string>;
  requestId?: string;
  now?: Date;
  /** What the route's authorizer found, as each payload format shows it in `requestContext.authorizer`. */
  authorizer?: { v2: unknown; v1: unknown };
}

/** Bodies API Gateway passes as text; any other content type is base64-encoded (`isBase64Encoded`). */
export function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return true;
  const type = contentType.split(';')[0].trim().toLowerCase();
  return (
    type.startsWith('text/') ||
    /^application\/([\w.+-]+\+)?(json|xml)$/.test(type) ||
    type === 'application/javascript' ||
    type === 'application/x-www-form-urlencoded' ||
    type === 'application/graphql'
  );
}

/** `12/Mar/2020:19:03:58 +0000`, the `requestContext.time` format. */
function clf(date: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} +0000`;
}

function queryParameters(raw: string): { single: Record<string, string>; multi: Record<string, string[]> } {
  const multi: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(raw)) (multi[key] ??= []).push(value);
  const single = Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v.join(',')]));
  return { single, multi };
}

function bodyOf(request: IncomingHttp): { body?: string; isBase64Encoded: boolean } {
  if (request.body.length === 0) return { isBase64Encoded: false };
  return isTextual(request.headers['content-type'])
    ? { body: request.body.toString('utf8'), isBase64Encoded: false }
    : { body: request.body.toString('base64'), isBase64Encoded: true };
}

/** A payload format 2.0 event, as API Gateway (and a function URL) sends it to a function. */
export function httpEventV2(request: IncomingHttp, context: EventContext): Record<string, unknown> {
  const now = context.now ?? new Date();
  const headers = { ...request.headers };
  const cookies = headers.cookie
    ?.split(/;\s*/)
    .map((c) => c.trim())
    .filter(Boolean);
  delete headers.cookie;
  if (request.body.length > 0) headers['content-length'] = String(request.body.length);
  const { single } = queryParameters(request.rawQueryString);
  const { body, isBase64Encoded } = bodyOf(request);
  return {
    version: '2.0',
    routeKey: context.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString,
    ...(cookies && cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(request.rawQueryString ? { queryStringParameters: single } : {}),
    requestContext: {
      accountId: context.accountId,
      apiId: context.apiId,
      domainName: context.domainName,
      domainPrefix: context.domainName.split('.')[0],
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: request.headers['user-agent'] ?? '',
      },
      requestId: context.requestId ?? randomUUID(),
      routeKey: context.routeKey,
      stage: context.stage,
      time: clf(now),
      timeEpoch: now.getTime(),
      ...(context.authorizer ? { authorizer: context.authorizer.v2 } : {}),
    },
    ...(body !== undefined ? { body } : {}),
    ...(context.pathParameters ? { pathParameters: context.pathParameters } : {}),
    isBase64Encoded,
    ...(context.stageVariables ? { stageVariables: context.stageVariables } : {}),
  };
}

/** A payload format 1.0 event (the REST API shape), for routes that ask for it. */
export function httpEventV1(
  request: IncomingHttp,
  context: EventContext & { resourcePath: string },
): Record<string, unknown> {
  const now = context.now ?? new Date();
  const { single, multi } = queryParameters(request.rawQueryString);
  const { body, isBase64Encoded } = bodyOf(request);
  const multiHeaders = Object.fromEntries(
    Object.entries(request.headers).map(([k, v]) => [k, k === 'cookie' ? v.split(/;\s*/) : v.split(/,\s*/)]),
  );
  return {
    version: '1.0',
    resource: context.resourcePath,
    path: request.rawPath,
    httpMethod: request.method,
    headers: request.headers,
    multiValueHeaders: multiHeaders,
    queryStringParameters: request.rawQueryString ? single : null,
    multiValueQueryStringParameters: request.rawQueryString ? multi : null,
    requestContext: {
      accountId: context.accountId,
      apiId: context.apiId,
      domainName: context.domainName,
      domainPrefix: context.domainName.split('.')[0],
      httpMethod: request.method,
      identity: { sourceIp: '127.0.0.1', userAgent: request.headers['user-agent'] ?? '' },
      path: request.rawPath,
      protocol: 'HTTP/1.1',
      requestId: context.requestId ?? randomUUID(),
      requestTime: clf(now),
      requestTimeEpoch: now.getTime(),
      resourcePath: context.resourcePath,
      stage: context.stage,
      ...(context.authorizer ? { authorizer: context.authorizer.v1 } : {}),
    },
    pathParameters: context.pathParameters ?? null,
    stageVariables: context.stageVariables ?? null,
    body: body ?? null,
    isBase64Encoded,
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  cookies: string[];
  body: Buffer;
}

const jsonAnswer = (status: number, message: string): HttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json' },
  cookies: [],
  body: Buffer.from(JSON.stringify({ message })),
});

export const INTERNAL_ERROR = () => jsonAnswer(500, 'Internal Server Error');
export const NOT_FOUND = () => jsonAnswer(404, 'Not Found');

function bodyBuffer(body: unknown, base64: unknown): Buffer {
  if (body === undefined || body === null) return Buffer.alloc(0);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return base64 === true ? Buffer.from(text, 'base64') : Buffer.from(text);
}

function stringHeaders(headers: unknown): Record<string, string> {
  if (!headers || typeof headers !== 'object') return {};
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

/**
 * What API Gateway makes of a function's answer in format 2.0: an object with `statusCode` is the
 * response (headers, cookies, body, isBase64Encoded); anything else is a 200 JSON body (a string is
 * the body itself).
 */
export function answerFromV2(payload: string): HttpAnswer {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    return INTERNAL_ERROR();
  }
  if (result && typeof result === 'object' && !Array.isArray(result) && 'statusCode' in result) {
    const r = result as Record<string, unknown>;
    const status = Number(r.statusCode);
    if (!Number.isInteger(status) || status < 100 || status > 599) return INTERNAL_ERROR();
    return {
      status,
      headers: stringHeaders(r.headers),
      cookies: Array.isArray(r.cookies) ? r.cookies.map(String) : [],
      body: bodyBuffer(r.body, r.isBase64Encoded),
    };
  }
  return {
    status: 200,
    headers: { 'content-type': 'application/json' },
    cookies: [],
    body: Buffer.from(typeof result === 'string' ? result : payload),
  };
}

/** Format 1.0: the answer must be an object with `statusCode`; anything else is a 500, as on AWS. */
export function answerFromV1(payload: string): HttpAnswer {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    return INTERNAL_ERROR();
  }
  if (!result || typeof result !== 'object' || !('statusCode' in result)) return INTERNAL_ERROR();
  const r = result as Record<string, unknown>;
  const headers = stringHeaders(r.headers);
  const cookies: string[] = [];
  if (r.multiValueHeaders && typeof r.multiValueHeaders === 'object') {
    for (const [name, values] of Object.entries(r.multiValueHeaders as Record<string, unknown>)) {
      const list = Array.isArray(values) ? values.map(String) : [String(values)];
      if (name.toLowerCase() === 'set-cookie') cookies.push(...list);
      else headers[name.toLowerCase()] = list.join(', ');
    }
  }
  if (headers['set-cookie']) {
    cookies.unshift(headers['set-cookie']);
    delete headers['set-cookie'];
  }
  const status = Number(r.statusCode);
  if (!Number.isInteger(status) || status < 100 || status > 599) return INTERNAL_ERROR();
  return { status, headers, cookies, body: bodyBuffer(r.body, r.isBase64Encoded) };
}

export interface CorsConfiguration {
  allowOrigins?: string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
  allowCredentials?: boolean;
}

const has = (list: string[] | undefined, value: string) =>
  (list ?? []).some((item) => item === '*' || item.toLowerCase() === value.toLowerCase());

/**
 * API Gateway's own answer to a CORS preflight of an API with a CORS configuration (it never
 * reaches a route), or undefined when the request is not a preflight.
 */
export function preflight(
  cors: CorsConfiguration | undefined,
  headers: Record<string, string>,
  method: string,
): HttpAnswer | undefined {
  if (!cors || method !== 'OPTIONS' || !headers.origin || !headers['access-control-request-method'])
    return undefined;
  const answer: HttpAnswer = { status: 204, headers: {}, cookies: [], body: Buffer.alloc(0) };
  const wanted = headers['access-control-request-method'];
  const requested = (headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (!has(cors.allowOrigins, headers.origin) || !has(cors.allowMethods, wanted)) return answer;
  if (!requested.every((h) => has(cors.allowHeaders, h))) return answer;
  answer.headers['access-control-allow-origin'] = cors.allowOrigins!.includes('*') ? '*' : headers.origin;
  answer.headers['access-control-allow-methods'] = (cors.allowMethods ?? []).includes('*')
    ? wanted
    : cors.allowMethods!.join(',');
  if (requested.length > 0) answer.headers['access-control-allow-headers'] = requested.join(',');
  if (cors.maxAge !== undefined) answer.headers['access-control-max-age'] = String(cors.maxAge);
  if (cors.allowCredentials) answer.headers['access-control-allow-credentials'] = 'true';
  return answer;
}

/** The CORS headers API Gateway adds to an actual response (replacing the integration's own). */
export function withCors(
  cors: CorsConfiguration | undefined,
  origin: string | undefined,
  answer: HttpAnswer,
): HttpAnswer {
  if (!cors) return answer;
  const headers = Object.fromEntries(
    Object.entries(answer.headers).filter(([name]) => !name.startsWith('access-control-')),
  );
  if (origin && has(cors.allowOrigins, origin)) {
    headers['access-control-allow-origin'] = cors.allowOrigins!.includes('*') ? '*' : origin;
    if (cors.exposeHeaders?.length) headers['access-control-expose-headers'] = cors.exposeHeaders.join(',');
    if (cors.allowCredentials) headers['access-control-allow-credentials'] = 'true';
  }
  return { ...answer, headers };
}
