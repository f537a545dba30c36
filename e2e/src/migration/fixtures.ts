import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { repoRoot, VERSIONS, type Workspace } from '../harness/workspace';

export const FIXTURES = join(__dirname, 'fixtures');

/**
 * The v2 apps, each a standalone SST v2 repository of its own (written for this suite, in v2's
 * layouts): `notes`, an Api with a Table (create-sst's layout: stacks/, packages/functions);
 * `gallery`, a Next.js app with SST in drop-in mode (sst.config.ts in the Next.js app, the site
 * without a path), a Bucket and a Cron job whose handler is in the site's folder; `login`, SST Auth's
 * link flow with a Config.Secret and a Table.
 */
export type FixtureName = 'notes' | 'gallery' | 'login';

/** Whether the packages being tested provide SST v2's Auth (the construct and @nx-sst/runtime/auth). */
export function authAvailable(): { ready: boolean; missing: string[] } {
  const missing: string[] = [];
  const runtime = JSON.parse(readFileSync(join(repoRoot, 'packages/runtime/package.json'), 'utf8'));
  if (!runtime.exports?.['./auth']) missing.push('@nx-sst/runtime does not export ./auth');
  const constructs = readFileSync(join(repoRoot, 'packages/constructs/src/index.ts'), 'utf8');
  if (!/\bAuth\b/.test(constructs)) missing.push('@nx-sst/constructs does not export Auth');
  return { ready: missing.length === 0, missing };
}

/** The starting workspace: Nx with npm workspaces `apps/*`, nothing in it yet. */
export function writeBaseWorkspace(workspace: Workspace): void {
  workspace.writeJson('package.json', {
    name: 'acme',
    version: '0.0.0',
    private: true,
    workspaces: ['apps/*'],
    devDependencies: {
      nx: VERSIONS.nx,
      typescript: VERSIONS.typescript,
      '@types/node': VERSIONS['@types/node'],
    },
  });
  workspace.writeJson('nx.json', {
    $schema: './node_modules/nx/schemas/nx-schema.json',
    analytics: false,
    defaultBase: 'main',
  });
  workspace.write('.gitignore', ['node_modules', '.nx', '.next', 'next-env.d.ts', 'dist', ''].join('\n'));
}

/**
 * Moves a v2 app into the workspace as `apps/<name>` (what `git mv` or a copy from its own repository
 * does), with the `sst-env.d.ts` files `sst` generated next to its code (kept out of this repository,
 * whose lint refuses their triple-slash references).
 */
export function copyFixture(workspace: Workspace, name: FixtureName): void {
  cpSync(join(FIXTURES, name), workspace.path(`apps/${name}`), { recursive: true });
  const reference = (to: string) => `/// <reference path="${to}.sst/types/index.ts" />\n`;
  if (name === 'gallery') workspace.write('apps/gallery/sst-env.d.ts', reference('./'));
  else workspace.write(`apps/${name}/packages/functions/sst-env.d.ts`, reference('../../'));
}

/** The fixture's code files (not stacks or config), relative to the fixture: what a migration may only re-import. */
export function handlerCodeFiles(name: FixtureName): string[] {
  const root = join(FIXTURES, name);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const child of readdirSync(dir)) {
      const path = join(dir, child);
      if (statSync(path).isDirectory()) walk(path);
      else if (/\.tsx?$/.test(child)) files.push(relative(root, path));
    }
  };
  for (const dir of ['packages', 'jobs', 'app']) if (existsSync(join(root, dir))) walk(join(root, dir));
  return files.sort();
}

export function fixtureFile(name: FixtureName, file: string): string {
  return readFileSync(join(FIXTURES, name, file), 'utf8');
}

/**
 * Runs one Lambda handler once: bundled by esbuild as the deploy bundles it (its dependencies left to
 * Node, as installed), called with the event file's event, its result printed on a `RESULT ` line.
 */
export const INVOKE_SCRIPT = `// node invoke-handler.mjs <file>.<export> <event.json>
import { build } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [handler, eventFile] = process.argv.slice(2);
const dot = handler.lastIndexOf('.');
const base = resolve(handler.slice(0, dot));
const entry = ['.ts', '.tsx', '.mjs', '.js'].map((ext) => base + ext).find((file) => existsSync(file));
if (!entry) throw new Error('no handler file for ' + handler);
// Next to the handler, so its imports resolve from the same node_modules.
const outfile = join(dirname(base), '.invoke', basename(base) + '.mjs');
await build({ entryPoints: [entry], bundle: true, packages: 'external', platform: 'node', format: 'esm', outfile, logLevel: 'error' });
const mod = await import(pathToFileURL(outfile).href);
const event = JSON.parse(readFileSync(eventFile, 'utf8'));
const context = { awsRequestId: 'e2e', functionName: 'e2e', getRemainingTimeInMillis: () => 30000 };
const result = await mod[handler.slice(dot + 1)](event, context);
console.log('RESULT ' + JSON.stringify(result ?? null));
`;

/** An API Gateway HTTP API (payload 2.0) event, as Lambda hands it to a route's function. */
export function apiEvent(
  routeKey: string,
  path: string,
  options: {
    pathParameters?: Record<string, string>;
    query?: Record<string, string>;
    body?: unknown;
    headers?: Record<string, string>;
  } = {},
) {
  const method = routeKey.split(' ')[0] === 'ANY' ? 'GET' : routeKey.split(' ')[0];
  const rawQueryString = new URLSearchParams(options.query ?? {}).toString();
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString,
    headers: { host: 'api.example.com', 'content-type': 'application/json', ...options.headers },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    ...(options.pathParameters ? { pathParameters: options.pathParameters } : {}),
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'e2e',
      domainName: 'api.example.com',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'e2e' },
      requestId: 'e2e',
      routeKey,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  };
}

/** The handler's result from the invoke script's output. */
export function resultOf(output: string): {
  statusCode?: number;
  body?: string;
  headers?: Record<string, string>;
} {
  const line = output.split('\n').find((l) => l.startsWith('RESULT '));
  if (!line) throw new Error(`the handler printed no result:\n${output}`);
  return JSON.parse(line.slice('RESULT '.length));
}
