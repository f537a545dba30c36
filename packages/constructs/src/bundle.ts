import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as cdk from 'aws-cdk-lib';
import type { Construct } from 'constructs';

const HANDLER_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs', '.cjs', '.jsx'];

/** A handler `"path/to/file.export"`, relative to the workspace root, resolved to its source file. */
export interface ResolvedHandler {
  readonly file: string;
  readonly exportName: string;
}

export function resolveHandler(
  workspaceRoot: string,
  handler: string,
  describeTarget: string,
): ResolvedHandler {
  const dot = handler.lastIndexOf('.');
  const slash = handler.lastIndexOf('/');
  if (dot <= 0 || dot < slash || dot === handler.length - 1) {
    throw new Error(
      `${describeTarget}: handler "${handler}" must be "path/to/file.exportName", relative to the workspace root, e.g. "packages/functions/src/lambda.handler".`,
    );
  }
  const base = path.resolve(workspaceRoot, handler.slice(0, dot));
  const exportName = handler.slice(dot + 1);
  for (const ext of HANDLER_EXTENSIONS) {
    if (fs.existsSync(base + ext)) return { file: base + ext, exportName };
  }
  const shown = path.relative(workspaceRoot, base);
  throw new Error(
    `${describeTarget}: handler file "${shown}.ts" does not exist (looked for ${HANDLER_EXTENSIONS.map((e) => shown + e).join(', ')} under ${workspaceRoot}). Handlers are relative to the workspace root; fix the path or create the file.`,
  );
}

/** esbuild options a user can tune per function. */
export interface NodejsBundleProps {
  /**
   * Output module format.
   * @default 'esm'
   */
  readonly format?: 'esm' | 'cjs';
  /**
   * Minify the bundle.
   * @default false
   */
  readonly minify?: boolean;
  /**
   * Emit an inline-free source map next to the bundle and enable Node's source map support.
   * @default false
   */
  readonly sourcemap?: boolean;
  /**
   * Packages left out of the bundle (the Lambda Node.js runtime provides `@aws-sdk/*`).
   * @default ['@aws-sdk/*']
   */
  readonly external?: string[];
  /**
   * esbuild loaders by file extension, e.g. `{ ".png": "file" }`.
   * @default esbuild's
   */
  readonly loader?: Record<string, import('esbuild').Loader>;
  /**
   * Code put at the top of the bundle.
   * @default none
   */
  readonly banner?: string;
  /**
   * Other esbuild options (`define`, `keepNames`, `mainFields`, `external`…). The entry, output, format, platform,
   * bundling and plugins are nx-sst's: plugins need esbuild's async API, which synthesis cannot wait for.
   * @default none
   */
  readonly esbuild?: Omit<
    import('esbuild').BuildOptions,
    | 'entryPoints'
    | 'outfile'
    | 'outdir'
    | 'bundle'
    | 'platform'
    | 'format'
    | 'write'
    | 'plugins'
    | 'splitting'
    | 'stdin'
  >;
}

const NODEJS_PROPS = ['format', 'minify', 'sourcemap', 'external', 'loader', 'banner', 'esbuild'] as const;
const NODEJS_PROP_HINTS: Record<string, string> = {
  install:
    'nx-sst installs no packages into the bundle. Leave them out with nodejs: { external: [...] } and provide them in a Lambda layer (layers: [arn]), or let esbuild bundle them.',
  splitting: 'nx-sst writes one file per function; code splitting is not available.',
};
const ESBUILD_OWNED = [
  'entryPoints',
  'outfile',
  'outdir',
  'bundle',
  'platform',
  'format',
  'write',
  'plugins',
  'splitting',
  'stdin',
];

/** Refuses nodejs options nx-sst cannot honour, when the Function is created. */
export function validateNodejsProps(props: NodejsBundleProps, describeTarget: string): void {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || (NODEJS_PROPS as readonly string[]).includes(key)) continue;
    throw new Error(
      `${describeTarget}: unknown prop "nodejs.${key}". ${NODEJS_PROP_HINTS[key] ?? `nodejs takes: ${NODEJS_PROPS.join(', ')}.`}`,
    );
  }
  for (const key of Object.keys(props.esbuild ?? {})) {
    if (!ESBUILD_OWNED.includes(key)) continue;
    throw new Error(
      key === 'plugins'
        ? `${describeTarget}: nodejs.esbuild.plugins is not available: functions are bundled during synthesis with esbuild's synchronous API, which runs no plugins. Use loader, define or external, or build the handler in an Nx target and point handler at its output.`
        : `${describeTarget}: nodejs.esbuild.${key} is set by nx-sst${key === 'format' ? '; use nodejs.format' : ''}.`,
    );
  }
}

/**
 * Lambda code bundled with esbuild when the app is synthesized, not when the tree is built: `nx-sst types`
 * and `bind` build the tree only, and must not pay for bundling.
 */
export class BundledCode extends lambda.Code {
  public readonly isInline = false;
  private asset?: s3assets.Asset;

  constructor(
    private readonly entry: ResolvedHandler,
    private readonly bundle: NodejsBundleProps,
    private readonly nodeTarget: string,
    private readonly copyFiles: readonly { from: string; to: string }[] = [],
    describeTarget = `handler ${entry.file}`,
  ) {
    super();
    validateNodejsProps(bundle, describeTarget);
  }

  public bind(_scope: Construct): lambda.CodeConfig {
    return {
      s3Location: {
        bucketName: cdk.Lazy.string({ produce: () => this.materialized().s3BucketName }),
        objectKey: cdk.Lazy.string({ produce: () => this.materialized().s3ObjectKey }),
      },
    };
  }

  /** Bundles the handler and stages it as an asset of `scope`. */
  public materialize(scope: Construct, outdir: string, describeTarget: string): void {
    if (this.asset) return;
    const dir = bundleHandler(
      this.entry,
      this.bundle,
      this.nodeTarget,
      outdir,
      describeTarget,
      this.copyFiles,
    );
    this.asset = new s3assets.Asset(scope, 'Code', { path: dir });
  }

  /**
   * Bundles the handler again into `dir`, as a deploy bundles it but uncached (the sources changed);
   * returns the files esbuild read. `nx-sst dev` swaps the result into the deployed function.
   */
  public bundleInto(dir: string, describeTarget: string): { files: string[] } {
    const files = buildBundle(dir, this.entry, this.bundle, this.nodeTarget, describeTarget, this.copyFiles);
    return { files };
  }

  /** The handler setting of the bundled file. */
  public static handlerOf(entry: ResolvedHandler): string {
    return `index.${entry.exportName}`;
  }

  private materialized(): s3assets.Asset {
    if (!this.asset)
      throw new Error('Function code was resolved before it was bundled; synthesize through the nx-sst App.');
    return this.asset;
  }
}

const bundleCache = new Map<string, string>();

function bundleHandler(
  entry: ResolvedHandler,
  props: NodejsBundleProps,
  nodeTarget: string,
  outdir: string,
  describeTarget: string,
  copyFiles: readonly { from: string; to: string }[],
): string {
  const key = JSON.stringify([entry.file, props, nodeTarget, outdir, copyFiles]);
  const cached = bundleCache.get(key);
  if (cached && fs.existsSync(cached)) return cached;
  const dir = path.join(outdir, 'bundles', hashOf(key));
  const files = buildBundle(dir, entry, props, nodeTarget, describeTarget, copyFiles);
  // What the bundle was made from, beside it (not in it: the asset hash stays the bundle's own).
  // The engine's deploy record reads it to tell whether a later deploy can skip (docs/internals.md).
  fs.writeFileSync(
    `${dir}.inputs.json`,
    JSON.stringify({ files, copied: copyFiles.map((c) => path.resolve(c.from)) }),
  );
  bundleCache.set(key, dir);
  return dir;
}

/**
 * Bundles a handler into `dir` (emptied first), uncached; returns the files esbuild read. The one
 * place the bundle's options are made: a deploy and `nx-sst dev`'s code swaps make the same bundle.
 */
function buildBundle(
  dir: string,
  entry: ResolvedHandler,
  props: NodejsBundleProps,
  nodeTarget: string,
  describeTarget: string,
  copyFiles: readonly { from: string; to: string }[],
): string[] {
  const format = props.format ?? 'esm';
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: building the construct tree (`nx-sst types`, bind's cold path, bench/constructs) never loads esbuild (~8 ms)
  const esbuild = require('esbuild') as typeof import('esbuild');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  try {
    // ESM bundles of CommonJS dependencies still call require(); give them one.
    const requireShim =
      format === 'esm'
        ? "import { createRequire as __nxSstCreateRequire } from 'node:module'; const require = __nxSstCreateRequire(import.meta.url);"
        : '';
    const banner = [requireShim, props.esbuild?.banner?.js, props.banner].filter(Boolean).join('\n');
    const result = esbuild.buildSync({
      ...props.esbuild,
      metafile: true,
      entryPoints: [entry.file],
      outfile: path.join(dir, format === 'esm' ? 'index.mjs' : 'index.js'),
      bundle: true,
      platform: 'node',
      target: props.esbuild?.target ?? nodeTarget,
      format,
      minify: props.minify ?? props.esbuild?.minify ?? false,
      sourcemap: props.sourcemap ? 'external' : false,
      external: [...(props.external ?? ['@aws-sdk/*']), ...(props.esbuild?.external ?? [])],
      loader: { ...props.esbuild?.loader, ...props.loader },
      logLevel: 'silent',
      banner: banner ? { ...props.esbuild?.banner, js: banner } : props.esbuild?.banner,
    });
    for (const { from, to } of copyFiles) {
      fs.cpSync(from, path.join(dir, to), { recursive: true });
    }
    return Object.keys(result.metafile?.inputs ?? {})
      .filter((file) => !file.startsWith('('))
      .map((file) => path.resolve(props.esbuild?.absWorkingDir ?? process.cwd(), file));
  } catch (err) {
    const workDir = props.esbuild?.absWorkingDir ?? process.cwd();
    const errors =
      (err as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] })
        .errors ?? [];
    const detail = errors.length
      ? errors
          .map((e) =>
            e.location
              ? `${shownPath(path.resolve(workDir, e.location.file))}:${e.location.line}:${e.location.column + 1}: ${e.text}`
              : e.text,
          )
          .join('\n  ')
      : String((err as Error).message ?? err);
    const hints = unresolvedHints(errors.map((e) => e.text));
    throw new Error(
      `${describeTarget}: bundling ${shownPath(entry.file)} with esbuild failed:\n  ${detail}` +
        (hints.length ? `\n${hints.join('\n')}` : ''),
    );
  }
}

/** A path as the user runs from: relative to the working directory when it is inside it. */
function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/**
 * What to do about the imports esbuild could not resolve: esbuild's own note speaks of its
 * `--external` flag, which a Function sets as `nodejs.esbuild.external` (added to the default
 * `@aws-sdk/*`, where `nodejs.external` would replace it).
 */
function unresolvedHints(texts: string[]): string[] {
  const modules = [
    ...new Set(texts.map((t) => /^Could not resolve "([^"]+)"/.exec(t)?.[1]).filter((m) => m !== undefined)),
  ];
  return modules.map((spec) => {
    if (spec.startsWith('.') || path.isAbsolute(spec))
      return `  "${spec}" is a path with no file behind it: check the import.`;
    const parts = spec.split('/');
    const pkg = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
    const sdkV2 =
      pkg === 'aws-sdk'
        ? ' The Node.js 18+ Lambda runtimes do not provide aws-sdk (v2): use the @aws-sdk/* v3 clients, which are left out of the bundle and provided by the runtime.'
        : '';
    return (
      `  "${pkg}" is not installed where the handler can import it: install it (npm install ${pkg}),` +
      ` or, if a Lambda layer provides it, leave it out of the bundle with nodejs: { esbuild: { external: ["${pkg}"] } }.${sdkV2}`
    );
  });
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
