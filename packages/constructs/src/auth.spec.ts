import { Api } from './api';
import { Auth, AUTH_KEYS_RESOURCE_TYPE } from './auth';
import { Bucket } from './bucket';
import { Config } from './config';
import { Function } from './function';
import {
  lambdaEnv,
  roleStatements,
  ssmParameterArn,
  ssmParameters,
  useWorkspace,
} from './test-utils/workspace';

jest.setTimeout(180_000);

const handler = 'packages/functions/src/lambda.handler';

describe('Auth', () => {
  const ws = useWorkspace();

  it('generates its key pair through a custom resource: the keys are in no template, only their parameter names', () => {
    const { template, app } = ws.synth(({ stack }) => {
      new Auth(stack, 'auth', { authenticator: { handler } });
    });
    const keys = template.findResources(AUTH_KEYS_RESOURCE_TYPE);
    expect(Object.values(keys).map((r) => r.Properties)).toEqual([
      {
        ServiceToken: expect.anything(),
        PublicKeyParameter: '/sst/my-app/dev/Auth/auth/publicKey',
        PrivateKeyParameter: '/sst/my-app/dev/Auth/auth/privateKey',
      },
    ]);
    const text = JSON.stringify(template.toJSON());
    expect(text).not.toMatch(/BEGIN (RSA )?(PRIVATE|PUBLIC) KEY/);
    // Secrets are never String parameters of the template.
    expect(Object.keys(ssmParameters(template)).filter((n) => n.includes('/Auth/'))).toEqual([]);
    // The provider may write and delete exactly the two parameters.
    const provider = Object.keys(template.findResources('AWS::IAM::Role')).find((id) =>
      id.includes('NxSstAuthKeys'),
    )!;
    expect(roleStatements(template, provider)).toEqual([
      {
        Action: ['ssm:PutParameter', 'ssm:GetParameter', 'ssm:DeleteParameters'],
        Effect: 'Allow',
        Resource: [
          ssmParameterArn('/sst/my-app/dev/Auth/auth/publicKey'),
          ssmParameterArn('/sst/my-app/dev/Auth/auth/privateKey'),
        ],
      },
    ]);
    expect(app.bindingModel().resources).toEqual([
      { type: 'Auth', id: 'auth', clientPackage: 'auth', props: ['publicKey'], stack: 'dev-my-app-Default' },
    ]);
  });

  it('binds publicKey as a secret placeholder with ssm:GetParameters on exactly that parameter', () => {
    const { template } = ws.synth(({ stack }) => {
      const auth = new Auth(stack, 'auth', { authenticator: handler });
      new Function(stack, 'fn', { handler, bind: [auth] });
    });
    expect(lambdaEnv(template, 'fn')).toMatchObject({ SST_Auth_publicKey_auth: '__FETCH_FROM_SSM__' });
    expect(lambdaEnv(template, 'fn')).not.toHaveProperty('SST_Auth_privateKey_auth');
    expect(roleStatements(template, 'fnServiceRole')).toEqual([
      {
        Action: 'ssm:GetParameters',
        Effect: 'Allow',
        Resource: ssmParameterArn('/sst/my-app/dev/Auth/auth/publicKey'),
      },
    ]);
  });

  it('attach mounts one authenticator at GET {prefix} and ANY {prefix}/{proxy+}, with the private key and prefix; every route gets the Auth', () => {
    let auth!: Auth;
    let api!: Api;
    const { template, app } = ws.synth(({ stack }) => {
      api = new Api(stack, 'api', { routes: { 'GET /me': handler } });
      auth = new Auth(stack, 'auth', { authenticator: { handler } });
      auth.attach(stack, { api, prefix: '/login/' });
    });
    expect(api.routes).toEqual(['GET /me', 'GET /login', 'ANY /login/{proxy+}']);
    expect(api.getFunction('GET /login')).toBe(auth.authenticatorFunction);
    expect(api.getFunction('ANY /login/{proxy+}')).toBe(auth.authenticatorFunction);
    expect(lambdaEnv(template, 'authauthenticator')).toMatchObject({
      SST_Auth_publicKey_auth: '__FETCH_FROM_SSM__',
      SST_Auth_privateKey_auth: '__FETCH_FROM_SSM__',
      SST_Auth_prefix_auth: '/login',
    });
    expect(roleStatements(template, 'authauthenticatorServiceRole')).toEqual(
      expect.arrayContaining([
        {
          Action: 'ssm:GetParameters',
          Effect: 'Allow',
          Resource: ssmParameterArn('/sst/my-app/dev/Auth/auth/privateKey'),
        },
        {
          Action: 'ssm:GetParameters',
          Effect: 'Allow',
          Resource: ssmParameterArn('/sst/my-app/dev/Auth/auth/publicKey'),
        },
      ]),
    );
    expect(lambdaEnv(template, 'apiapiGETme')).toMatchObject({
      SST_Auth_publicKey_auth: '__FETCH_FROM_SSM__',
    });
    expect(lambdaEnv(template, 'apiapiGETme')).not.toHaveProperty('SST_Auth_privateKey_auth');
    const targets = app.bindingModel().targets.map((t) => [t.id, t.bindings]);
    expect(targets).toEqual(
      expect.arrayContaining([
        ['auth-authenticator', [{ type: 'Auth', id: 'auth' }]],
        ['api-GET-me', [{ type: 'Auth', id: 'auth' }]],
      ]),
    );
  });

  it("takes the Api's defaults.function into the authenticator, as v2's routes did (its own props win)", () => {
    let auth!: Auth;
    let bucket!: Bucket;
    const { template } = ws.synth(({ stack }) => {
      bucket = new Bucket(stack, 'files');
      const secret = new Config.Secret(stack, 'MAILER_KEY');
      const api = new Api(stack, 'api', {
        defaults: { function: { bind: [bucket], environment: { FROM: 'defaults', A: '1' } } },
        routes: { 'GET /me': handler },
      });
      auth = new Auth(stack, 'auth', {
        authenticator: { handler, bind: [secret], environment: { FROM: 'auth' } },
      });
      auth.attach(stack, { api });
    });
    expect(
      auth
        .authenticatorFunction!.boundResources()
        .map((r) => r.id)
        .sort(),
    ).toEqual(['MAILER_KEY', 'auth', 'files']);
    expect(lambdaEnv(template, 'authauthenticator')).toMatchObject({ FROM: 'auth', A: '1' });
  });

  it('uses "/auth" as the default prefix, as SST v2 does', () => {
    let api!: Api;
    ws.synth(({ stack }) => {
      api = new Api(stack, 'api');
      new Auth(stack, 'auth', { authenticator: handler }).attach(stack, { api });
    });
    expect(api.routes).toEqual(['GET /auth', 'ANY /auth/{proxy+}']);
  });

  it('refuses what SST v2 refused, and what it let break silently, naming the fix', () => {
    const build = (fn: (stack: import('./stack').Stack) => void) => () =>
      ws.app().stack(function Default({ stack }) {
        fn(stack);
      });
    expect(build((stack) => new Auth(stack, 'auth', {} as never))).toThrow(
      'Auth "auth": needs an authenticator, e.g. new Auth(stack, "auth", { authenticator: { handler: "packages/functions/src/auth.handler" } }).',
    );
    expect(build((stack) => new Auth(stack, 'auth', { login: ['email'] } as never))).toThrow(
      /^Auth "auth": login are props of SST v2's Cognito construct .* Use aws-cdk-lib\/aws-cognito's UserPool/,
    );
    expect(
      build((stack) => new Auth(stack, 'auth', { authenticator: handler, prefix: '/auth' } as never)),
    ).toThrow('Auth "auth": unknown prop "prefix". Its props are: authenticator, cdk.');
    expect(
      build((stack) => new Auth(stack, 'auth', { authenticator: handler, cdk: { role: 1 } } as never)),
    ).toThrow('Auth "auth" cdk: unknown prop "role". Its props are: id.');
    expect(
      build((stack) => {
        const api = new Api(stack, 'api');
        const auth = new Auth(stack, 'auth', { authenticator: handler });
        auth.attach(stack, { api });
        auth.attach(stack, { api });
      }),
    ).toThrow('Auth "auth" is already attached to Api "api".');
    expect(
      build((stack) => {
        const api = new Api(stack, 'api');
        new Auth(stack, 'a', { authenticator: handler }).attach(stack, { api });
        new Auth(stack, 'b', { authenticator: handler }).attach(stack, { api });
      }),
    ).toThrow(
      'Auth "b": Api "api" already has Auth "a" attached. An Api takes one Auth; attach this one to another Api.',
    );
    expect(
      build((stack) => {
        const auth = new Auth(stack, 'auth', { authenticator: handler });
        auth.attach(stack, { api: new Api(stack, 'one') });
        auth.attach(stack, { api: new Api(stack, 'two'), prefix: '/other' });
      }),
    ).toThrow(
      'Auth "auth": attached at "/auth" already; its authenticator serves one prefix, so attach it to Api "two" at "/auth" too.',
    );
    expect(
      build((stack) => {
        new Auth(stack, 'auth', { authenticator: handler }).attach(stack, {
          api: new Api(stack, 'api'),
          prefix: '/a b',
        });
      }),
    ).toThrow(/^Auth "auth": prefix "\/a b" is not a route path; use one like "\/auth"/);
    expect(
      build((stack) => {
        new Auth(stack, 'auth', { authenticator: handler });
        new Auth(stack, 'auth', { authenticator: handler });
      }),
    ).toThrow(/Auth "auth"/);
  });

  it('serves two Apis with one authenticator at one prefix', () => {
    let auth!: Auth;
    let one!: Api;
    let two!: Api;
    ws.synth(({ stack }) => {
      auth = new Auth(stack, 'auth', { authenticator: handler });
      one = new Api(stack, 'one');
      two = new Api(stack, 'two');
      auth.attach(stack, { api: one });
      auth.attach(stack, { api: two });
    });
    expect(one.getFunction('GET /auth')).toBe(two.getFunction('GET /auth'));
  });
});
