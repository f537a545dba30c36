// The package as users get it: the built ESM and CJS entries, loaded by Node, bundled by esbuild
// and type-checked by TypeScript in each module resolution mode.
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startTestCloud, type LocalCloud } from '@nx-sst/local-cloud';
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';
import * as ts from 'typescript';

// The SDK's notice about future Node versions is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
jest.setTimeout(180_000);

const packageRoot = join(__dirname, '..');
const run = promisify(execFile);
let cloud: LocalCloud;
let work: string;

const bound = () => ({
  ...cloud.env,
  SST_APP: 'pkg',
  SST_STAGE: 'dev',
  SST_SSM_PREFIX: '/sst/pkg/dev/',
  SST_Bucket_bucketName_public: 'pkg-public',
  SST_Secret_value_STRIPE_KEY: '__FETCH_FROM_SSM__',
});

/** Runs a script with Node in a directory of the workspace, so `@nx-sst/runtime` resolves to this package. */
async function node(file: string, source: string, env: Record<string, string>, cwd = work): Promise<string> {
  const path = join(cwd, file);
  writeFileSync(path, source);
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SST')));
  const { stdout } = await run(process.execPath, [path], {
    cwd,
    env: { ...clean, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
  });
  return stdout.trim();
}

beforeAll(async () => {
  mkdirSync(join(packageRoot, 'tmp'), { recursive: true });
  work = mkdtempSync(join(packageRoot, 'tmp', 'package-'));
  cloud = await startTestCloud();
  await new SSMClient(cloud.clientConfig).send(
    new PutParameterCommand({
      Name: '/sst/pkg/dev/Secret/STRIPE_KEY/value',
      Value: 'sk_from_ssm',
      Type: 'SecureString',
    }),
  );
});

afterAll(async () => {
  await cloud?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('require (CJS entry)', () => {
  it('reads plain values synchronously and secrets after await load()', async () => {
    const out = await node(
      'cjs.cjs',
      `
      const { Bucket } = require('@nx-sst/runtime/bucket');
      const { Config, load } = require('@nx-sst/runtime/config');
      const sdkLoaded = () => Object.keys(require.cache).some((p) => p.includes('client-ssm'));
      const lines = [Bucket.public.bucketName, String(sdkLoaded())];
      try { Config.STRIPE_KEY } catch (e) { lines.push(e.name + ': ' + e.message) }
      load().then(() => {
        lines.push(Config.STRIPE_KEY, String(sdkLoaded()));
        console.log(lines.join('\\n'));
      });
      `,
      bound(),
    );
    expect(out.split('\n')).toEqual([
      'pkg-public',
      'false',
      expect.stringMatching(/^NotLoadedError: Config.STRIPE_KEY is fetched from SSM .*Call "await load\(\)"/),
      'sk_from_ssm',
      'true',
    ]);
  });
});

describe('import (ESM entry)', () => {
  it('resolves placeholders with a top-level await when there are any', async () => {
    const out = await node(
      'esm.mjs',
      `
      import { Config } from '@nx-sst/runtime/config';
      import { Bucket } from '@nx-sst/runtime/bucket';
      import { load } from '@nx-sst/runtime';
      console.log([Config.STRIPE_KEY, Bucket.public.bucketName, typeof load].join(' '));
      `,
      bound(),
    );
    expect(out).toBe('sk_from_ssm pkg-public function');
  });

  it('shares one state between the ESM and CJS entries in one process', async () => {
    const out = await node(
      'dual.mjs',
      `
      import { createRequire } from 'node:module';
      import { Config } from '@nx-sst/runtime/config';
      const cjs = createRequire(import.meta.url)('@nx-sst/runtime/config');
      // The CJS copy never called load(): it reads what the ESM entry's top-level await fetched.
      console.log(JSON.stringify({ esm: Config.STRIPE_KEY, cjs: cjs.Config.STRIPE_KEY }));
      `,
      bound(),
    );
    expect(JSON.parse(out)).toEqual({ esm: 'sk_from_ssm', cjs: 'sk_from_ssm' });
  });
});

describe('without @aws-sdk/client-ssm installed', () => {
  it('reads plain values from both entries and names the missing package only when a secret must be fetched', async () => {
    const isolated = mkdtempSync(join(tmpdir(), 'nx-sst-runtime-'));
    try {
      const target = join(isolated, 'node_modules', '@nx-sst', 'runtime');
      cpSync(join(packageRoot, 'dist'), join(target, 'dist'), { recursive: true });
      cpSync(join(packageRoot, 'package.json'), join(target, 'package.json'));
      const plain = { SST_APP: 'pkg', SST_STAGE: 'dev', SST_Bucket_bucketName_public: 'p' };
      const script = `import { Bucket } from '@nx-sst/runtime/bucket'; import { Config } from '@nx-sst/runtime/config'; console.log(Bucket.public.bucketName, Config.STAGE);`;
      expect(await node('plain.mjs', script, plain, isolated)).toBe('p dev');
      expect(
        await node(
          'plain.cjs',
          `const { Bucket } = require('@nx-sst/runtime/bucket'); console.log(Bucket.public.bucketName);`,
          plain,
          isolated,
        ),
      ).toBe('p');
      const failure = await node(
        'secret.mjs',
        script,
        { ...plain, SST_Secret_value_K: '__FETCH_FROM_SSM__' },
        isolated,
      ).catch((error: { stderr: string }) => error.stderr);
      expect(failure).toContain('@nx-sst/runtime needs "@aws-sdk/client-ssm" to fetch secrets');
    } finally {
      rmSync(isolated, { recursive: true, force: true });
    }
  });
});

describe('bundling with esbuild', () => {
  const entry = `
    import { Bucket } from '@nx-sst/runtime/bucket';
    import { Config, load } from '@nx-sst/runtime/config';
    export async function handler() {
      await load();
      return Bucket.public.bucketName + ' ' + Config.STRIPE_KEY;
    }
  `;
  const bundle = (format: 'cjs' | 'esm', contents = entry) =>
    esbuild.build({
      stdin: { contents, resolveDir: work, loader: 'ts' },
      bundle: true,
      write: false,
      platform: 'node',
      format,
      target: 'es2019',
      external: ['@aws-sdk/*'],
      logLevel: 'silent',
    });

  it('bundles to CJS and to ES2019 (no top-level await forced on the bundle) and runs', async () => {
    const cjs = await bundle('cjs');
    await bundle('esm');
    const file = join(work, 'bundle.cjs');
    writeFileSync(file, cjs.outputFiles[0].text);
    const out = await node(
      'run-bundle.cjs',
      `require('./bundle.cjs').handler().then((value) => console.log(value));`,
      bound(),
    );
    expect(out).toBe('pkg-public sk_from_ssm');
  });

  it('tree-shakes the clients that are not imported', async () => {
    const result = await bundle(
      'esm',
      `import { Bucket } from '@nx-sst/runtime/bucket'; console.log(Bucket.public);`,
    );
    const text = result.outputFiles[0].text;
    expect(text).toContain('"Bucket"');
    expect(text).not.toContain('createConfigProxy');
    expect(text).not.toContain('function setBindings');
    expect(text).toContain('dist/esm/bucket.js');
  });
});

describe('types', () => {
  const consumer = `
    import { Bucket } from '@nx-sst/runtime/bucket';
    import { Config } from '@nx-sst/runtime/config';
    import { load, MissingSecretsError } from '@nx-sst/runtime';
    import { setBindings } from '@nx-sst/runtime/testing';
    import { Auth, Session, useSession } from '@nx-sst/runtime/auth';
    declare module '@nx-sst/runtime/auth' {
      export interface AuthResources { auth: { publicKey: string } }
      export interface SessionTypes { user: { userID: string } }
    }
    export const publicKey: string = Auth.auth.publicKey;
    export const token: string = Session.create({ type: 'user', properties: { userID: '1' } });
    export const userID = () => { const s = useSession(); return s.type === 'user' ? s.properties.userID : undefined; };
    declare module '@nx-sst/runtime/bucket' {
      export interface BucketResources { 'my-files': { bucketName: string } }
    }
    declare module '@nx-sst/runtime/config' {
      export interface SecretResources { STRIPE_KEY: { value: string } }
    }
    export const name: string = Bucket['my-files'].bucketName;
    export const key: string = Config.STRIPE_KEY + Config.APP + Config.STAGE;
    export const loaded: Promise<void> = load({ maxAge: 1000 });
    export const error = MissingSecretsError;
    setBindings({ Bucket: { 'my-files': { bucketName: 'b' } }, Secret: { STRIPE_KEY: 'k' } });
    // @ts-expect-error not bound to this project
    Bucket.other;
    // @ts-expect-error not bound to this project
    Config.OTHER;
  `;

  it.each([
    [
      'node16, ESM',
      { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
      'mts',
    ],
    [
      'node16, CJS',
      { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 },
      'cts',
    ],
    ['bundler', { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }, 'ts'],
    ['node10', { module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10 }, 'ts'],
  ])('declaration merging works with moduleResolution %s', (label, options, extension) => {
    const file = join(work, `consumer-${label.replace(/\W+/g, '-')}.${extension}`);
    writeFileSync(file, consumer);
    const program = ts.createProgram([file], {
      ...options,
      target: ts.ScriptTarget.ES2019,
      strict: true,
      noEmit: true,
      skipLibCheck: false,
      types: [],
      ignoreDeprecations: '5.0',
    } as ts.CompilerOptions);
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(diagnostics).toEqual([]);
  });
});
