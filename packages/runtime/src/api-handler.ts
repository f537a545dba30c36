// SST v2's ApiHandler and request hooks (`sst/node/api`): a hook reads the event of the invocation it
// runs in, so helpers deep in the call stack need no event passed down. Each invocation gets its own
// store in an AsyncLocalStorage, so concurrent requests in one process (a local server, a test
// running handlers in parallel) never see each other's event.
//
// node:async_hooks is fetched with process.getBuiltinModule on the first invocation, not imported:
// `@nx-sst/runtime/api` is also imported by browser bundles for `Api.x.url`, and an import of a Node
// builtin would break them (and cost every importer a load it may never use).

import { loadIfBound } from './core/index.js';

/** The part of an API Gateway HTTP API (payload 2.0) event the hooks read. */
export interface ApiGatewayV2Event {
  version?: string;
  routeKey?: string;
  rawPath: string;
  rawQueryString?: string;
  cookies?: string[];
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
  pathParameters?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: {
    domainName?: string;
    http: { method: string; path?: string; sourceIp?: string; userAgent?: string; protocol?: string };
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** The part of an API Gateway REST API (payload 1.0) event the hooks read. */
export interface ApiGatewayV1Event {
  version?: string;
  httpMethod: string;
  path: string;
  resource?: string;
  headers?: Record<string, string | undefined> | null;
  multiValueHeaders?: Record<string, string[] | undefined> | null;
  queryStringParameters?: Record<string, string | undefined> | null;
  multiValueQueryStringParameters?: Record<string, string[] | undefined> | null;
  pathParameters?: Record<string, string | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  requestContext: { domainName?: string; httpMethod?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export type ApiEvent = ApiGatewayV2Event | ApiGatewayV1Event;

/** Lambda's context object (the handler's second argument). */
export interface LambdaContext {
  functionName: string;
  awsRequestId: string;
  getRemainingTimeInMillis(): number;
  [key: string]: unknown;
}

/** What an ApiHandler returns: API Gateway's structured result. */
export interface ApiResult {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

export interface CookieOptions {
  expires?: Date;
  maxAge?: number;
  domain?: string;
  path?: string;
  /** @default true */
  secure?: boolean;
  /** @default true */
  httpOnly?: boolean;
  /** @default "None" */
  sameSite?: 'Strict' | 'Lax' | 'None';
}

/**
 * Thrown from anywhere inside an ApiHandler, ends the request with this result (the response hooks'
 * cookies and headers still added), as SST v2's `Response`.
 */
export class Response {
  constructor(public readonly result: ApiResult) {}
}

interface Invocation {
  event: ApiEvent;
  context: LambdaContext;
  memo: Map<() => unknown, unknown>;
}

interface Storage {
  run<R>(store: Invocation, cb: () => R): R;
  getStore(): Invocation | undefined;
}

let storage: Storage | undefined;

function getStorage(): Storage {
  if (storage) return storage;
  const getBuiltin = (
    globalThis as {
      process?: { getBuiltinModule?: (id: string) => { AsyncLocalStorage: new () => Storage } };
    }
  ).process?.getBuiltinModule;
  if (!getBuiltin)
    throw new Error(
      'ApiHandler needs process.getBuiltinModule (Node.js 20.16+ or 22.3+): run it on a current Node.js, in Lambda on nodejs20.x or later.',
    );
  storage = new (getBuiltin('node:async_hooks').AsyncLocalStorage)();
  return storage;
}

function current(hook: string): Invocation {
  const invocation = storage?.getStore();
  if (!invocation)
    throw new Error(
      `${hook}() was called outside an ApiHandler: request hooks read the event of the invocation they run in. Wrap the Lambda handler: export const handler = ApiHandler(async (event) => { … ${hook}() … }).`,
    );
  return invocation;
}

/** One value per invocation: computed on the first call inside an invocation, then reused. */
function memo<T>(hook: string, compute: () => T): () => T {
  const use = (): T => {
    const { memo: cache } = current(hook);
    if (cache.has(use)) return cache.get(use) as T;
    const value = compute();
    cache.set(use, value);
    return value;
  };
  return use;
}

function isV1(event: ApiEvent): event is ApiGatewayV1Event {
  return typeof (event as ApiGatewayV1Event).httpMethod === 'string';
}

/**
 * Wraps a Lambda handler for API Gateway (HTTP API payload 2.0, or REST API payload 1.0) so the
 * request hooks work anywhere inside it, with every bound value loaded first (`await load()`), as
 * SST v2's were by the time its handlers ran. What the callback returns (or throws as a `Response`) is
 * merged with what `useResponse()` set: its headers win, cookies from both are sent.
 */
export function ApiHandler<E extends ApiEvent = ApiGatewayV2Event>(
  cb: (
    event: E,
    context: LambdaContext,
  ) => Promise<ApiResult | void | undefined> | ApiResult | void | undefined,
): (event: E, context: LambdaContext) => Promise<ApiResult> {
  return function handler(event, context) {
    return getStorage().run({ event, context, memo: new Map() }, async () => {
      // SST v2's sst/node fetched bound secrets when imported, so v2 handlers never call load(): the
      // handler does it for them (at once, and without the SDK, when nothing is bound or left to fetch).
      await loadIfBound();
      let result: ApiResult | void | undefined;
      try {
        result = await cb(event, context);
      } catch (error) {
        if (error instanceof Response) result = error.result;
        else throw error;
      }
      return useResponse().serialize(result || {});
    });
  };
}

/**
 * The event of this invocation. SST v2 took the handler type (`useEvent("api")`); "api" is the only
 * one here and is accepted for code written for v2.
 */
export function useEvent<E extends ApiEvent = ApiGatewayV2Event>(type?: 'api'): E {
  if (type !== undefined && type !== 'api')
    throw new Error(`useEvent("${String(type)}"): only "api" events are handled here (ApiHandler).`);
  return current('useEvent').event as E;
}

/** The Lambda context of this invocation. */
export function useLambdaContext(): LambdaContext {
  return current('useLambdaContext').context;
}

/** The request body as text, base64-decoded when API Gateway encoded it; undefined when empty. */
export const useBody = /* @__PURE__ */ memo('useBody', (): string | undefined => {
  const event = current('useBody').event;
  if (!event.body) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
});

const jsonBody = /* @__PURE__ */ memo('useJsonBody', (): unknown => {
  const body = useBody();
  if (!body) return undefined;
  return JSON.parse(body);
});

/** The request body parsed as JSON; undefined when empty. A malformed body throws a SyntaxError. */
// `any` by default as in SST v2, so code written for it compiles unchanged.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function useJsonBody<T = any>(): T {
  return jsonBody() as T;
}

/** The request body as form fields (application/x-www-form-urlencoded); undefined when empty. */
export const useFormData = /* @__PURE__ */ memo('useFormData', (): URLSearchParams | undefined => {
  const body = useBody();
  if (!body) return undefined;
  return new URLSearchParams(body);
});

/** One form field of the body, or undefined. */
export function useFormValue(name: string): string | undefined {
  return useFormData()?.get(name) ?? undefined;
}

/** The request path split into its segments: `/users/42` → `["users", "42"]`. */
export const usePath = /* @__PURE__ */ memo('usePath', (): string[] => {
  const event = current('usePath').event;
  return (isV1(event) ? event.path : event.rawPath).split('/').filter(Boolean);
});

/** The route's path parameters (`/users/{id}` → `{ id: "42" }`). */
export function usePathParams(): Record<string, string | undefined> {
  return current('usePathParams').event.pathParameters || {};
}

export function usePathParam(name: string): string | undefined {
  return usePathParams()[name];
}

/**
 * The query string parameters. As API Gateway gives them: in an HTTP API a repeated name holds its
 * values joined by commas (`?a=1&a=2` → `"1,2"`); in a REST API, the last value.
 */
export function useQueryParams(): Record<string, string | undefined> {
  return current('useQueryParams').event.queryStringParameters || {};
}

export function useQueryParam<T = string>(name: string): T | undefined {
  return useQueryParams()[name] as T | undefined;
}

/** The request headers (an HTTP API gives their names lowercased; a REST API as sent). */
export function useHeaders(): Record<string, string | undefined> {
  return current('useHeaders').event.headers || {};
}

/** One request header; the name is matched exactly first, then ignoring case (HTTP's rule). */
export function useHeader(name: string): string | undefined {
  const headers = useHeaders();
  if (name in headers) return headers[name];
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) return headers[key];
  return undefined;
}

/**
 * The request cookies by name, values URI-decoded. An HTTP API passes them in `cookies`; a REST
 * API in the `Cookie` header.
 */
export const useCookies = /* @__PURE__ */ memo('useCookies', (): Record<string, string> => {
  const event = current('useCookies').event;
  const pairs = isV1(event)
    ? (useHeader('cookie') ?? '').split(';')
    : ((event as ApiGatewayV2Event).cookies ?? []);
  const cookies: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 0) continue;
    const name = pair.slice(0, at).trim();
    if (!name) continue;
    cookies[name] = safeDecode(pair.slice(at + 1).trim());
  }
  return cookies;
});

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function useCookie(name: string): string | undefined {
  return useCookies()[name];
}

/** The HTTP method: `GET`, `POST`… */
export function useMethod(): string {
  const event = current('useMethod').event;
  return isV1(event) ? event.httpMethod : event.requestContext.http.method;
}

/** The domain name the request was sent to (the API's, or its custom domain). */
export function useDomainName(): string | undefined {
  return current('useDomainName').event.requestContext.domainName;
}

export interface ResponseBuilder {
  /** Sets several cookies with the same options. */
  cookies(values: Record<string, string>, options?: CookieOptions): ResponseBuilder;
  /** Sets a cookie: Secure, HttpOnly and SameSite=None unless the options say otherwise. */
  cookie(input: { key: string; value: string } & CookieOptions): ResponseBuilder;
  status(code: number): ResponseBuilder;
  header(key: string, value: string): ResponseBuilder;
  /** The handler's result with this response's status, headers and cookies merged in. */
  serialize(input: ApiResult): ApiResult;
}

/**
 * The response being built for this invocation: cookies, headers and a status set from anywhere
 * inside the ApiHandler are added to what the handler returns.
 */
export const useResponse = /* @__PURE__ */ memo('useResponse', (): ResponseBuilder => {
  const event = current('useResponse').event;
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  let statusCode: number | undefined;
  const builder: ResponseBuilder = {
    cookies(values, options = {}) {
      for (const [key, value] of Object.entries(values)) builder.cookie({ ...options, key, value });
      return builder;
    },
    cookie(input) {
      const { key, value, domain, path, expires, maxAge } = input;
      const secure = input.secure ?? true;
      const httpOnly = input.httpOnly ?? true;
      const sameSite = input.sameSite ?? 'None';
      const parts = [`${key}=${encodeURIComponent(value)}`];
      if (domain) parts.push(`Domain=${domain}`);
      if (path) parts.push(`Path=${path}`);
      if (expires) parts.push(`Expires=${expires.toUTCString()}`);
      if (maxAge !== undefined) parts.push(`Max-Age=${maxAge}`);
      if (httpOnly) parts.push('HttpOnly');
      if (secure) parts.push('Secure');
      if (sameSite) parts.push(`SameSite=${sameSite}`);
      cookies.push(parts.join('; '));
      return builder;
    },
    status(code) {
      statusCode = code;
      return builder;
    },
    header(key, value) {
      headers[key] = value;
      return builder;
    },
    serialize(input) {
      const result: ApiResult = {
        ...(statusCode === undefined ? {} : { statusCode }),
        ...input,
        headers: { ...headers, ...input.headers },
      };
      const all = [...(input.cookies ?? []), ...cookies];
      if (isV1(event)) {
        // A REST API ignores `cookies`: it sends Set-Cookie from multiValueHeaders.
        delete result.cookies;
        if (all.length > 0) {
          const multi = { ...input.multiValueHeaders };
          multi['Set-Cookie'] = [...(multi['Set-Cookie'] ?? []), ...all];
          result.multiValueHeaders = multi;
        }
      } else {
        result.cookies = all;
      }
      return result;
    },
  };
  return builder;
});
