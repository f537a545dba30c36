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
  ) {
    super();
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
    const dir = bundleHandler(this.entry, this.bundle, this.nodeTarget, outdir, describeTarget);
    this.asset = new s3assets.Asset(scope, 'Code', { path: dir });
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
): string {
  const format = props.format ?? 'esm';
  const key = JSON.stringify([entry.file, props, nodeTarget, outdir]);
  const cached = bundleCache.get(key);
  if (cached && fs.existsSync(cached)) return cached;
  // Loaded here so that building the construct tree never loads esbuild.
  const esbuild = require('esbuild') as typeof import('esbuild');
  const dir = path.join(outdir, 'bundles', hashOf(key));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  try {
    esbuild.buildSync({
      entryPoints: [entry.file],
      outfile: path.join(dir, format === 'esm' ? 'index.mjs' : 'index.js'),
      bundle: true,
      platform: 'node',
      target: nodeTarget,
      format,
      minify: props.minify ?? false,
      sourcemap: props.sourcemap ? 'external' : false,
      external: props.external ?? ['@aws-sdk/*'],
      logLevel: 'silent',
      // ESM bundles of CommonJS dependencies still call require(); give them one.
      banner:
        format === 'esm'
          ? {
              js: "import { createRequire as __nxSstCreateRequire } from 'node:module'; const require = __nxSstCreateRequire(import.meta.url);",
            }
          : undefined,
    });
  } catch (err) {
    const errors =
      (err as { errors?: { text: string; location?: { file: string; line: number } }[] }).errors ?? [];
    const detail = errors.length
      ? errors
          .map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text))
          .join('\n  ')
      : String((err as Error).message ?? err);
    throw new Error(`${describeTarget}: bundling ${entry.file} with esbuild failed:\n  ${detail}`);
  }
  bundleCache.set(key, dir);
  return dir;
}

function hashOf(text: string): string {
  return require('node:crypto').createHash('sha256').update(text).digest('hex').slice(0, 16);
}
