import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Construct } from 'constructs';
import type { Bindable, BindingProps, BindingResource } from './binding';
import { checkedId, registerBindable } from './bindable';
import { Function, type FunctionDefinition, type FunctionProps } from './function';

/** A route's function, or `{ function }`. */
export type ApiRouteProps = FunctionDefinition | { readonly function: FunctionDefinition };

/** Props of {@link Api}. */
export interface ApiProps {
  /**
   * Routes: `"GET /notes/{id}": "packages/functions/src/notes.get"`, `"$default": …`.
   * @default no routes
   */
  readonly routes?: Record<string, ApiRouteProps>;
  /**
   * Props of every route function.
   * @default none
   */
  readonly defaults?: { readonly function?: FunctionProps };
  /**
   * CORS; `true` allows every origin, method and header.
   * @default true
   */
  readonly cors?: boolean | apigw.CorsPreflightOptions;
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

/** An HTTP API (API Gateway v2) with a function per route. Binds `url`; no permissions needed. */
export class Api extends Construct implements Bindable {
  public static readonly bindingType = 'Api';

  public readonly id: string;
  /** The API's URL. */
  public readonly url: string;
  public readonly cdk: { httpApi: apigw.HttpApi };
  private readonly routeFunctions = new Map<string, Function>();
  private readonly routeTargetIds = new Map<string, string>();
  private readonly defaults: FunctionProps;

  constructor(scope: Construct, id: string, props: ApiProps = {}) {
    super(scope, checkedId(scope, id, 'Api', { nodeId: props.cdk?.id }));
    this.id = id;
    this.defaults = props.defaults?.function ?? {};
    const cors = props.cors ?? true;
    const httpApi = new apigw.HttpApi(this, 'HttpApi', {
      corsPreflight:
        cors === true
          ? { allowOrigins: ['*'], allowHeaders: ['*'], allowMethods: [apigw.CorsHttpMethod.ANY] }
          : cors || undefined,
      ...props.cdk?.httpApi,
    });
    this.cdk = { httpApi };
    this.url = httpApi.apiEndpoint;
    for (const [routeKey, route] of Object.entries(props.routes ?? {})) this.addRoute(routeKey, route);
    registerBindable(this);
  }

  /** Adds routes after creation. */
  public addRoutes(routes: Record<string, ApiRouteProps>): void {
    for (const [routeKey, route] of Object.entries(routes)) this.addRoute(routeKey, route);
  }

  /** The function of a route, by its key (`"GET /"`). */
  public getFunction(routeKey: string): Function | undefined {
    return this.routeFunctions.get(normalizeRouteKey(routeKey));
  }

  /** Binds constructs to every route function. */
  public bind(constructs: BindingResource[]): void {
    for (const fn of this.routeFunctions.values()) fn.bind(constructs);
  }

  /** Binds constructs to one route's function. */
  public bindToRoute(routeKey: string, constructs: BindingResource[]): void {
    const fn = this.getFunction(routeKey);
    if (!fn)
      throw new Error(
        `Api "${this.id}": no route "${routeKey}". Routes: ${[...this.routeFunctions.keys()].join(', ')}.`,
      );
    fn.bind(constructs);
  }

  public getBindings(): BindingProps {
    return {
      type: Api.bindingType,
      clientPackage: 'api',
      variables: { url: { type: 'plain', value: this.url } },
      permissions: [],
    };
  }

  private addRoute(rawKey: string, route: ApiRouteProps): void {
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
    if (this.routeFunctions.has(key)) throw new Error(`${describe}: the route is defined twice.`);
    const definition =
      typeof route === 'object' && route !== null && !(route instanceof Function) && 'function' in route
        ? route.function
        : route;
    const fnId = routeFunctionId(this.id, key);
    const existing = [...this.routeTargetIds.entries()].find(([, v]) => v === fnId);
    if (existing) {
      throw new Error(
        `${describe}: its function id "${fnId}" clashes with route "${existing[0]}". Give one route { function: existingFunction } or rename the path.`,
      );
    }
    const fn = Function.fromDefinition(this, fnId, definition as FunctionDefinition, this.defaults);
    this.routeFunctions.set(key, fn);
    this.routeTargetIds.set(key, fnId);
    const integration = new integrations.HttpLambdaIntegration(`Integration_${fnId}`, fn);
    if (key === '$default') {
      new apigw.HttpRoute(this, `Route_${fnId}`, {
        httpApi: this.cdk.httpApi,
        routeKey: apigw.HttpRouteKey.DEFAULT,
        integration,
      });
    } else {
      this.cdk.httpApi.addRoutes({ path, methods: [method as apigw.HttpMethod], integration });
    }
  }
}

function normalizeRouteKey(key: string): string {
  return key.trim().replace(/\s+/g, ' ');
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
