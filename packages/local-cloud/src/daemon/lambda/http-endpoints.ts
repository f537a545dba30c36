import { randomUUID } from 'node:crypto';
import type { Outlet } from '../front';
import type { WireRequest, WireResponse } from '../moto-client';
import type { InternalCall, LocalLambda } from './functions';
import { authorizeJwt, identityOf, type JwtAuthorizer } from './jwt-authorizer';
import {
  answerFromV1,
  answerFromV2,
  httpEventV1,
  httpEventV2,
  INTERNAL_ERROR,
  NOT_FOUND,
  preflight,
  selectRoute,
  withCors,
  type CorsConfiguration,
  type HttpAnswer,
  type IncomingHttp,
} from './http-routes';

interface ApiModel {
  api: {
    apiId: string;
    protocolType?: string;
    corsConfiguration?: CorsConfiguration;
    disableExecuteApiEndpoint?: boolean;
  };
  routes: {
    routeId: string;
    routeKey: string;
    target?: string;
    authorizationType?: string;
    authorizerId?: string;
    authorizationScopes?: string[] | null;
  }[];
  authorizers: ({
    authorizerId: string;
    authorizerType?: string;
    authorizerUri?: string | null;
    authorizerPayloadFormatVersion?: string | null;
    enableSimpleResponses?: boolean | null;
  } & JwtAuthorizer)[];
  integrations: {
    integrationId: string;
    integrationType: string;
    integrationUri?: string;
    integrationMethod?: string;
    payloadFormatVersion?: string;
  }[];
  stages: { stageName: string; stageVariables?: Record<string, string> }[];
}

interface UrlConfig {
  FunctionArn: string;
  AuthType?: string;
  Cors?: {
    AllowOrigins?: string[];
    AllowMethods?: string[];
    AllowHeaders?: string[];
    ExposeHeaders?: string[];
    MaxAge?: number;
    AllowCredentials?: boolean;
  };
}

/** Where a request is addressed: an HTTP API or a function URL, by path prefix or `*.localhost` host. */
export function endpointOf(
  url: string,
  host: string | undefined,
): { kind: 'api' | 'url'; id: string; path: string; query: string } | undefined {
  const at = url.indexOf('?');
  const pathname = at < 0 ? url : url.slice(0, at);
  const query = at < 0 ? '' : url.slice(at + 1);
  const prefixed = /^\/_aws\/(execute-api|lambda-url)\/([a-z0-9]+)(\/.*)?$/.exec(pathname);
  if (prefixed) {
    return {
      kind: prefixed[1] === 'execute-api' ? 'api' : 'url',
      id: prefixed[2],
      path: prefixed[3] || '/',
      query,
    };
  }
  const hosted = /^([a-z0-9]+)\.(execute-api|lambda-url)\.localhost(:\d+)?$/i.exec(host ?? '');
  if (hosted) {
    return {
      kind: hosted[2].toLowerCase() === 'execute-api' ? 'api' : 'url',
      id: hosted[1].toLowerCase(),
      path: pathname || '/',
      query,
    };
  }
  return undefined;
}

/** The function ARN in an integration URI: a plain ARN, or API Gateway's `…:lambda:path/…/functions/ARN/invocations`. */
function functionOfIntegration(uri: string | undefined): string | undefined {
  if (!uri) return undefined;
  const wrapped = /\/functions\/(arn:[^/]+)\/invocations$/.exec(uri);
  if (wrapped) return wrapped[1];
  return /^arn:[^:]+:lambda:/.test(uri) ? uri : undefined;
}

function toWire(answer: HttpAnswer, requestId: string): WireResponse {
  const headers: Record<string, string> = { ...answer.headers, 'apigw-requestid': requestId };
  return {
    status: answer.status,
    headers,
    body: answer.body,
    ...(answer.cookies.length > 0 ? { multiValueHeaders: { 'set-cookie': answer.cookies } } : {}),
  };
}

/**
 * Serves the HTTP APIs (API Gateway v2) and function URLs of the local cloud at the endpoints moto
 * names for them (`http://127.0.0.1:PORT/_aws/execute-api/API_ID`, `…/_aws/lambda-url/URL_ID/`) and
 * at `API_ID.execute-api.localhost:PORT` / `URL_ID.lambda-url.localhost:PORT` for browsers and curl.
 */
export class HttpEndpoints {
  constructor(
    private readonly lambda: LocalLambda,
    private readonly options: {
      accountId: string;
      region: string;
      internal: InternalCall;
      /** Changes with every write (see LocalLambdaOptions.version): models are reused until then. */
      version?: () => number;
      /** Why a request was refused (the daemon log). */
      log?: (line: string) => void;
    },
  ) {}

  private readonly models = new Map<string, { version: number; model: unknown }>();

  outlet(): Outlet {
    return { serve: (request) => this.serve(request) };
  }

  private async model<T>(route: string, id: string): Promise<T | undefined> {
    const version = this.options.version?.();
    const cached = this.models.get(`${route}/${id}`);
    if (version !== undefined && cached?.version === version) return cached.model as T | undefined;
    const query = new URLSearchParams({ account: this.options.accountId, region: this.options.region, id });
    const answer = await this.options.internal({
      method: 'GET',
      url: `/moto-api/nx-sst/${route}?${query}`,
      headers: {},
      body: Buffer.alloc(0),
    });
    if (answer.status !== 200 && answer.status !== 404)
      throw new Error(`moto answered HTTP ${answer.status} for ${route} ${id}`);
    const model = answer.status === 404 ? undefined : (JSON.parse(answer.body.toString('utf8')) as T);
    if (version !== undefined) this.models.set(`${route}/${id}`, { version, model });
    return model;
  }

  async serve(request: WireRequest): Promise<WireResponse | undefined> {
    const target = endpointOf(request.url, request.headers.host);
    if (!target) return undefined;
    const requestId = randomUUID();
    const incoming: IncomingHttp = {
      method: request.method,
      rawPath: target.path,
      rawQueryString: target.query,
      headers: { ...request.headers },
      body: request.body,
    };
    const domainName = request.headers.host ?? '127.0.0.1';
    try {
      return toWire(
        target.kind === 'api'
          ? await this.serveApi(target.id, incoming, domainName, requestId)
          : await this.serveUrl(target.id, incoming, domainName, requestId),
        requestId,
      );
    } catch (e) {
      return toWire(
        {
          status: 500,
          headers: { 'content-type': 'application/json' },
          cookies: [],
          body: Buffer.from(
            JSON.stringify({ message: 'Internal Server Error', localCloud: (e as Error).message }),
          ),
        },
        requestId,
      );
    }
  }

  private async serveApi(
    apiId: string,
    incoming: IncomingHttp,
    domainName: string,
    requestId: string,
  ): Promise<HttpAnswer> {
    const model = await this.model<ApiModel>('http-api', apiId);
    if (!model || model.api.protocolType === 'WEBSOCKET' || model.api.disableExecuteApiEndpoint)
      return NOT_FOUND();
    // With a `$default` stage the API answers at its root; otherwise the first segment names a stage.
    let stage = model.stages.find((s) => s.stageName === '$default');
    let rawPath = incoming.rawPath;
    if (!stage) {
      const [, first, rest] = /^\/([^/]+)(\/.*)?$/.exec(rawPath) ?? [];
      stage = model.stages.find((s) => s.stageName === first);
      if (!stage) return NOT_FOUND();
      rawPath = rest ?? '/';
    }
    const cors = model.api.corsConfiguration;
    const early = preflight(cors, incoming.headers, incoming.method);
    if (early) return early;
    const match = selectRoute(model.routes, incoming.method, rawPath);
    if (!match) return withCors(cors, incoming.headers.origin, NOT_FOUND());
    const { route } = match;
    let authorizer: { v2: unknown; v1: unknown } | undefined;
    const refuse = (answer: HttpAnswer) => withCors(cors, incoming.headers.origin, answer);
    if (route.authorizationType === 'JWT' || route.authorizationType === 'CUSTOM') {
      const found = model.authorizers.find((a) => a.authorizerId === route.authorizerId);
      if (!found) return refuse(INTERNAL_ERROR());
      const log = (line: string) => this.options.log?.(`API ${apiId} ${route.routeKey}: ${line}`);
      if (route.authorizationType === 'JWT') {
        const outcome = await authorizeJwt(
          found,
          route.authorizationScopes,
          incoming.headers,
          incoming.rawQueryString,
          log,
        );
        if (!outcome.ok) return refuse(outcome.answer);
        authorizer = {
          v2: { jwt: { claims: outcome.claims, scopes: outcome.scopes } },
          v1: { claims: outcome.claims, scopes: outcome.scopes },
        };
      } else {
        const outcome = await this.authorizeWithLambda(
          found,
          route.routeKey,
          apiId,
          stage.stageName,
          incoming,
          domainName,
          requestId,
          rawPath,
          match.pathParameters,
          log,
        );
        if (!outcome.ok) return refuse(outcome.answer);
        authorizer = {
          v2: { lambda: outcome.context },
          v1:
            outcome.principalId !== undefined
              ? { ...outcome.context, principalId: outcome.principalId }
              : outcome.context,
        };
      }
    } else if (route.authorizationType && route.authorizationType !== 'NONE') {
      return {
        status: 501,
        headers: { 'content-type': 'application/json' },
        cookies: [],
        body: Buffer.from(
          JSON.stringify({
            message: `The nx-sst local cloud does not enforce ${route.authorizationType} authorizers yet: the route ${route.routeKey} is not served locally. Remove its authorizer on the local stage to call it.`,
          }),
        ),
      };
    }
    const integrationId = /^integrations\/(.+)$/.exec(route.target ?? '')?.[1];
    const integration = model.integrations.find((i) => i.integrationId === integrationId);
    if (!integration) return withCors(cors, incoming.headers.origin, NOT_FOUND());
    const context = {
      apiId,
      stage: stage.stageName,
      routeKey: route.routeKey,
      domainName,
      accountId: this.options.accountId,
      pathParameters: match.pathParameters,
      stageVariables:
        stage.stageVariables && Object.keys(stage.stageVariables).length > 0
          ? stage.stageVariables
          : undefined,
      requestId,
      authorizer,
    };
    const request = { ...incoming, rawPath: incoming.rawPath };
    let answer: HttpAnswer;
    if (integration.integrationType === 'AWS_PROXY') {
      const arn = functionOfIntegration(integration.integrationUri);
      if (!arn) return INTERNAL_ERROR();
      const v1 = integration.payloadFormatVersion === '1.0';
      const event = v1
        ? httpEventV1(
            { ...request, rawPath },
            { ...context, resourcePath: route.routeKey.split(' ')[1] ?? '/' },
          )
        : httpEventV2(request, context);
      answer = await this.invoke(arn, event, v1 ? answerFromV1 : answerFromV2);
    } else if (integration.integrationType === 'HTTP_PROXY' && integration.integrationUri) {
      answer = await proxy(
        integration.integrationUri,
        integration.integrationMethod,
        { ...request, rawPath },
        match.pathParameters,
      );
    } else {
      answer = INTERNAL_ERROR();
    }
    return withCors(cors, incoming.headers.origin, answer);
  }

  /**
   * A Lambda (REQUEST) authorizer: the identity sources must be present, the function gets the
   * request without its body (payload 2.0, or 1.0 as a REST API's authorizer) and answers
   * `{ isAuthorized, context }` (2.0 simple responses) or an IAM policy for `execute-api:Invoke` on
   * the route's ARN. Results are not cached.
   */
  private async authorizeWithLambda(
    found: ApiModel['authorizers'][number],
    routeKey: string,
    apiId: string,
    stage: string,
    incoming: IncomingHttp,
    domainName: string,
    requestId: string,
    rawPath: string,
    pathParameters: Record<string, string> | undefined,
    log: (line: string) => void,
  ): Promise<
    { ok: true; context: Record<string, unknown>; principalId?: unknown } | { ok: false; answer: HttpAnswer }
  > {
    const deny = (status: number, message: string) => ({
      ok: false as const,
      answer: {
        status,
        headers: { 'content-type': 'application/json' },
        cookies: [],
        body: Buffer.from(JSON.stringify({ message })),
      },
    });
    const v2 = found.authorizerPayloadFormatVersion === '2.0';
    const identity: string[] = [];
    for (const source of found.identitySource ?? []) {
      const value = identityOf([source], incoming.headers, incoming.rawQueryString, { raw: true });
      if (value === undefined) return deny(401, 'Unauthorized');
      identity.push(value);
    }
    const arn = functionOfIntegration(found.authorizerUri ?? undefined);
    if (!arn) return { ok: false, answer: INTERNAL_ERROR() };
    // As API Gateway builds it: the request's method and path (not the route key's template).
    const routeArn = `arn:aws:execute-api:${this.options.region}:${this.options.accountId}:${apiId}/${stage}/${incoming.method}${rawPath}`;
    const eventContext = {
      apiId,
      stage,
      routeKey,
      domainName,
      accountId: this.options.accountId,
      pathParameters,
      requestId,
    };
    let request: Record<string, unknown>;
    if (v2) {
      const event = httpEventV2(incoming, eventContext);
      delete event.body;
      delete event.isBase64Encoded;
      request = { ...event, type: 'REQUEST', routeArn, identitySource: identity };
    } else {
      // Format 1.0: the REST API's REQUEST authorizer event; the answer must be an IAM policy.
      const event = httpEventV1(
        { ...incoming, rawPath },
        { ...eventContext, resourcePath: routeKey.split(' ')[1] ?? '/' },
      );
      delete event.body;
      delete event.isBase64Encoded;
      request = { ...event, type: 'REQUEST', methodArn: routeArn, identitySource: identity.join(',') };
    }
    const found2 = await this.lambda.configuration(arn);
    if ('answer' in found2) return { ok: false, answer: INTERNAL_ERROR() };
    const result = await this.lambda.invoke(found2.config, JSON.stringify(request));
    if (result.error) {
      log(`the Lambda authorizer failed: ${result.error.errorType}: ${result.error.errorMessage}`);
      return { ok: false, answer: INTERNAL_ERROR() };
    }
    let answer: Record<string, unknown>;
    try {
      answer = JSON.parse(result.payload) as Record<string, unknown>;
    } catch {
      return { ok: false, answer: INTERNAL_ERROR() };
    }
    const context = (answer?.context && typeof answer.context === 'object' ? answer.context : {}) as Record<
      string,
      unknown
    >;
    if (v2 && found.enableSimpleResponses) {
      if (answer?.isAuthorized === true) return { ok: true, context };
      return deny(403, 'Forbidden');
    }
    if (policyAllows(answer?.policyDocument, routeArn))
      return { ok: true, context, principalId: answer.principalId };
    return deny(403, 'Forbidden');
  }

  private async serveUrl(
    urlId: string,
    incoming: IncomingHttp,
    domainName: string,
    requestId: string,
  ): Promise<HttpAnswer> {
    const config = await this.model<UrlConfig>('lambda-url', urlId);
    if (!config) return NOT_FOUND();
    if (config.AuthType === 'AWS_IAM') {
      return {
        status: 501,
        headers: { 'content-type': 'application/json' },
        cookies: [],
        body: Buffer.from(
          JSON.stringify({
            Message:
              'The nx-sst local cloud does not serve function URLs with AuthType AWS_IAM yet; use NONE on the local stage.',
          }),
        ),
      };
    }
    const cors: CorsConfiguration | undefined = config.Cors && {
      allowOrigins: config.Cors.AllowOrigins,
      allowMethods: config.Cors.AllowMethods,
      allowHeaders: config.Cors.AllowHeaders,
      exposeHeaders: config.Cors.ExposeHeaders,
      maxAge: config.Cors.MaxAge,
      allowCredentials: config.Cors.AllowCredentials,
    };
    const early = preflight(cors, incoming.headers, incoming.method);
    if (early) return early;
    const event = httpEventV2(incoming, {
      apiId: urlId,
      stage: '$default',
      routeKey: '$default',
      domainName,
      accountId: 'anonymous',
      requestId,
    });
    return withCors(
      cors,
      incoming.headers.origin,
      await this.invoke(config.FunctionArn, event, answerFromV2),
    );
  }

  private async invoke(
    arn: string,
    event: unknown,
    map: (payload: string) => HttpAnswer,
  ): Promise<HttpAnswer> {
    const found = await this.lambda.configuration(arn);
    if ('answer' in found) return INTERNAL_ERROR();
    const result = await this.lambda.invoke(found.config, JSON.stringify(event));
    // A function's failure is API Gateway's 500; the function's log says why.
    if (result.error) return INTERNAL_ERROR();
    return map(result.payload);
  }
}

/** An `HTTP_PROXY` integration (an Api route of `type: "url"`): the request is forwarded as is. */
async function proxy(
  uri: string,
  method: string | undefined,
  request: IncomingHttp,
  params: Record<string, string> | undefined,
): Promise<HttpAnswer> {
  let target = uri.replace(/\{([^}]+?)\+?\}/g, (_, name: string) => params?.[name] ?? '');
  if (request.rawQueryString) target += (target.includes('?') ? '&' : '?') + request.rawQueryString;
  const headers = { ...request.headers };
  delete headers.host;
  const res = await fetch(target, {
    method: !method || method === 'ANY' ? request.method : method,
    headers,
    body: request.body.length > 0 && !['GET', 'HEAD'].includes(request.method) ? request.body : undefined,
    redirect: 'manual',
  });
  const out: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (name !== 'set-cookie' && name !== 'content-encoding' && name !== 'transfer-encoding')
      out[name] = value;
  });
  return {
    status: res.status,
    headers: out,
    cookies: res.headers.getSetCookie(),
    body: Buffer.from(await res.arrayBuffer()),
  };
}

/** Whether an authorizer's IAM policy allows `execute-api:Invoke` on the route (a Deny wins). */
export function policyAllows(document: unknown, routeArn: string): boolean {
  const statements = (document as { Statement?: unknown } | undefined)?.Statement;
  const list = Array.isArray(statements) ? statements : statements ? [statements] : [];
  const matches = (pattern: string, value: string) =>
    new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    ).test(value);
  let allowed = false;
  for (const statement of list as { Effect?: string; Action?: unknown; Resource?: unknown }[]) {
    const actions = ([] as unknown[]).concat(statement.Action ?? []).map(String);
    const resources = ([] as unknown[]).concat(statement.Resource ?? []).map(String);
    if (!actions.some((a) => matches(a, 'execute-api:Invoke'))) continue;
    if (!resources.some((r) => matches(r, routeArn))) continue;
    if (statement.Effect === 'Deny') return false;
    if (statement.Effect === 'Allow') allowed = true;
  }
  return allowed;
}
