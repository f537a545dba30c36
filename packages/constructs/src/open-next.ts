import { execFileSync, execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';

/** The `@opennextjs/aws` release nx-sst is tested with (Next.js 15.5 and 16.4 are its supported range). */
export const OPEN_NEXT_VERSION = '4.1.12';

/** File nx-sst adds to the server bundle: it resolves placeholders, then hands over to OpenNext's handler. */
export const SERVER_WRAPPER = 'nx-sst-server.mjs';
export const SERVER_HANDLER = 'nx-sst-server.handler';

export interface OpenNextFunction {
  /** Absolute folder of the function's bundle. */
  readonly bundle: string;
  readonly handler: string;
}

/** What nx-sst deploys from an OpenNext output (`open-next.output.json`). */
export interface OpenNextOutput {
  /** Absolute `.open-next` folder. */
  readonly dir: string;
  readonly server: OpenNextFunction & { readonly streaming: boolean };
  readonly imageOptimizer?: OpenNextFunction;
  readonly revalidation?: OpenNextFunction;
  readonly initialization?: OpenNextFunction;
  /** Folders uploaded to the site bucket: `to` is the key prefix; `cached` ones are served by CloudFront. */
  readonly copies: {
    readonly from: string;
    readonly to: string;
    readonly cached: boolean;
    readonly versionedSubDir?: string;
  }[];
  /** `to` of the copy CloudFront serves (`_assets`), and of the incremental cache (`_cache`). */
  readonly assetsPrefix: string;
  readonly cachePrefix?: string;
  readonly queue: boolean;
  readonly tagCache: boolean;
  /** CloudFront behaviours OpenNext asks for, `*` being the default one. */
  readonly behaviors: { readonly pattern: string; readonly origin: 's3' | 'default' | 'imageOptimizer' }[];
}

interface RawFunctionOrigin {
  type?: string;
  handler?: string;
  bundle?: string;
  streaming?: boolean;
  wrapper?: string;
  converter?: string;
  queue?: string;
  incrementalCache?: string;
  tagCache?: string;
}

interface RawOutput {
  edgeFunctions?: Record<string, unknown>;
  origins?: Record<
    string,
    RawFunctionOrigin & { copy?: { from: string; to: string; cached: boolean; versionedSubDir?: string }[] }
  >;
  behaviors?: { pattern: string; origin?: string }[];
  additionalProps?: {
    revalidationFunction?: { handler: string; bundle: string };
    initializationFunction?: { handler: string; bundle: string };
  };
}

/**
 * Reads and checks an OpenNext output. What nx-sst does not deploy (edge functions, split server functions,
 * another wrapper than Lambda's) is refused here, naming the setting in open-next.config.ts.
 */
export function readOpenNextOutput(dir: string, describe: string): OpenNextOutput {
  const file = path.join(dir, 'open-next.output.json');
  if (!fs.existsSync(file)) {
    throw new Error(
      `${describe}: ${dir} holds no open-next.output.json, so it is not an OpenNext output. Build it with @opennextjs/aws ${OPEN_NEXT_VERSION} (npx open-next build), or leave "prebuilt" out to let nx-sst build it.`,
    );
  }
  const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as RawOutput;
  // Bundle paths in the output are relative to the folder the build ran in, the parent of .open-next.
  const base = path.dirname(dir);
  const fn = (f: { handler?: string; bundle?: string }, name: string): OpenNextFunction => {
    if (!f.bundle || !f.handler) throw new Error(`${describe}: ${file}: ${name} has no bundle or handler.`);
    const bundle = path.resolve(base, f.bundle);
    if (!fs.existsSync(bundle)) throw new Error(`${describe}: ${name} bundle ${bundle} does not exist.`);
    return { bundle, handler: f.handler };
  };
  if (raw.edgeFunctions && Object.keys(raw.edgeFunctions).length) {
    throw new Error(
      `${describe}: the OpenNext output has edge functions (${Object.keys(raw.edgeFunctions).join(', ')}); nx-sst deploys Next.js middleware inside the server function only. Remove middleware.external and edge functions from open-next.config.ts.`,
    );
  }
  const origins = raw.origins ?? {};
  const extra = Object.keys(origins).filter((k) => !['s3', 'default', 'imageOptimizer'].includes(k));
  if (extra.length) {
    throw new Error(
      `${describe}: the OpenNext output splits the server into functions ${extra.join(', ')}; nx-sst deploys one server function. Remove "functions" from open-next.config.ts.`,
    );
  }
  const server = origins.default;
  if (!server || server.type !== 'function')
    throw new Error(`${describe}: ${file} has no default server function.`);
  if (server.wrapper !== 'aws-lambda' && server.wrapper !== 'aws-lambda-streaming') {
    throw new Error(
      `${describe}: the server function is built with the "${server.wrapper}" wrapper; nx-sst deploys it on Lambda behind a function URL. Use OpenNext's default (aws-lambda) in open-next.config.ts.`,
    );
  }
  const s3 = origins.s3;
  const copies = (s3?.copy ?? []).map((c) => ({ ...c, from: path.resolve(base, c.from) }));
  const assets = copies.find((c) => c.cached);
  if (!assets) throw new Error(`${describe}: ${file} names no static assets to upload (origins.s3.copy).`);
  const cache = copies.find((c) => !c.cached);
  const props = raw.additionalProps ?? {};
  const queue = server.queue === 'sqs' || server.queue === 'sqs-lite';
  const tagCache = server.tagCache === 'dynamodb' || server.tagCache === 'dynamodb-lite';
  return {
    dir,
    server: { ...fn(server, 'the server function'), streaming: !!server.streaming },
    imageOptimizer: origins.imageOptimizer
      ? fn(origins.imageOptimizer, 'the image optimization function')
      : undefined,
    revalidation:
      queue && props.revalidationFunction
        ? fn(props.revalidationFunction, 'the revalidation function')
        : undefined,
    initialization:
      tagCache && props.initializationFunction
        ? fn(props.initializationFunction, 'the tag cache initialization function')
        : undefined,
    copies,
    assetsPrefix: assets.to,
    cachePrefix: cache?.to,
    queue,
    tagCache,
    behaviors: (raw.behaviors ?? [])
      .filter((b) => b.origin === 's3' || b.origin === 'default' || b.origin === 'imageOptimizer')
      .map((b) => ({ pattern: b.pattern, origin: b.origin as 's3' | 'default' | 'imageOptimizer' })),
  };
}

/**
 * Builds the site with OpenNext in `sitePath`, with `env` (placeholders for deploy-time values) in the build's
 * environment. Returns the `.open-next` folder.
 */
export function buildOpenNext(
  sitePath: string,
  workspaceRoot: string,
  env: Record<string, string>,
  describe: string,
  buildCommand?: string,
): string {
  const buildEnv = { ...process.env, ...env, NEXT_TELEMETRY_DISABLED: '1' };
  const fail = (what: string, err: unknown): never => {
    const e = err as { stderr?: Buffer; stdout?: Buffer; status?: number };
    const output = `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`
      .trim()
      .split('\n')
      .slice(-30)
      .join('\n');
    throw new Error(`${describe}: ${what} failed in ${sitePath} (exit ${e.status}):\n${output}`);
  };
  if (buildCommand) {
    try {
      execSync(buildCommand, {
        cwd: sitePath,
        env: buildEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
      });
    } catch (err) {
      fail(`build command "${buildCommand}"`, err);
    }
  } else {
    const openNext = resolvePackage('@opennextjs/aws', [sitePath, workspaceRoot]);
    if (!openNext) {
      throw new Error(
        `${describe}: building a Next.js site needs @opennextjs/aws, which is not installed where ${sitePath} can load it. Add it to the site's devDependencies: npm install -D @opennextjs/aws@${OPEN_NEXT_VERSION}.`,
      );
    }
    const major = Number(openNext.version.split('.')[0]);
    if (major !== 4) {
      throw new Error(
        `${describe}: @opennextjs/aws ${openNext.version} is installed; nx-sst deploys the output of version 4 (tested with ${OPEN_NEXT_VERSION}). Install @opennextjs/aws@${OPEN_NEXT_VERSION}.`,
      );
    }
    const args = [path.join(openNext.dir, 'dist', 'index.js'), 'build'];
    let tmp: string | undefined;
    if (!fs.existsSync(path.join(sitePath, 'open-next.config.ts'))) {
      // Without a config OpenNext runs the package's build script, which in an nx-sst workspace wraps
      // `next build` in `nx-sst bind`: run Next.js's own binary instead. OpenNext joins the path to its cwd.
      const next = resolvePackage('next', [sitePath, workspaceRoot]);
      if (!next) throw new Error(`${describe}: next is not installed where ${sitePath} can load it.`);
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-open-next-'));
      const config = path.join(tmp, 'open-next.config.mjs');
      const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(next.dir, 'dist', 'bin', 'next'))} build`;
      fs.writeFileSync(config, `export default { default: {}, buildCommand: ${JSON.stringify(command)} };\n`);
      args.push('--config-path', path.relative(sitePath, config));
    }
    try {
      execFileSync(process.execPath, args, {
        cwd: sitePath,
        env: buildEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
      });
    } catch (err) {
      fail(`the OpenNext build (@opennextjs/aws ${openNext.version})`, err);
    } finally {
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  const out = path.join(sitePath, '.open-next');
  if (!fs.existsSync(path.join(out, 'open-next.output.json'))) {
    throw new Error(`${describe}: the build left no .open-next/open-next.output.json in ${sitePath}.`);
  }
  return out;
}

/**
 * The folder and version of `name` as Node would find it from `from` (each folder up to the root). Looked up
 * by folder, not `require.resolve`: @opennextjs/aws's `exports` do not expose its package.json.
 */
function resolvePackage(name: string, from: string[]): { dir: string; version: string } | undefined {
  for (const start of from) {
    for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
      const pkg = path.join(dir, 'node_modules', name, 'package.json');
      if (fs.existsSync(pkg)) {
        const real = fs.realpathSync(path.dirname(pkg));
        return {
          dir: real,
          version: (JSON.parse(fs.readFileSync(pkg, 'utf8')) as { version: string }).version,
        };
      }
      if (path.dirname(dir) === dir) break;
    }
  }
  return undefined;
}

/** Files under `dir` (relative, `/`-separated) whose text holds `{{ KEY }}` for one of `keys`. */
export function filesWithPlaceholders(dir: string, keys: string[]): string[] {
  if (!keys.length || !fs.existsSync(dir)) return [];
  const needles = keys.map((k) => Buffer.from(`{{ ${k} }}`));
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const buffer = fs.readFileSync(file);
    if (needles.some((n) => buffer.includes(n)))
      found.push(path.relative(dir, file).split(path.sep).join('/'));
  }
  return found.sort();
}

/**
 * Writes the server function's entry point into its bundle. Next.js inlines `NEXT_PUBLIC_*` into server chunks
 * at build, so a value known only at deploy is a `{{ KEY }}` placeholder there: the entry point replaces it,
 * when the module loads, with the function's environment variable of the same name (which the stack sets at
 * deploy), then loads OpenNext's handler. Only CommonJS modules (`.js`, `.cjs`) pass through Node's loader
 * hook; other files are returned so the caller can warn.
 */
export function writeServerWrapper(
  bundle: string,
  handler: string,
  keys: string[],
  assetNames: string[] = [],
): { replaced: string[]; notReplaced: string[] } {
  const files = filesWithPlaceholders(bundle, keys).filter((f) => f !== SERVER_WRAPPER);
  const replaced = files.filter((f) => /\.c?js$/.test(f));
  const notReplaced = files.filter((f) => !/\.c?js$/.test(f));
  const dot = handler.lastIndexOf('.');
  const base = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const module = ['.mjs', '.js', '.cjs']
    .map((ext) => base + ext)
    .find((f) => fs.existsSync(path.join(bundle, f)));
  if (!module) throw new Error(`${bundle}: the handler's module ${base}.mjs does not exist.`);
  const source = `// Written by @nx-sst/constructs at synthesis: replaces deploy-time {{ KEY }} placeholders that Next.js
// inlined into server modules with the function's environment, then runs OpenNext's handler.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
const require = createRequire(import.meta.url);
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const root = path.dirname(fileURLToPath(import.meta.url));
const files = new Set(${JSON.stringify(replaced)}.map((f) => path.join(root, f)));
const keys = ${JSON.stringify(keys)};
if (files.size) {
  const load = Module._extensions['.js'];
  Module._extensions['.js'] = function (module, filename) {
    if (!files.has(filename)) return load(module, filename);
    let code = fs.readFileSync(filename, 'utf8');
    for (const key of keys) {
      // The value lands inside a string literal: escaped as JSON is.
      code = code.split('{{ ' + key + ' }}').join(JSON.stringify(process.env[key] ?? '').slice(1, -1));
    }
    module._compile(code, filename);
  };
}
const loaded = await import('./${module}');
const served = loaded.${exportName};

// On the local cloud there is no CloudFront: with NX_SST_LOCAL_ASSETS (the key prefix of the assets), the
// requests CloudFront would send to the bucket (_next/*, BUILD_ID, files of public/) are answered from the
// local S3, so the page loads its scripts from the same URL; with NX_SST_LOCAL_IMAGE_URL (the image
// optimizer's function URL), _next/image* goes to the image optimizer as CloudFront sends it. On AWS the
// handler is OpenNext's, untouched.
const topLevel = new Set(${JSON.stringify(assetNames)});
const FORWARDED = ['accept', 'if-none-match', 'if-modified-since'];
const ANSWERED = ['content-type', 'cache-control', 'etag', 'last-modified', 'vary', 'content-disposition'];
async function toImageOptimizer(event, p) {
  const query = event.rawQueryString ? '?' + event.rawQueryString : '';
  const headers = {};
  for (const name of FORWARDED) if (event.headers?.[name]) headers[name] = event.headers[name];
  const res = await fetch(process.env.NX_SST_LOCAL_IMAGE_URL.replace(/[/]+$/, '') + p + query, { headers });
  const answer = {};
  for (const name of ANSWERED) {
    const value = res.headers.get(name);
    if (value) answer[name] = value;
  }
  const body = Buffer.from(await res.arrayBuffer()).toString('base64');
  return { statusCode: res.status, headers: answer, body, isBase64Encoded: true };
}
async function fromBucket(event, context) {
  const p = typeof event?.rawPath === 'string' ? event.rawPath : '';
  if (p.startsWith('/_next/image') && process.env.NX_SST_LOCAL_IMAGE_URL) return toImageOptimizer(event, p);
  const first = p.slice(1).split('/')[0];
  const asset = first === '_next'
    ? !p.startsWith('/_next/image') && !p.startsWith('/_next/data/')
    : topLevel.has(first);
  if (!asset) return served(event, context);
  const url = process.env.AWS_ENDPOINT_URL + '/' + process.env.CACHE_BUCKET_NAME + '/' + process.env.NX_SST_LOCAL_ASSETS + p;
  const res = await fetch(url);
  const headers = {};
  for (const name of ['content-type', 'cache-control', 'etag', 'last-modified']) {
    const value = res.headers.get(name);
    if (value) headers[name] = value;
  }
  const body = res.ok ? Buffer.from(await res.arrayBuffer()).toString('base64') : '';
  return { statusCode: res.ok ? 200 : 404, headers, body, isBase64Encoded: true };
}
export const handler = process.env.NX_SST_LOCAL_ASSETS && process.env.AWS_ENDPOINT_URL ? fromBucket : served;
`;
  const target = path.join(bundle, SERVER_WRAPPER);
  if (!fs.existsSync(target) || fs.readFileSync(target, 'utf8') !== source) fs.writeFileSync(target, source);
  return { replaced, notReplaced };
}

/**
 * Lambda code from an asset created later, at synthesis, once the site is built: the function (and its URL,
 * the distribution's origin) exist when the site is constructed, as `site.cdk.server` and `site.url` need.
 */
export class DeferredAssetCode extends lambda.Code {
  public readonly isInline = false;
  private asset?: s3assets.Asset;

  constructor(private readonly describe: string) {
    super();
  }

  public setAsset(asset: s3assets.Asset): void {
    this.asset = asset;
  }

  public bind(): lambda.CodeConfig {
    const asset = () => {
      if (!this.asset)
        throw new Error(`${this.describe}: its code was never built (synthesis did not finalize the app).`);
      return this.asset;
    };
    return {
      s3Location: {
        bucketName: cdk.Lazy.string({ produce: () => asset().s3BucketName }),
        objectKey: cdk.Lazy.string({ produce: () => asset().s3ObjectKey }),
      },
    };
  }
}
