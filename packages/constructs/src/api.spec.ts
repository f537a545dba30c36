import { Api } from './api';
import { Bucket } from './bucket';
import { Function } from './function';
import { lambdaEnv, roleStatements, ssmParameters, useWorkspace } from './test-utils/workspace';

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
});
