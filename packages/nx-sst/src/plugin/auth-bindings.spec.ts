import { renderProjectTypes } from '../types/render';
import { createProjectLocator, locateTargets, readStaticBindings } from './bindings';

const read = (content: string) =>
  locateTargets(
    readStaticBindings([{ file: 'apps/infra/stacks/Default.ts', content }]),
    createProjectLocator(['libs/auth', 'libs/functions', 'apps/infra']),
  );

describe('Auth read statically', () => {
  const bindings = read(`
import { Api, Auth, Function, Table, type StackContext } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  const users = new Table(stack, 'users', { fields: { email: 'string' }, primaryIndex: { partitionKey: 'email' } });
  const api = new Api(stack, 'api', {
    defaults: { function: { bind: [users] } },
    routes: { 'GET /me': 'libs/functions/src/me.handler' },
  });
  const auth = new Auth(stack, 'auth', { authenticator: { handler: 'libs/auth/src/auth.handler' } });
  auth.attach(stack, { api, prefix: '/auth' });
  new Function(stack, 'verify', { handler: 'libs/functions/src/verify.handler', bind: [auth] });
}
`);

  it('is a resource; its authenticator is a target bound to it; attach binds it to every route of the Api', () => {
    expect(bindings.resources.map((r) => `${r.type}.${r.id}`)).toEqual([
      'Api.api',
      'Auth.auth',
      'Function.verify',
      'Table.users',
    ]);
    expect(
      bindings.targets.map((t) => [
        t.id,
        t.location,
        t.projectRoot,
        t.bindings.map((b) => `${b.type}.${b.id}`).join(','),
      ]),
    ).toEqual([
      ['api', 'libs/functions/src/me', 'libs/functions', 'Auth.auth,Table.users'],
      // The Api's defaults.function apply to the authenticator too.
      ['auth', 'libs/auth/src/auth', 'libs/auth', 'Auth.auth,Table.users'],
      ['verify', 'libs/functions/src/verify', 'libs/functions', 'Auth.auth'],
    ]);
  });

  it('declares Auth.<id>.publicKey in @nx-sst/runtime/auth for a project it is bound to', () => {
    const text = renderProjectTypes(
      {
        app: 'my-app',
        stage: '',
        ssmPrefix: '',
        resources: [
          { type: 'Auth', id: 'auth', clientPackage: 'auth', props: ['publicKey'], stack: 'Default' },
        ],
        targets: [
          {
            id: 'auth-authenticator',
            kind: 'function',
            project: { name: 'auth', root: 'libs/auth' },
            bindings: [{ type: 'Auth', id: 'auth' }],
            stack: 'Default',
          },
        ],
      },
      'auth',
    );
    expect(text).toContain(
      [
        "declare module '@nx-sst/runtime/auth' {",
        '  export interface AuthResources {',
        '    "auth": {',
        '      publicKey: string;',
        '    };',
        '  }',
        '}',
      ].join('\n'),
    );
    expect(text).toContain("import '@nx-sst/runtime/auth';");
  });
});
