import { createHash } from 'node:crypto';
import { builtinModules } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { NxSstError } from '../core/errors';
import { writeAtomic } from '../core/write-atomic';

/** Bumped when the bundling options change, so old bundles in `.sst/` are not reused. */
const BUNDLE_FORMAT = 3;

/**
 * Packages that must be the very instance the engine uses (App, construct classes, `instanceof`
 * checks in CDK), so they are always loaded from node_modules, never copied into the bundle —
 * even when they are workspace packages (as in this repository).
 */
const SHARED_PACKAGES = [/^@nx-sst\//, /^aws-cdk-lib(\/|$)/, /^constructs(\/|$)/, /^nx-sst(\/|$)/];

interface CacheRecord {
  format: number;
  bundle: string;
  /** Every file esbuild read, relative to the workspace root, with the hash of its content. */
  inputs: Record<string, string>;
}

/**
 * Compiles `sst.config.ts` and the workspace files it imports into one file under
 * `{appRoot}/.sst/config/`, with dependencies left in node_modules: CommonJS (`.cjs`), or an ES
 * module (`.mjs`) when the config uses top-level await. The bundle is reused while the
 * content of every input is unchanged (content, not mtime: a checkout or `touch` does not rebuild).
 */
export async function bundleConfig(opts: {
  workspaceRoot: string;
  appRoot: string;
  configFile: string;
}): Promise<string> {
  const cacheDir = path.join(opts.appRoot, '.sst', 'config');
  const recordFile = path.join(cacheDir, 'bundle.json');
  const cached = readRecord(recordFile);
  if (cached && isFresh(cached, opts.workspaceRoot, cacheDir)) return path.join(cacheDir, cached.bundle);

  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: a fresh bundle in .sst/config (bind's cold path, types, deploy) never loads esbuild (~8 ms)
  const esbuild = require('esbuild') as typeof import('esbuild');
  const configUrl = pathToFileURL(opts.configFile).href;
  const build = (format: 'cjs' | 'esm') =>
    esbuild.build({
      entryPoints: [opts.configFile],
      absWorkingDir: opts.workspaceRoot,
      bundle: true,
      write: false,
      platform: 'node',
      format,
      target: `node${process.versions.node.split('.')[0]}`,
      sourcemap: 'inline',
      outfile: path.join(cacheDir, `bundle.${format === 'esm' ? 'mjs' : 'cjs'}`),
      metafile: true,
      logLevel: 'silent',
      // Stack ids come from stack function names: without this, two `Default` functions in different
      // files would silently become `Default` and `Default2` and a stack would be renamed.
      keepNames: true,
      // `import.meta.url` is the config file's URL in both formats (not the bundle's, under .sst/).
      define: { 'import.meta.url': '__nxSstImportMetaUrl' },
      banner: {
        js:
          format === 'esm'
            ? // Compiled-in CommonJS code (workspace libraries) calls require() for installed packages;
              // esbuild renames a `require` the user declares, so this one does not clash.
              `import { createRequire as __nxSstCreateRequire } from 'node:module';\n` +
              `const require = __nxSstCreateRequire(${JSON.stringify(opts.configFile)});\n` +
              `const __nxSstImportMetaUrl = ${JSON.stringify(configUrl)};`
            : `const __nxSstImportMetaUrl = ${JSON.stringify(configUrl)};`,
      },
      plugins: [externalDependencies()],
    });
  let result;
  try {
    try {
      result = await build('cjs');
    } catch (error) {
      // CommonJS keeps `require` semantics for every dependency; top-level await needs an ES module.
      if (!esbuildErrors(error).some((e) => TOP_LEVEL_AWAIT.test(e.text))) throw error;
      result = await build('esm');
    }
  } catch (error) {
    const lines = esbuildErrors(error).map((e) =>
      e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text,
    );
    throw new NxSstError(
      `Could not compile ${path.relative(opts.workspaceRoot, opts.configFile)}:\n${lines.join('\n') || String(error)}`,
      'Fix the error above in your infra app.',
    );
  }

  const code = result.outputFiles[0].contents;
  const extension = path.extname(result.outputFiles[0].path);
  const bundleName = `bundle-${createHash('sha256').update(code).digest('hex').slice(0, 16)}${extension}`;
  const inputs: Record<string, string> = {};
  for (const input of Object.keys(result.metafile.inputs).sort()) {
    inputs[input] = hashFile(path.resolve(opts.workspaceRoot, input)) ?? '';
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  const bundlePath = path.join(cacheDir, bundleName);
  if (!fs.existsSync(bundlePath)) writeAtomic(bundlePath, code);
  writeAtomic(
    recordFile,
    JSON.stringify({ format: BUNDLE_FORMAT, bundle: bundleName, inputs } satisfies CacheRecord, null, 2),
  );
  // Keep only the current bundle; older ones are never read again.
  for (const file of fs.readdirSync(cacheDir)) {
    if (file.startsWith('bundle-') && file !== bundleName)
      fs.rmSync(path.join(cacheDir, file), { force: true });
  }
  return bundlePath;
}

/**
 * The name of the app's config bundle while it is current (every input unchanged), without
 * building anything; undefined when it would have to be rebuilt.
 */
export function currentBundleName(opts: { workspaceRoot: string; appRoot: string }): string | undefined {
  const cacheDir = path.join(opts.appRoot, '.sst', 'config');
  const record = readRecord(path.join(cacheDir, 'bundle.json'));
  return record && isFresh(record, opts.workspaceRoot, cacheDir) ? record.bundle : undefined;
}

const TOP_LEVEL_AWAIT = /Top-level await is currently not supported with the "cjs" output format/;

type EsbuildMessage = { text: string; location?: { file: string; line: number; column: number } | null };

function esbuildErrors(error: unknown): EsbuildMessage[] {
  return (error as { errors?: EsbuildMessage[] }).errors ?? [];
}

function isFresh(record: CacheRecord, workspaceRoot: string, cacheDir: string): boolean {
  if (record.format !== BUNDLE_FORMAT || !fs.existsSync(path.join(cacheDir, record.bundle))) return false;
  return Object.entries(record.inputs).every(
    ([file, hash]) => hashFile(path.resolve(workspaceRoot, file)) === hash,
  );
}

function externalDependencies(): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: 'nx-sst-external-dependencies',
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.nxSstResolving) return undefined;
        if (args.path.startsWith('node:') || builtins.has(args.path.split('/')[0]))
          return { path: args.path, external: true };
        if (SHARED_PACKAGES.some((p) => p.test(args.path))) return { path: args.path, external: true };
        // esbuild's own resolution: tsconfig paths, package exports, symlinks followed to real paths.
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: { nxSstResolving: true },
        });
        if (resolved.errors.length) return undefined;
        // Installed dependencies stay where they are; workspace libraries (symlinked, or reached through
        // a path alias) are compiled in, since they are often TypeScript sources.
        return resolved.path.split(path.sep).includes('node_modules')
          ? { path: args.path, external: true }
          : undefined;
      });
    },
  };
}

function hashFile(file: string): string | undefined {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return undefined;
  }
}

function readRecord(file: string): CacheRecord | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}
