import * as fs from 'node:fs';
import * as path from 'node:path';
import { Config } from './config';
import { Function } from './function';
import { NextjsSite } from './nextjs-site';
import { StaticSite } from './static-site';
import { writeOpenNextFixture } from './test-utils/open-next-fixture';
import { roleStatements, ssmParameterArn, ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('Config.Secret', () => {
  const ws = useWorkspace();

  it('is never created by CloudFormation and grants ssm:GetParameters on exactly its two parameters', () => {
    const { template } = ws.synth(
      ({ stack }) => {
        const { STRIPE_KEY } = Config.Secret.create(stack, 'STRIPE_KEY');
        new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: [STRIPE_KEY] });
      },
      { ssmPrefix: '/custom/prefix/' },
    );
    expect(Object.keys(ssmParameters(template)).filter((n) => n.includes('Secret'))).toEqual([]);
    expect(roleStatements(template, 'fnServiceRole')).toEqual([
      {
        Action: 'ssm:GetParameters',
        Effect: 'Allow',
        // the fallback path ignores a custom prefix, as in SST v2
        Resource: [
          ssmParameterArn('/custom/prefix/Secret/STRIPE_KEY/value'),
          ssmParameterArn('/sst/my-app/.fallback/Secret/STRIPE_KEY/value'),
        ],
      },
    ]);
  });

  it('shares one namespace with Parameter, hyphens and underscores included', () => {
    const build = (fn: (stack: import('./stack').Stack) => void) => () =>
      ws.app().stack(function Default({ stack }) {
        fn(stack);
      });
    expect(
      build((stack) => {
        new Config.Secret(stack, 'API_KEY');
        new Config.Parameter(stack, 'API_KEY', { value: 'x' });
      }),
    ).toThrow(
      'Parameter "API_KEY": Secret "API_KEY" already exists. Secrets and Parameters share one namespace (Config.API_KEY); rename one of them.',
    );
    expect(
      build((stack) => {
        new Config.Secret(stack, 'api-key');
        new Config.Parameter(stack, 'api_key', { value: 'x' });
      }),
    ).toThrow(
      'Parameter "api_key" clashes with Secret "api-key": ids are compared with "-" read as "_", so both would be Config.api_key. Rename one of them.',
    );
  });

  it('is refused in a client-visible environment key, and in any other environment key', () => {
    const build = (fn: (stack: import('./stack').Stack) => void) => () =>
      ws.app().stack(function Default({ stack }) {
        fn(stack);
      });
    for (const key of ['NEXT_PUBLIC_STRIPE', 'VITE_STRIPE', 'PUBLIC_STRIPE']) {
      expect(
        build((stack) => {
          const secret = new Config.Secret(stack, 'STRIPE_KEY');
          new NextjsSite(stack, 'web', { path: 'apps/web', environment: { [key]: secret.value } });
        }),
      ).toThrow(
        new RegExp(
          `^NextjsSite "web": environment "${key}" would expose Secret "STRIPE_KEY" to the browser .*` +
            String.raw`Bind the secret instead \(bind: \[STRIPE_KEY\]\) and read Config\.STRIPE_KEY in server code only\.$`,
        ),
      );
    }
    expect(
      build((stack) => {
        const secret = new Config.Secret(stack, 'STRIPE_KEY');
        new StaticSite(stack, 'landing', {
          path: 'apps/landing',
          environment: { VITE_KEY: `prefix-${secret.value}` },
        });
      }),
    ).toThrow('StaticSite "landing": environment "VITE_KEY" would expose Secret "STRIPE_KEY" to the browser');
    expect(
      build((stack) => {
        const secret = new Config.Secret(stack, 'STRIPE_KEY');
        new Function(stack, 'fn', {
          handler: 'packages/functions/src/lambda.handler',
          environment: { KEY: secret.value },
        });
      }),
    ).toThrow(
      'Function "fn": environment "KEY" holds Secret "STRIPE_KEY", whose value must never be in a template. Bind the secret instead',
    );
  });

  it('canary: a secret value known to the process appears in no synthesized file', () => {
    const canary = 'sk_live_CANARY_7f3a9c1e5b';
    const saved = { ...process.env };
    // Everything a careless implementation could copy from: the process environment, in every spelling.
    Object.assign(process.env, { SST_Secret_value_STRIPE_KEY: canary, STRIPE_KEY: canary, SECRET: canary });
    try {
      const { app } = ws.synth(({ stack }) => {
        const { STRIPE_KEY } = Config.Secret.create(stack, 'STRIPE_KEY');
        new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: [STRIPE_KEY] });
        writeOpenNextFixture(path.join(ws.root, 'apps/web'));
        new NextjsSite(stack, 'web', {
          path: 'apps/web',
          prebuilt: '.open-next',
          bind: [STRIPE_KEY],
          environment: { NEXT_PUBLIC_X: 'y' },
        });
        new StaticSite(stack, 'landing', {
          path: 'apps/landing',
          buildCommand: 'node -e "1"',
          environment: { VITE_A: 'b' },
        });
      });
      const files = listFiles(app.outdir);
      expect(files.some((f) => f.endsWith('.template.json'))).toBe(true);
      const leaks = files.filter((f) => fs.readFileSync(f).includes(canary));
      expect(leaks).toEqual([]);
    } finally {
      process.env = saved;
    }
  });
});

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath, d.name));
}
