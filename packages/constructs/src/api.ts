import * as cdk from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { Bindable, BindingProps, BindingResource } from './binding';
import { checkedId, registerBindable } from './bindable';
import { Function, type FunctionDefinition, type FunctionProps } from './function';
import type { Permissions } from './permissions';
import { rejectUnknownProps } from './site-environment';
import { type DurationText, toDuration } from './units';

/** `"none"`, `"iam"` or the key of one of the Api's `authorizers`. */
export type ApiAuthorizerKey = string;

/** Authorization of one route, as SST v2 sets it. */
export interface ApiRouteAuthProps {
  /**
   * `"none"`, `"iam"` (signed requests) or the key of one of the Api's `authorizers`.
   * @default defaults.authorizer, else 'none'
   */
  readonly authorizer?: ApiAuthorizerKey;
  /**
   * Scopes a JWT or user pool authorizer requires.
   * @default defaults.authorizationScopes
   */
  readonly authorizationScopes?: string[];
}

/** A route to a function, with its own options. */
export interface ApiFunctionRouteProps extends ApiRouteAuthProps {
  /** @default 'function' */
  readonly type?: 'function';
  /** The route's function: a handler string, Function props or a Function. */
  readonly function: FunctionDefinition;
  /**
   * The event format the function gets.
   * @default defaults.payloadFormatVersion, else '2.0'
   */
  readonly payloadFormatVersion?: '1.0' | '2.0';
}

/** A route that proxies to a URL. */
export interface ApiHttpRouteProps extends ApiRouteAuthProps {
  readonly type: 'url';
  /** The URL requests are sent to. */
  readonly url: string;
  /**
   * Escape hatches into the underlying CDK constructs.
   * @default none
   */
  readonly cdk?: { readonly integration?: integrations.HttpUrlIntegrationProps };
}

/** A route's function (handler string, Function props, Function), `{ function, … }`, or `{ type: "url", url }`. */
export type ApiRouteProps = FunctionDefinition | ApiFunctionRouteProps | ApiHttpRouteProps;

interface ApiAuthorizerBase {
  /**
   * Name of the authorizer.
   * @default its key
   */
  readonly name?: string;
  /**
   * Where the identity is read from.
   * @default ['$request.header.Authorization']
   */
  readonly identitySource?: string[];
}

/** A JWT authorizer (any OpenID Connect issuer). */
export interface ApiJwtAuthorizer extends ApiAuthorizerBase {
  readonly type: 'jwt';
  /** @default required unless cdk.authorizer */
  readonly jwt?: { readonly issuer: string; readonly audience: string[] };
  /** @default none */
  readonly cdk?: { readonly authorizer: authorizers.HttpJwtAuthorizer };
}

/** A Cognito user pool authorizer. */
export interface ApiUserPoolAuthorizer extends ApiAuthorizerBase {
  readonly type: 'user_pool';
  /** @default required unless cdk.authorizer */
  readonly userPool?: { readonly id: string; readonly clientIds?: string[]; readonly region?: string };
  /** @default none */
  readonly cdk?: { readonly authorizer: authorizers.HttpUserPoolAuthorizer };
}

/** A Lambda authorizer. */
export interface ApiLambdaAuthorizer extends ApiAuthorizerBase {
  readonly type: 'lambda';
  /** @default required unless cdk.authorizer */
  readonly function?: FunctionDefinition;
  /** @default ['iam'] */
  readonly responseTypes?: ('simple' | 'iam')[];
  /** @default "0 seconds": not cached */
  readonly resultsCacheTtl?: DurationText;
  /** @default none */
  readonly cdk?: { readonly authorizer: authorizers.HttpLambdaAuthorizer };
}

export type ApiAuthorizer = ApiJwtAuthorizer | ApiUserPoolAuthorizer | ApiLambdaAuthorizer;

/** CORS of an Api as SST v2 writes it; missing fields take v2's defaults. */
export interface ApiCorsProps {
  /** @default false */
  readonly allowCredentials?: boolean;
  /** @default ['*'] */
  readonly allowHeaders?: string[];
  /** @default ['ANY'] */
  readonly allowMethods?: (keyof typeof apigw.CorsHttpMethod)[];
  /** @default ['*'] */
  readonly allowOrigins?: string[];
  /** @default none */
  readonly exposeHeaders?: string[];
  /** @default none */
  readonly maxAge?: DurationText | cdk.Duration;
}

/** Props of {@link Api}. */
export interface ApiProps {
  /**
   * Routes: `"GET /notes/{id}": "packages/functions/src/notes.get"`, `"$default": …`.
   * @default no routes
   */
  readonly routes?: Record<string, ApiRouteProps>;
  /**
   * CORS; `true` allows every origin, method and header.
   * @default true
   */
  readonly cors?: boolean | ApiCorsProps;
  /**
   * Authorizers by key, for routes' `authorizer` (`"iam"` and `"none"` need none).
   * @default none
   */
  readonly authorizers?: Record<string, ApiAuthorizer>;
  /**
   * Settings of every route.
   * @default none
   */
  readonly defaults?: {
    /**
     * Props of every route function.
     * @default none
     */
    readonly function?: FunctionProps;
    /**
     * Authorizer of every route that names none.
     * @default 'none'
     */
    readonly authorizer?: ApiAuthorizerKey;
    /**
     * Scopes of every route that names none.
     * @default none
     */
    readonly authorizationScopes?: string[];
    /**
     * Event format of every route function.
     * @default '2.0'
     */
    readonly payloadFormatVersion?: '1.0' | '2.0';
    /**
     * Throttling of the default stage.
     * @default API Gateway's account limits
     */
    readonly throttle?: { readonly burst?: number; readonly rate?: number };
  };
  /**
   * Escape hatches into the underlying CDK constructs.
   * @default none
   */
  readonly cdk?: {
    /**
     * CDK node id, when it must differ from the binding id.
     * @default the id
     */
    readonly id?: string;
    /**
     * Props passed to `apigatewayv2.HttpApi` over ours.
     * @default none
     */
    readonly httpApi?: apigw.HttpApiProps;
  };
}

const METHODS = new Set(['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

const API_PROPS = [
  'routes',
  'cors',
  'authorizers',
  'defaults',
  'cdk',
] as const satisfies readonly (keyof ApiProps)[];
const API_PROP_HINTS: Record<string, string> = {
  customDomain:
    'Map a domain through the escape hatch: cdk: { httpApi: { defaultDomainMapping: { domainName: new apigatewayv2.DomainName(stack, "Domain", { domainName, certificate }) } } }, and point DNS at it.',
  accessLog:
    "Set the default stage's access log through the escape hatch: (api.cdk.httpApi.defaultStage!.node.defaultChild as apigatewayv2.CfnStage).accessLogSettings = { destinationArn: logGroup.logGroupArn, format }.",
};
const ROUTE_TYPE_HINT =
  'Add it to the HTTP API with aws-cdk-lib: api.cdk.httpApi.addRoutes({ path, methods, integration }) with an integration of aws-apigatewayv2-integrations.';

/** An HTTP API (API Gateway v2) with a function per route. Binds `url`; no permissions needed. */
export class Api extends Construct implements Bindable {
  public static readonly bindingType = 'Api';

  public readonly id: string;
  /** The API's URL. */
  public readonly url: string;
  public readonly cdk: { httpApi: apigw.HttpApi };
  private readonly routeFunctions = new Map<string, Function>();
  private readonly routeKeys: string[] = [];
  private readonly routeTargetIds = new Map<string, string>();
  private readonly defaults: FunctionProps;
  private readonly props: ApiProps;
  private readonly authorizerMap = new Map<
    string,
    { type: string; authorizer: apigw.IHttpRouteAuthorizer }
  >();
  private readonly bindingsForAllRoutes: BindingResource[] = [];
  private readonly permissionsForAllRoutes: Permissions[] = [];
  /** Functions built with `defaults.function` already merged in (an Auth's authenticator). */
  private readonly withDefaults = new WeakSet<Function>();

  constructor(scope: Construct, id: string, props: ApiProps = {}) {
    super(scope, checkedId(scope, id, 'Api', { nodeId: props.cdk?.id }));
    this.id = id;
    this.props = props;
    const describe = `Api "${id}"`;
    rejectUnknownProps(props, API_PROPS, describe, API_PROP_HINTS);
    rejectUnknownProps(props.cdk ?? {}, ['id', 'httpApi'], `${describe} cdk`, {
      httpStages: `Add a stage with aws-cdk-lib: new apigatewayv2.HttpStage(stack, "Stage", { httpApi: api.cdk.httpApi, stageName }).`,
    });
    if (props.cdk?.httpApi && !isHttpApiProps(props.cdk.httpApi)) {
      throw new Error(
        `${describe}: cdk.httpApi must be HttpApi props; an existing HTTP API cannot be given. Create the routes on it with aws-cdk-lib, or let this Api create one.`,
      );
    }
    rejectUnknownProps(
      props.defaults ?? {},
      ['function', 'authorizer', 'authorizationScopes', 'payloadFormatVersion', 'throttle'],
      `${describe} defaults`,
    );
    this.defaults = props.defaults?.function ?? {};
    const httpApi = new apigw.HttpApi(this, 'HttpApi', {
      corsPreflight: toCorsPreflight(props.cors, describe),
      ...props.cdk?.httpApi,
    });
    this.cdk = { httpApi };
    this.url = httpApi.apiEndpoint;
    const throttle = props.defaults?.throttle;
    if (throttle?.burst !== undefined || throttle?.rate !== undefined) {
      const stage = httpApi.defaultStage!.node.defaultChild as apigw.CfnStage;
      stage.defaultRouteSettings = {
        throttlingBurstLimit: throttle.burst,
        throttlingRateLimit: throttle.rate,
      };
    }
    for (const [key, authorizer] of Object.entries(props.authorizers ?? {}))
      this.addAuthorizer(key, authorizer);
    for (const [routeKey, route] of Object.entries(props.routes ?? {})) this.addRoute(this, routeKey, route);
    registerBindable(this);
  }

  /** The API's id. */
  public get httpApiId(): string {
    return this.cdk.httpApi.apiId;
  }

  /** The API's ARN, as SST v2 gives it: `arn:{partition}:apigateway:{region}::/apis/{id}`. */
  public get httpApiArn(): string {
    const stack = cdk.Stack.of(this);
    return `arn:${stack.partition}:apigateway:${stack.region}::/apis/${this.cdk.httpApi.apiId}`;
  }

  /** The route keys, in the order they were added. */
  public get routes(): string[] {
    return [...this.routeKeys];
  }

  /** The custom domain's URL: nx-sst's Api takes no `customDomain` (see its error), so none. */
  public get customDomainUrl(): string | undefined {
    return undefined;
  }

  /**
   * Adds routes after creation: `api.addRoutes(stack, { … })` as in SST v2 (route functions and routes are
   * created in `stack`, which may be another stack), or `api.addRoutes({ … })`.
   */
  public addRoutes(routes: Record<string, ApiRouteProps>): void;
  public addRoutes(scope: Construct, routes: Record<string, ApiRouteProps>): void;
  public addRoutes(
    scopeOrRoutes: Construct | Record<string, ApiRouteProps>,
    maybeRoutes?: Record<string, ApiRouteProps>,
  ): void {
    const [scope, routes] =
      scopeOrRoutes instanceof Construct ? [scopeOrRoutes, maybeRoutes] : [this, scopeOrRoutes];
    if (!routes || typeof routes !== 'object') {
      throw new Error(
        `Api "${this.id}": addRoutes takes the routes, as addRoutes(stack, { "GET /x": "path.handler" }) or addRoutes({ … }).`,
      );
    }
    for (const [routeKey, route] of Object.entries(routes)) this.addRoute(scope, routeKey, route);
  }

  /**
   * A function for routes of this Api made from `definition` with `defaults.function` merged in, as a
   * route's own function is; routes given it take it as it is.
   * @internal
   */
  public _functionWithDefaults(scope: Construct, id: string, definition: FunctionDefinition): Function {
    const fn = Function.fromDefinition(scope, id, definition, this.defaults);
    this.withDefaults.add(fn);
    return fn;
  }

  /** The function of a route, by its key (`"GET /"`). */
  public getFunction(routeKey: string): Function | undefined {
    return this.routeFunctions.get(normalizeRouteKey(routeKey));
  }

  /** Binds constructs to every route function, including routes added later. */
  public bind(constructs: BindingResource[]): void {
    this.bindingsForAllRoutes.push(...constructs);
    for (const fn of this.routeFunctions.values()) fn.bind(constructs);
  }

  /** Binds constructs to one route's function. */
  public bindToRoute(routeKey: string, constructs: BindingResource[]): void {
    this.routeFunction(routeKey, 'bindToRoute').bind(constructs);
  }

  /** Adds permissions to every route function, including routes added later. */
  public attachPermissions(permissions: Permissions): void {
    this.permissionsForAllRoutes.push(permissions);
    for (const fn of this.routeFunctions.values()) fn.attachPermissions(permissions);
  }

  /** Adds permissions to one route's function. */
  public attachPermissionsToRoute(routeKey: string, permissions: Permissions): void {
    this.routeFunction(routeKey, 'attachPermissionsToRoute').attachPermissions(permissions);
  }

  /** Replaces the API's CORS, as SST v2's `setCors`. */
  public setCors(cors?: boolean | ApiCorsProps): void {
    const config = toCorsPreflight(cors, `Api "${this.id}"`);
    const cfnApi = this.cdk.httpApi.node.defaultChild as apigw.CfnApi;
    cfnApi.corsConfiguration = config && {
      allowCredentials: config.allowCredentials,
      allowHeaders: config.allowHeaders,
      allowMethods: config.allowMethods,
      allowOrigins: config.allowOrigins,
      exposeHeaders: config.exposeHeaders,
      maxAge: config.maxAge?.toSeconds(),
    };
  }

  public getBindings(): BindingProps {
    return {
      type: Api.bindingType,
      clientPackage: 'api',
      variables: { url: { type: 'plain', value: this.url } },
      permissions: [],
    };
  }

  private routeFunction(routeKey: string, method: string): Function {
    const key = normalizeRouteKey(routeKey);
    const fn = this.routeFunctions.get(key);
    if (fn) return fn;
    throw new Error(
      this.routeKeys.includes(key)
        ? `Api "${this.id}": ${method}("${routeKey}"): that route has no function (it proxies to a URL).`
        : `Api "${this.id}": no route "${routeKey}". Routes: ${this.routeKeys.join(', ')}.`,
    );
  }

  private addAuthorizer(key: string, authorizer: ApiAuthorizer): void {
    const describe = `Api "${this.id}" authorizer "${key}"`;
    if (key === 'none' || key === 'iam') {
      throw new Error(`${describe}: "none" and "iam" are built in; give this authorizer another key.`);
    }
    const common = {
      authorizerName: authorizer.name,
      identitySource: authorizer.identitySource,
    };
    const missing = (prop: string) =>
      new Error(`${describe}: a "${authorizer.type}" authorizer needs "${prop}" (or cdk.authorizer).`);
    let built: apigw.IHttpRouteAuthorizer;
    switch (authorizer.type) {
      case 'jwt':
        rejectUnknownProps(authorizer, ['type', 'name', 'identitySource', 'jwt', 'cdk'], describe);
        if (authorizer.cdk?.authorizer) built = authorizer.cdk.authorizer;
        else if (!authorizer.jwt) throw missing('jwt');
        else
          built = new authorizers.HttpJwtAuthorizer(key, authorizer.jwt.issuer, {
            ...common,
            jwtAudience: authorizer.jwt.audience,
          });
        break;
      case 'user_pool': {
        rejectUnknownProps(authorizer, ['type', 'name', 'identitySource', 'userPool', 'cdk'], describe);
        if (authorizer.cdk?.authorizer) built = authorizer.cdk.authorizer;
        else if (!authorizer.userPool) throw missing('userPool');
        else {
          const pool = authorizer.userPool;
          built = new authorizers.HttpUserPoolAuthorizer(
            key,
            cognito.UserPool.fromUserPoolId(this, `Authorizer-${key}-UserPool`, pool.id),
            {
              ...common,
              userPoolRegion: pool.region,
              userPoolClients: pool.clientIds?.map((clientId, i) =>
                cognito.UserPoolClient.fromUserPoolClientId(this, `Authorizer-${key}-Client-${i}`, clientId),
              ),
            },
          );
        }
        break;
      }
      case 'lambda': {
        rejectUnknownProps(
          authorizer,
          ['type', 'name', 'identitySource', 'function', 'responseTypes', 'resultsCacheTtl', 'cdk'],
          describe,
        );
        if (authorizer.cdk?.authorizer) built = authorizer.cdk.authorizer;
        else if (!authorizer.function) throw missing('function');
        else {
          const fn = Function.fromDefinition(this, `${this.id}-authorizer-${key}`, authorizer.function);
          built = new authorizers.HttpLambdaAuthorizer(key, fn, {
            ...common,
            responseTypes: authorizer.responseTypes?.map((t) => {
              const type = authorizers.HttpLambdaResponseType[t.toUpperCase() as 'SIMPLE' | 'IAM'];
              if (type === undefined)
                throw new Error(`${describe}: responseTypes has "${t}"; use "simple" or "iam".`);
              return type;
            }),
            resultsCacheTtl: toDuration(
              authorizer.resultsCacheTtl ?? '0 seconds',
              `${describe}: resultsCacheTtl`,
            ),
          });
        }
        break;
      }
      default:
        throw new Error(
          `${describe}: type "${(authorizer as { type?: string })?.type}" is not one of "jwt", "user_pool", "lambda".`,
        );
    }
    this.authorizerMap.set(key, { type: authorizer.type, authorizer: built });
  }

  private routeAuth(
    route: ApiRouteAuthProps,
    describe: string,
  ): { authorizer: apigw.IHttpRouteAuthorizer; authorizationScopes?: string[] } {
    const key = route.authorizer ?? this.props.defaults?.authorizer ?? 'none';
    if (key === 'none') return { authorizer: new apigw.HttpNoneAuthorizer() };
    if (key === 'iam') return { authorizer: new authorizers.HttpIamAuthorizer() };
    const found = this.authorizerMap.get(key);
    if (!found) {
      throw new Error(
        `${describe}: no authorizer "${key}". Use "none", "iam"${[...this.authorizerMap.keys()].map((k) => `, "${k}"`).join('')}, or add it to authorizers.`,
      );
    }
    const scopes = route.authorizationScopes ?? this.props.defaults?.authorizationScopes;
    return {
      authorizer: found.authorizer,
      authorizationScopes: found.type === 'jwt' || found.type === 'user_pool' ? scopes : undefined,
    };
  }

  private addRoute(scope: Construct, rawKey: string, route: ApiRouteProps): void {
    const key = normalizeRouteKey(rawKey);
    const describe = `Api "${this.id}" route "${rawKey}"`;
    let method: string;
    let path: string;
    if (key === '$default') {
      method = 'ANY';
      path = '/{proxy+}';
    } else {
      const match = /^([A-Z]+) (\/\S*)$/.exec(key);
      if (!match || !METHODS.has(match[1])) {
        throw new Error(
          `${describe}: route keys are "METHOD /path" (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS, ANY) or "$default".`,
        );
      }
      [, method, path] = match;
    }
    if (this.routeKeys.includes(key)) throw new Error(`${describe}: the route is defined twice.`);
    const options = routeOptions(route, describe);
    const fnId = routeFunctionId(this.id, key);
    const auth = this.routeAuth(options, describe);
    let integration: apigw.HttpRouteIntegration;
    if (options.type === 'url') {
      integration = new integrations.HttpUrlIntegration(
        `Integration_${fnId}`,
        options.url,
        options.cdk?.integration,
      );
    } else {
      const existing = [...this.routeTargetIds.entries()].find(([, v]) => v === fnId);
      if (existing) {
        throw new Error(
          `${describe}: its function id "${fnId}" clashes with route "${existing[0]}". Give one route { function: existingFunction } or rename the path.`,
        );
      }
      const fn =
        options.function instanceof Function && this.withDefaults.has(options.function)
          ? options.function
          : Function.fromDefinition(scope, fnId, options.function, this.defaults);
      fn.bind(this.bindingsForAllRoutes);
      for (const permissions of this.permissionsForAllRoutes) fn.attachPermissions(permissions);
      this.routeFunctions.set(key, fn);
      this.routeTargetIds.set(key, fnId);
      const version = options.payloadFormatVersion ?? this.props.defaults?.payloadFormatVersion;
      if (version !== undefined && version !== '1.0' && version !== '2.0') {
        throw new Error(`${describe}: payloadFormatVersion "${version}" is not "1.0" or "2.0".`);
      }
      integration = new integrations.HttpLambdaIntegration(`Integration_${fnId}`, fn, {
        payloadFormatVersion: version === '1.0' ? apigw.PayloadFormatVersion.VERSION_1_0 : undefined,
      });
    }
    this.routeKeys.push(key);
    const routeKey = key === '$default' ? apigw.HttpRouteKey.DEFAULT : undefined;
    // A route added from another stack lives in that stack, as in SST v2: the API's stack must not depend on
    // the stack of the route's function, which already depends on it for the API.
    if (routeKey || cdk.Stack.of(scope) !== cdk.Stack.of(this)) {
      new apigw.HttpRoute(scope === this ? this : scope, `Route_${fnId}`, {
        httpApi: this.cdk.httpApi,
        routeKey: routeKey ?? apigw.HttpRouteKey.with(path, method as apigw.HttpMethod),
        integration,
        ...auth,
      });
    } else {
      this.cdk.httpApi.addRoutes({ path, methods: [method as apigw.HttpMethod], integration, ...auth });
    }
  }
}

type RouteOptions = (ApiFunctionRouteProps & { type: 'function' }) | (ApiHttpRouteProps & { type: 'url' });

const FUNCTION_ROUTE_PROPS = [
  'type',
  'function',
  'authorizer',
  'authorizationScopes',
  'payloadFormatVersion',
];
const URL_ROUTE_PROPS = ['type', 'url', 'authorizer', 'authorizationScopes', 'cdk'];

/** A route's value in one shape: a function route or a URL route. */
function routeOptions(route: ApiRouteProps, describe: string): RouteOptions {
  if (typeof route === 'string' || route instanceof Function) return { type: 'function', function: route };
  if (!route || typeof route !== 'object') {
    throw new Error(
      `${describe}: a route is a handler string, Function props, a Function, { function, … } or { type: "url", url }; got ${JSON.stringify(route)}.`,
    );
  }
  const type = (route as { type?: string }).type;
  if (type === 'url') {
    rejectUnknownProps(route, URL_ROUTE_PROPS, describe);
    if (typeof (route as ApiHttpRouteProps).url !== 'string')
      throw new Error(`${describe}: a "url" route needs url.`);
    return route as RouteOptions;
  }
  if (type === 'aws' || type === 'alb' || type === 'nlb' || type === 'graphql') {
    throw new Error(`${describe}: "${type}" routes are not available. ${ROUTE_TYPE_HINT}`);
  }
  if (type !== undefined && type !== 'function') {
    throw new Error(`${describe}: route type "${type}" is not one of "function", "url".`);
  }
  if ('function' in route) {
    rejectUnknownProps(route, FUNCTION_ROUTE_PROPS, describe, {
      cdk: `A route's cdk.function (an existing lambda function) is not available; give a Function of @nx-sst/constructs as function. ${ROUTE_TYPE_HINT}`,
    });
    return { ...(route as ApiFunctionRouteProps), type: 'function' };
  }
  // Function props given directly (nx-sst also takes these; SST v2 wanted them under `function`).
  return { type: 'function', function: route as FunctionProps };
}

/** SST v2's CORS (`true`, `false`, or its props with v2's defaults) or CDK's, as CDK's preflight options. */
function toCorsPreflight(
  cors: boolean | ApiCorsProps | apigw.CorsPreflightOptions | undefined,
  describe: string,
): apigw.CorsPreflightOptions | undefined {
  if (cors === false) return undefined;
  const c = (cors === undefined || cors === true ? {} : cors) as ApiCorsProps;
  return {
    allowCredentials: c.allowCredentials ?? false,
    allowHeaders: c.allowHeaders ?? ['*'],
    allowMethods: (c.allowMethods ?? ['ANY']).map((m) => {
      const method =
        m in apigw.CorsHttpMethod
          ? apigw.CorsHttpMethod[m as keyof typeof apigw.CorsHttpMethod]
          : Object.values(apigw.CorsHttpMethod).find((v) => v === m);
      if (!method) throw new Error(`${describe}: cors.allowMethods has "${m}"; use "ANY", "GET", "POST", …`);
      return method;
    }),
    allowOrigins: c.allowOrigins ?? ['*'],
    exposeHeaders: c.exposeHeaders,
    maxAge: c.maxAge === undefined ? undefined : toDuration(c.maxAge, `${describe}: cors.maxAge`),
  };
}

function isHttpApiProps(x: unknown): boolean {
  return typeof x === 'object' && x !== null && !(x instanceof Construct);
}

/** `get /notes` → `GET /notes`, extra spaces dropped; `$default` as it is. */
function normalizeRouteKey(key: string): string {
  const trimmed = key.trim().replace(/\s+/g, ' ');
  const space = trimmed.indexOf(' ');
  return space > 0 ? trimmed.slice(0, space).toUpperCase() + trimmed.slice(space) : trimmed;
}

/** `GET /notes/{id}` of api `api` → `api-GET-notes-id`; the function's id, env key and bind target. */
export function routeFunctionId(apiId: string, routeKey: string): string {
  if (routeKey === '$default') return `${apiId}-default`;
  const [method, path] = routeKey.split(' ');
  const slug = path
    .replace(/[{}+]/g, '')
    .split('/')
    .filter(Boolean)
    .join('-')
    .replace(/[^a-zA-Z0-9-]/g, '-');
  return `${apiId}-${method}-${slug || 'root'}`;
}
