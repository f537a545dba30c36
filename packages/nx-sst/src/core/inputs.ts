import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What a synthesis read, stored so a later command can tell cheaply (stat first, content hash when
 * the stat differs) whether running it again could give anything else. Holds hashes and sizes only,
 * never a value: the environment is one hash over the variables read.
 */
export interface StoredInputs {
  /** Workspace-relative path → its content when read, `null` when absent, `'dir'` for a directory. */
  files: Record<string, FileState | null | 'dir'>;
  /** Workspace-relative directories whose listing matters (resolution, asset folders) → hash of the names. */
  listings: Record<string, string>;
  /**
   * Variables read (credentials aside) and one hash over their values; `hints`: 4 hex digits of each
   * value's hash, enough to name the variable that changed, too few to confirm a guessed value.
   */
  env: { keys: string[]; hash: string; hints: Record<string, string> };
  /** Versions and, for linked (workspace) packages, a stat fingerprint of the engine's packages and Node. */
  engine: string;
}

export interface FileState {
  size: number;
  /** -1: changed while the command ran, so only the content hash may say it is unchanged. */
  mtimeMs: number;
  sha256: string;
}

/**
 * Credentials rotate (sessions, SSO) without changing what is synthesized; the account they belong
 * to is checked against the deployed stacks instead (their ids name the account).
 */
const UNHASHED_ENV = new Set([
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
]);

/** Packages whose code decides what is synthesized and bundled, besides the user's. */
const ENGINE_PACKAGES = [
  '@nx-sst/constructs',
  '@nx-sst/runtime',
  'aws-cdk-lib',
  'constructs',
  'esbuild',
  '@aws-cdk/toolkit-lib',
];

const LOCKFILES = [
  'package-lock.json',
  'npm-shrinkwrap.json',
  'yarn.lock',
  'pnpm-lock.yaml',
  'bun.lock',
  'bun.lockb',
];

interface Recording {
  files: Set<string>;
  /** The content hash of each file as it was read (what the command used, whatever happens later). */
  contents: Map<string, string>;
  dirs: Set<string>;
  envKeys: Set<string>;
}

const active = new Set<Recording>();
let restore: (() => void) | undefined;

/**
 * Records, until `stop()`, every path this process reads through `fs` and every environment variable
 * it reads: the user's config, stacks and the engine alike (reading more than needed only makes a
 * later shortcut rarer, never wrong). Files read by another process (esbuild) are not seen: their
 * callers list them (`bundle.json`, `{bundle}.inputs.json`).
 */
export function recordReads(): Recording & { stop(): void } {
  const rec: Recording = { files: new Set(), contents: new Map(), dirs: new Set(), envKeys: new Set() };
  if (active.size === 0) restore = patch();
  active.add(rec);
  return {
    ...rec,
    stop() {
      if (!active.delete(rec)) return;
      if (active.size === 0) {
        restore?.();
        restore = undefined;
      }
    },
  };
}

function notePath(p: unknown, dir: boolean): string | undefined {
  let file: string | undefined;
  if (typeof p === 'string') file = p;
  else if (p instanceof URL && p.protocol === 'file:') file = fileURLToPath(p);
  else if (Buffer.isBuffer(p)) file = p.toString();
  if (file === undefined) return undefined;
  const abs = path.resolve(file);
  for (const rec of active) (dir ? rec.dirs : rec.files).add(abs);
  return abs;
}

function noteContent(abs: string | undefined, content: unknown): void {
  if (!abs || abs.split(path.sep).includes('node_modules')) return;
  if (typeof content !== 'string' && !Buffer.isBuffer(content)) return;
  const hash = createHash('sha256').update(content).digest('hex');
  for (const rec of active) if (!rec.contents.has(abs)) rec.contents.set(abs, hash);
}

/**
 * Copies of the whole environment that the engine and its libraries make are not reads: toolkit-lib
 * swaps `process.env` for a copy while it synthesizes; esbuild, Nx (git) and the local cloud spawn
 * children with it. An enumeration with the user's config bundle on the stack (their
 * `{ ...process.env }`, a command their stacks run) counts as reading every variable.
 */
const ENGINE_COPIES = /temporarilyWriteEnv|spawnDaemon|normalizeSpawnArguments/;
const USER_CODE = /[\\/]\.sst[\\/]config[\\/]bundle-/;

function isEngineCopy(): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  return ENGINE_COPIES.test(stack) && !USER_CODE.test(stack);
}

/** An environment that notes the variables read from it, while a recording is active. */
function noting(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // During an engine's copy: the keys it enumerated, and how far its descriptor and value reads got.
  let copy: { keys: string[]; described: number; got: number } | undefined;
  const note = (key: string | symbol, how: 'described' | 'got') => {
    if (typeof key !== 'string' || active.size === 0) return;
    if (copy && copy.keys[copy[how]] === key) {
      copy[how]++;
      if (copy.got >= copy.keys.length) copy = undefined;
      return;
    }
    for (const rec of active) rec.envKeys.add(key);
  };
  return new Proxy(env, {
    get(target, key) {
      note(key, 'got');
      return (target as Record<string | symbol, unknown>)[key];
    },
    has(target, key) {
      note(key, 'got');
      return key in target;
    },
    ownKeys(target) {
      const keys = Reflect.ownKeys(target);
      if (active.size && isEngineCopy()) {
        copy = { keys: keys.filter((k): k is string => typeof k === 'string'), described: 0, got: 0 };
        // A copy is made in one go: whatever it did not read by the next tick, it never will.
        queueMicrotask(() => (copy = undefined));
      }
      return keys;
    },
    getOwnPropertyDescriptor(target, key) {
      note(key, 'described');
      return Reflect.getOwnPropertyDescriptor(target, key);
    },
    set(target, key, value) {
      (target as Record<string | symbol, unknown>)[key] = value;
      return true;
    },
    deleteProperty(target, key) {
      delete (target as Record<string | symbol, unknown>)[key];
      return true;
    },
  });
}

/**
 * Runs `fn` with the environment it finds noted too: for code that runs while a library has put its
 * own copy in `process.env` (toolkit-lib's assembly builder), which the recording would not see.
 */
export async function notingEnvDuring<T>(fn: () => Promise<T>): Promise<T> {
  if (active.size === 0) return fn();
  const current = process.env;
  process.env = noting(current);
  try {
    return await fn();
  } finally {
    process.env = current;
  }
}

function patch(): () => void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, whose functions are wrapped: `import * as` (esModuleInterop) gives a copy with getters
  const realFs = require('node:fs') as typeof fs;
  const saved: [object, string, unknown][] = [];
  const wrap = (target: object, name: string, dir: boolean) => {
    const original = (target as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
    if (typeof original !== 'function') return;
    saved.push([target, name, original]);
    (target as Record<string, unknown>)[name] = function (this: unknown, p: unknown, ...rest: unknown[]) {
      const abs = notePath(p, dir);
      const result = original.call(this, p, ...rest);
      if (name === 'readFileSync') noteContent(abs, result);
      return result;
    };
  };
  for (const name of ['readFileSync', 'openSync', 'existsSync', 'statSync', 'lstatSync', 'accessSync'])
    wrap(realFs, name, false);
  wrap(realFs, 'readdirSync', true);
  for (const name of ['readFile', 'open', 'stat', 'lstat', 'access']) wrap(realFs.promises, name, false);
  wrap(realFs.promises, 'readdir', true);
  // ES modules (a config bundled as .mjs) import fs by name: their bindings follow only when synced.
  syncBuiltinESMExports();

  const realEnv = process.env;
  process.env = noting(realEnv);
  return () => {
    for (const [target, name, original] of saved) (target as Record<string, unknown>)[name] = original;
    syncBuiltinESMExports();
    process.env = realEnv;
  };
}

/** Whether a path read counts as an input: inside the workspace, not installed or generated. */
function isSourcePath(workspaceRoot: string, abs: string): boolean {
  const rel = path.relative(workspaceRoot, abs);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return false;
  const parts = rel.split(path.sep);
  if (parts.some((p) => p === 'node_modules' || p === '.git' || p === '.nx' || p === 'cdk.out')) return false;
  // nx-sst's own state and output, except the personal stage file, which picks the stage.
  if (parts.includes('.sst')) return rel === path.join('.sst', 'stage');
  return true;
}

const toRel = (workspaceRoot: string, abs: string) =>
  path.relative(workspaceRoot, abs).split(path.sep).join('/') || '.';

/**
 * Turns what a command read (plus what it names: bundle inputs, asset folders) into `StoredInputs`.
 * `startedAt`: when the command started; a file changed since may differ from what it used.
 */
export function snapshotInputs(opts: {
  workspaceRoot: string;
  appRoot: string;
  startedAt: number;
  /** Absolute paths read or used (missing ones are recorded as absent). */
  files: Iterable<string>;
  /** Absolute directories whose listing was read or matters. */
  dirs: Iterable<string>;
  /** Files compiled by esbuild (config, handlers): also their folders' listings and settings files. */
  compiled?: Iterable<string>;
  /** Content hashes of files as the command used them: workspace-relative (bundle.json) or absolute (reads). */
  knownHashes?: (Record<string, string> | Map<string, string>)[];
  envKeys: Iterable<string>;
  /** The environment the command started with (before it set any variable). */
  env: NodeJS.ProcessEnv;
  /** Paths counted although under `.sst` or `.nx` (workspace-relative test): state a command reads. */
  also?: (rel: string) => boolean;
  /** Files the command wrote itself (outputs): recorded as they are now. */
  written?: Iterable<string>;
}): StoredInputs {
  const { workspaceRoot } = opts;
  const counted = (abs: string) =>
    isSourcePath(workspaceRoot, abs) || Boolean(opts.also?.(toRel(workspaceRoot, abs)));
  const written = new Set([...(opts.written ?? [])].map((f) => path.resolve(f)));
  const files = new Set<string>();
  const listings = new Set<string>();
  for (const f of [...opts.files, ...written]) if (counted(f)) files.add(path.resolve(f));
  for (const d of opts.dirs) if (counted(d)) listings.add(path.resolve(d));
  for (const name of LOCKFILES) files.add(path.join(workspaceRoot, name));
  files.add(path.join(opts.appRoot, 'cdk.context.json'));
  files.add(path.join(workspaceRoot, '.sst', 'stage'));
  for (const f of opts.compiled ?? []) {
    if (!isSourcePath(workspaceRoot, f)) continue;
    files.add(f);
    listings.add(path.dirname(f));
    // esbuild reads the nearest tsconfig.json (paths, jsx) and package.json (type, exports) of each file.
    for (let dir = path.dirname(f); isSourcePath(workspaceRoot, dir) || dir === workspaceRoot;) {
      files.add(path.join(dir, 'tsconfig.json'));
      files.add(path.join(dir, 'package.json'));
      if (dir === workspaceRoot) break;
      dir = path.dirname(dir);
    }
  }
  files.add(path.join(workspaceRoot, 'tsconfig.base.json'));

  const knownMaps = (opts.knownHashes ?? []).map((k) => (k instanceof Map ? k : new Map(Object.entries(k))));
  const known_ = (abs: string, rel: string) => {
    for (const map of knownMaps) {
      const hit = map.get(abs) ?? map.get(rel);
      if (hit !== undefined) return hit;
    }
    return undefined;
  };
  const stored: StoredInputs['files'] = {};
  for (const abs of [...files].sort()) {
    const rel = toRel(workspaceRoot, abs);
    const stat = fs.statSync(abs, { throwIfNoEntry: false });
    if (!stat) stored[rel] = null;
    else if (stat.isDirectory()) stored[rel] = 'dir';
    else {
      const changed = stat.mtimeMs >= opts.startedAt && !written.has(abs);
      const known = known_(abs, rel);
      // Changed while the command ran: the content it used is the known one, or unknown ('').
      const sha256 = changed ? (known ?? '') : hashFile(abs);
      stored[rel] = { size: stat.size, mtimeMs: changed ? -1 : stat.mtimeMs, sha256 };
    }
  }
  const storedListings: Record<string, string> = {};
  for (const abs of [...listings].sort()) storedListings[toRel(workspaceRoot, abs)] = listingHash(abs);
  return {
    files: stored,
    listings: storedListings,
    env: envSnapshot(opts.envKeys, opts.env),
    engine: engineFingerprint(opts.appRoot),
  };
}

function envSnapshot(keys: Iterable<string>, env: NodeJS.ProcessEnv): StoredInputs['env'] {
  const hashed = [...new Set(keys)].filter((k) => !UNHASHED_ENV.has(k)).sort();
  return {
    keys: hashed,
    hash: envHash(hashed, env),
    hints: Object.fromEntries(hashed.map((k) => [k, hint(env[k])])),
  };
}

const hint = (value: string | undefined) => sha256(JSON.stringify(value ?? null)).slice(0, 4);

function envHash(keys: string[], env: NodeJS.ProcessEnv): string {
  return sha256(JSON.stringify(keys.map((k) => [k, env[k] ?? null])));
}

/**
 * The first input that differs from `stored` (a phrase naming it, for `--verbose`), or undefined
 * when every one is as it was.
 */
export function changedInput(
  workspaceRoot: string,
  appRoot: string,
  stored: StoredInputs,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (envHash(stored.env.keys, env) !== stored.env.hash) {
    const named = stored.env.keys.filter((k) => stored.env.hints?.[k] !== hint(env[k]));
    return named.length ? `the environment variable ${named.join(', ')}` : 'an environment variable';
  }
  for (const [rel, was] of Object.entries(stored.files)) {
    const abs = path.join(workspaceRoot, rel);
    const stat = fs.statSync(abs, { throwIfNoEntry: false });
    if (was === null) {
      if (stat) return rel;
      continue;
    }
    if (!stat) return rel;
    if (was === 'dir') {
      if (!stat.isDirectory()) return rel;
      continue;
    }
    if (!stat.isFile() || stat.size !== was.size) return rel;
    if (stat.mtimeMs === was.mtimeMs) continue;
    // A checkout or `touch` changes the time, not the content.
    if (hashFile(abs) !== was.sha256) return rel;
  }
  for (const [rel, hash] of Object.entries(stored.listings)) {
    if (listingHash(path.join(workspaceRoot, rel)) !== hash) return `the files in ${rel}`;
  }
  if (engineFingerprint(appRoot) !== stored.engine) return 'the version of nx-sst or aws-cdk-lib';
  return undefined;
}

function listingHash(dir: string): string {
  try {
    return sha256(
      fs
        .readdirSync(dir, { withFileTypes: true })
        .map((e) => `${e.name}${e.isDirectory() ? '/' : ''}`)
        .sort()
        .join('\n'),
    );
  } catch {
    return '';
  }
}

/**
 * The engine's packages as resolved from the app (name, version, where), plus the Node major
 * version (the config's esbuild target). A package linked from the workspace rather than installed
 * (developing nx-sst itself) has no version that changes with its code: its files' sizes and times
 * stand for it.
 */
export function engineFingerprint(appRoot: string): string {
  const parts = [`node${process.versions.node.split('.')[0]}`];
  // nx-sst itself: this file's package, and the folder of its code that runs (dist, or src in tests).
  const packages: [string, { dir: string; code: string } | undefined][] = [
    ['nx-sst', { dir: path.resolve(__dirname, '..', '..'), code: path.resolve(__dirname, '..') }],
  ];
  for (const name of ENGINE_PACKAGES) packages.push([name, locatePackage(name, appRoot)]);
  for (const [name, where] of packages) {
    if (!where) {
      parts.push(`${name}:none`);
      continue;
    }
    const real = fs.realpathSync(where.dir);
    // A new version rewrites package.json; its size and time are cheaper than parsing it (aws-cdk-lib's is large).
    const manifest = fs.statSync(path.join(real, 'package.json'), { throwIfNoEntry: false });
    parts.push(`${name}:${real}:${manifest?.size}:${manifest?.mtimeMs}`);
    if (!real.split(path.sep).includes('node_modules')) parts.push(statFingerprint(where.code));
  }
  return sha256(parts.join('\n'));
}

/** A package's folder and the folder of its code (the first folder of its entry point), as resolved from `from`. */
function locatePackage(name: string, from: string): { dir: string; code: string } | undefined {
  let entry: string;
  try {
    entry = require.resolve(name, { paths: [from] });
  } catch {
    return undefined;
  }
  const installed = entry.lastIndexOf(
    `${path.sep}node_modules${path.sep}${name.split('/').join(path.sep)}${path.sep}`,
  );
  for (let dir = path.dirname(entry); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    try {
      if (installed >= 0) {
        // Installed: its folder is node_modules/<name>, no need to read package.json files to find it.
        if (dir.length !== installed + `${path.sep}node_modules${path.sep}`.length + name.length) continue;
      } else if (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== name) continue;
    } catch {
      continue;
    }
    const first = path.relative(dir, entry).split(path.sep)[0];
    const code = path.join(dir, first);
    return { dir, code: first !== path.basename(entry) ? code : dir };
  }
  return undefined;
}

const CODE_FILE = /(?<!\.d)\.[cm]?[jt]s$|\.json$/;

function statFingerprint(root: string): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const abs = path.join(dir, e.name);
      if (e.isDirectory()) walk(abs);
      // The code that runs: declarations and source maps do not change what is synthesized.
      else if (e.isFile() && CODE_FILE.test(e.name)) {
        const s = fs.statSync(abs);
        hash.update(`${path.relative(root, abs)}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  walk(root);
  return hash.digest('hex');
}

export function hashFile(file: string): string {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch {
    return '';
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The config bundle's inputs (workspace-relative) with the content hashes it was built from. */
export function configBundleInputs(workspaceRoot: string, appRoot: string): Record<string, string> {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(appRoot, '.sst', 'config', 'bundle.json'), 'utf8'));
    const inputs: Record<string, string> = {};
    for (const [file, hash] of Object.entries(record.inputs as Record<string, string>)) {
      inputs[path.relative(workspaceRoot, path.resolve(workspaceRoot, file)).split(path.sep).join('/')] =
        hash;
    }
    return inputs;
  } catch {
    return {};
  }
}
