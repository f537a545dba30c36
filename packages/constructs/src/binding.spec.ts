import { Construct } from 'constructs';
import { Bucket } from './bucket';
import { Config } from './config';
import { Function } from './function';
import type { Bindable, BindingProps } from './binding';
import { registerBindable } from './bindable';
import type { Secret } from './secret';
import { lambdaEnv, roleStatements, ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

/** A user-defined bindable whose public key is a reference to a Secret (like SST v2's future Auth). */
class Auth extends Construct implements Bindable {
  public static readonly bindingType = 'Auth';
  constructor(
    scope: Construct,
    public readonly id: string,
    private readonly key: Secret,
  ) {
    super(scope, id);
    registerBindable(this);
  }
  public getBindings(): BindingProps {
    return {
      type: Auth.bindingType,
      clientPackage: 'auth',
      variables: {
        publicKey: { type: 'secret_reference', secret: this.key },
        url: { type: 'plain', value: 'https://auth' },
      },
      permissions: [],
    };
  }
}

/** Subclassing (or a bundler renaming the class) must not change the wire format. */
class UploadsBucket extends Bucket {}

describe('binding', () => {
  const ws = useWorkspace();

  it('binds the secrets a construct references, with their permissions', () => {
    const { template, app } = ws.synth(({ stack }) => {
      const { AUTH_KEY } = Config.Secret.create(stack, 'AUTH_KEY');
      const auth = new Auth(stack, 'auth', AUTH_KEY);
      new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: [auth] });
    });
    expect(lambdaEnv(template, 'fn')).toMatchObject({
      SST_Auth_publicKey_auth: '__FETCH_FROM_SECRET__:AUTH_KEY',
      SST_Auth_url_auth: 'https://auth',
      SST_Secret_value_AUTH_KEY: '__FETCH_FROM_SSM__',
    });
    expect(roleStatements(template, 'fnServiceRole').map((s) => s.Action)).toEqual(['ssm:GetParameters']);
    expect(ssmParameters(template)).toMatchObject({
      '/sst/my-app/dev/Auth/auth/publicKey': '__FETCH_FROM_SECRET__:AUTH_KEY',
      '/sst/my-app/dev/Auth/auth/url': 'https://auth',
    });
    expect(app.bindingModel().targets[0].bindings).toEqual([
      { type: 'Auth', id: 'auth' },
      { type: 'Secret', id: 'AUTH_KEY' },
    ]);
  });

  it('uses the declared type name, not the class name', () => {
    const { template, app } = ws.synth(({ stack }) => {
      const bucket = new UploadsBucket(stack, 'uploads');
      new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: [bucket] });
    });
    expect(Object.keys(lambdaEnv(template, 'fn'))).toContain('SST_Bucket_bucketName_uploads');
    expect(app.bindingModel().resources[0]).toMatchObject({
      type: 'Bucket',
      id: 'uploads',
      clientPackage: 'bucket',
    });
  });

  it('refuses a { resource, permissions } binding without a permissions list', () => {
    expect(() =>
      ws.synth(({ stack }) => {
        const bucket = new Bucket(stack, 'files');
        new Function(stack, 'fn', {
          handler: 'packages/functions/src/lambda.handler',
          bind: [{ resource: bucket } as never],
        });
      }),
    ).toThrow('Function "fn": the binding of Bucket "files" has no "permissions" list.');
  });
});
