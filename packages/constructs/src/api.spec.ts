import { Api } from './api';
import { Bucket } from './bucket';
import { Function } from './function';
import { Template } from 'aws-cdk-lib/assertions';
import { Match } from 'aws-cdk-lib/assertions';
import type { Stack } from './stack';
import { lambdaEnv, logicalId, roleStatements, ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('Api', () => {
  const ws = useWorkspace();

  it('routes to a function per route, binds to all of them, and binds its url', () => {
    let api!: Api;
    const { template, app } = ws.synth(({ stack }) => {
      const bucket = new Bucket(stack, 'files');
      api = new Api(stack, 'api', {
        routes: {
          'GET /': 'packages/functions/src/notes.list',
          'GET /notes/{id}': { function: { handler: 'packages/functions/src/notes.get', timeout: 5 } },
        },
      });
      api.bind([bucket]);
      new Function(stack, 'client', { handler: 'packages/functions/src/lambda.handler', bind: [api] });
    });
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /notes/{id}' });
    for (const fn of ['apiapiGETroot', 'apiapiGETnotesid']) {
      expect(lambdaEnv(template, fn)).toMatchObject({ SST_Bucket_bucketName_files: expect.anything() });
      expect(roleStatements(template, `${fn}ServiceRole`).map((s) => s.Action)).toEqual(['s3:*']);
    }
    expect(lambdaEnv(template, 'client')).toMatchObject({ SST_Api_url_api: expect.anything() });
    expect(roleStatements(template, 'clientServiceRole')).toEqual([]);
    expect(ssmParameters(template)['/sst/my-app/dev/Api/api/url']).toBeDefined();
    expect(api.getFunction('GET /notes/{id}')?.id).toBe('api-GET-notes-id');
    expect(app.bindingModel().targets.map((t) => t.id)).toEqual([
      'api-GET-notes-id',
      'api-GET-root',
      'client',
    ]);
  });

  it('refuses a malformed route key, naming the api and the route', () => {
    expect(() =>
      ws.app().stack(function Default({ stack }) {
        new Api(stack, 'api', { routes: { 'FETCH /x': 'packages/functions/src/lambda.handler' } });
      }),
    ).toThrow('Api "api" route "FETCH /x": route keys are "METHOD /path"');
  });

  it("takes SST v2's authorizers, url routes, payload versions, throttling and CORS form", () => {
    let api!: Api;
    const { template } = ws.synth(({ stack }) => {
      api = new Api(stack, 'api', {
        authorizers: {
          jwt: { type: 'jwt', jwt: { issuer: 'https://issuer.example.com', audience: ['app'] } },
          pool: { type: 'user_pool', userPool: { id: 'us-east-1_abc', clientIds: ['client1'] } },
          custom: {
            type: 'lambda',
            function: 'packages/functions/src/lambda.handler',
            responseTypes: ['simple'],
          },
        },
        defaults: {
          authorizer: 'jwt',
          authorizationScopes: ['notes/read'],
          payloadFormatVersion: '1.0',
          throttle: { burst: 10, rate: 5 },
        },
        cors: { allowOrigins: ['https://example.com'], allowMethods: ['GET', 'ANY'], maxAge: '1 day' },
        routes: {
          'GET /notes': 'packages/functions/src/notes.list',
          'get /public': {
            function: 'packages/functions/src/notes.get',
            authorizer: 'none',
            payloadFormatVersion: '2.0',
          },
          'POST /signed': { function: 'packages/functions/src/lambda.handler', authorizer: 'iam' },
          'GET /pool': {
            function: 'packages/functions/src/lambda.handler',
            authorizer: 'pool',
            authorizationScopes: ['x'],
          },
          'GET /custom': { function: 'packages/functions/src/lambda.handler', authorizer: 'custom' },
          'GET /docs': { type: 'url', url: 'https://docs.example.com', authorizer: 'none' },
        },
      });
    });
    const routes = template.findResources('AWS::ApiGatewayV2::Route') as Record<
      string,
      {
        Properties: {
          RouteKey: string;
          AuthorizationType?: string;
          AuthorizationScopes?: string[];
          Target: unknown;
        };
      }
    >;
    const byKey = Object.fromEntries(Object.values(routes).map((r) => [r.Properties.RouteKey, r.Properties]));
    expect(byKey['GET /notes']).toMatchObject({
      AuthorizationType: 'JWT',
      AuthorizationScopes: ['notes/read'],
    });
    expect(byKey['GET /public'].AuthorizationType).toBe('NONE');
    expect(byKey['POST /signed'].AuthorizationType).toBe('AWS_IAM');
    expect(byKey['GET /pool']).toMatchObject({ AuthorizationType: 'JWT', AuthorizationScopes: ['x'] });
    expect(byKey['GET /custom']).toMatchObject({ AuthorizationType: 'CUSTOM' });
    expect(byKey['GET /custom'].AuthorizationScopes).toBeUndefined();
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: { Audience: ['app'], Issuer: 'https://issuer.example.com' },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      JwtConfiguration: Match.objectLike({ Audience: ['client1'] }),
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      EnableSimpleResponses: true,
      AuthorizerResultTtlInSeconds: 0,
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'HTTP_PROXY',
      IntegrationUri: 'https://docs.example.com',
    });
    const versions = Object.values(
      template.findResources('AWS::ApiGatewayV2::Integration') as Record<
        string,
        { Properties: Record<string, unknown> }
      >,
    )
      .filter((i) => i.Properties.IntegrationType === 'AWS_PROXY')
      .map((i) => i.Properties.PayloadFormatVersion)
      .sort();
    expect(versions).toEqual(['1.0', '1.0', '1.0', '1.0', '2.0']);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingBurstLimit: 10, ThrottlingRateLimit: 5 },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowCredentials: false,
        AllowHeaders: ['*'],
        AllowMethods: ['GET', '*'],
        AllowOrigins: ['https://example.com'],
        MaxAge: 86400,
      },
    });
    expect(api.routes).toEqual([
      'GET /notes',
      'GET /public',
      'POST /signed',
      'GET /pool',
      'GET /custom',
      'GET /docs',
    ]);
    expect(api.getFunction('GET /docs')).toBeUndefined();
    expect(api.customDomainUrl).toBeUndefined();
  });

  it('adds routes with addRoutes(stack, routes), in another stack too, and applies bind and attachPermissions to later routes', () => {
    const app = ws.app();
    let api!: Api;
    let other!: Stack;
    app.stack(function Http({ stack }) {
      api = new Api(stack, 'api', { routes: { 'GET /': 'packages/functions/src/notes.list' } });
      api.attachPermissions(['sqs:SendMessage']);
      api.bind([new Bucket(stack, 'files')]);
      api.addRoutes(stack, { 'GET /same': 'packages/functions/src/notes.get' });
      api.attachPermissionsToRoute('GET /same', ['sns:Publish']);
      api.setCors({ allowOrigins: ['https://app.example.com'] });
      expect(api.httpApiArn).toContain(':apigateway:');
      expect(api.httpApiId).toBe(api.cdk.httpApi.apiId);
    });
    app.stack(function More({ stack }) {
      other = stack;
      api.addRoutes(stack, { 'POST /more': 'packages/functions/src/lambda.handler' });
      new Function(stack, 'client', { handler: 'packages/functions/src/lambda.handler', bind: [api] });
    });
    const http = Template.fromStack(app.node.findChild('Http') as Stack);
    const more = Template.fromStack(other);
    more.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /more' });
    http.resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /more' }, 0);
    expect(lambdaEnv(more, 'apiPOSTmore')).toMatchObject({ SST_Bucket_bucketName_files: expect.anything() });
    expect(roleStatements(more, 'apiPOSTmoreServiceRole').map((s) => s.Action)).toEqual(
      expect.arrayContaining(['sqs:SendMessage', 's3:*']),
    );
    expect(roleStatements(http, 'apiGETsameServiceRole').map((s) => s.Action)).toEqual(
      expect.arrayContaining(['sqs:SendMessage', 's3:*', 'sns:Publish']),
    );
    http.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://app.example.com'], AllowMethods: ['*'] }),
    });
    expect(logicalId(more, 'AWS::Lambda::Function', 'apiPOSTmore')).toBeDefined();
  });

  it("refuses SST v2's props nx-sst does not take, naming what to write instead", () => {
    const build = (props: object) => () =>
      ws.app().stack(function Default({ stack }) {
        new Api(stack, 'api', props as never);
      });
    expect(build({ customDomain: 'api.example.com' })).toThrow(
      'Api "api": unknown prop "customDomain". Map a domain through the escape hatch: cdk: { httpApi: { defaultDomainMapping:',
    );
    expect(build({ accessLog: true })).toThrow(
      'Api "api": unknown prop "accessLog". Set the default stage\'s access log',
    );
    expect(build({ cdk: { httpStages: [] } })).toThrow(
      'Api "api" cdk: unknown prop "httpStages". Add a stage with aws-cdk-lib',
    );
    expect(build({ routes: { 'GET /': { type: 'aws', cdk: {} } } })).toThrow(
      'Api "api" route "GET /": "aws" routes are not available. Add it to the HTTP API with aws-cdk-lib',
    );
    expect(
      build({
        routes: { 'GET /': { function: 'packages/functions/src/lambda.handler', authorizer: 'auth0' } },
      }),
    ).toThrow('Api "api" route "GET /": no authorizer "auth0". Use "none", "iam", or add it to authorizers.');
    expect(
      build({ routes: { 'GET /': { function: 'packages/functions/src/lambda.handler', timeout: 3 } } }),
    ).toThrow(
      'Api "api" route "GET /": unknown prop "timeout". Its props are: type, function, authorizer, authorizationScopes, payloadFormatVersion.',
    );
    expect(build({ authorizers: { iam: { type: 'jwt' } } })).toThrow(
      'Api "api" authorizer "iam": "none" and "iam" are built in; give this authorizer another key.',
    );
    expect(build({ authorizers: { auth: { type: 'jwt' } } })).toThrow(
      'Api "api" authorizer "auth": a "jwt" authorizer needs "jwt" (or cdk.authorizer).',
    );
    expect(() =>
      ws.app().stack(function Default({ stack }) {
        const api = new Api(stack, 'api', {
          routes: { 'GET /docs': { type: 'url', url: 'https://x.example.com' } },
        });
        api.bindToRoute('GET /docs', []);
      }),
    ).toThrow('Api "api": bindToRoute("GET /docs"): that route has no function (it proxies to a URL).');
  });
});
