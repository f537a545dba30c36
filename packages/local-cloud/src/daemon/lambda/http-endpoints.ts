import { randomUUID } from 'node:crypto';
import type { Outlet } from '../front';
import type { WireRequest, WireResponse } from '../moto-client';
import type { InternalCall, LocalLambda } from './functions';
import { authorizeJwt, type JwtAuthorizer } from './jwt-authorizer';
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
  authorizers: ({ authorizerId: string; authorizerType?: string } & JwtAuthorizer)[];
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
    let jwt: { claims: Record<string, string>; scopes: string[] | null } | undefined;
    if (route.authorizationType === 'JWT') {
      const authorizer = model.authorizers.find((a) => a.authorizerId === route.authorizerId);
      if (!authorizer) return withCors(cors, incoming.headers.origin, INTERNAL_ERROR());
      const outcome = await authorizeJwt(
        authorizer,
        route.authorizationScopes,
        incoming.headers,
        incoming.rawQueryString,
        (line) => this.options.log?.(`API ${apiId} ${route.routeKey}: ${line}`),
      );
      if (!outcome.ok) return withCors(cors, incoming.headers.origin, outcome.answer);
      jwt = { claims: outcome.claims, scopes: outcome.scopes };
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
      jwt,
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
