import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Nx project names, read from disk the way Nx 23 and 24 name projects (their `nx/core/package-json`
 * and `nx/core/project-json` plugins and the merge after them), without building the project graph:
 * `bind` runs this on every start. Generators need none of it: the Tree's names are Nx's own.
 *
 * A folder is a project when it has a `project.json`, or a `package.json` that the package manager's
 * workspaces match (`package.json` `workspaces`, `pnpm-workspace.yaml`, `lerna.json`; the root's own
 * `package.json` only when it has an `nx` key) or that sits next to a `project.json`. Its name is the
 * first of: `project.json` `name`, `package.json` `nx.name`, `package.json` `name`, the folder's name
 * in lower case. A folder that a plugin makes a project (nx-sst's own, at an `sst.config.*`) is also
 * one when its `package.json` is outside the workspaces; Nx then takes that file's `name` only.
 */

export interface NxProjectRef {
  name: string;
  /** Workspace-relative with `/`, `.` for the workspace root. */
  root: string;
}

/**
 * What makes a folder an infra app, for every part of nx-sst alike (the CLI, the plugin, the
 * generators, the sync generator): the first of these it holds is its config.
 */
export const CONFIG_FILE_NAMES = [
  'sst.config.ts',
  'sst.config.mts',
  'sst.config.cts',
  'sst.config.js',
  'sst.config.mjs',
  'sst.config.cjs',
];

/** The same names as the plugin's glob (`createNodes`). */
export const CONFIG_FILE_GLOB = `**/sst.config.{${CONFIG_FILE_NAMES.map((f) => f.slice('sst.config.'.length)).join(',')}}`;

/** What one folder says about the project there (files read once per folder). */
interface FolderInfo {
  projectJson?: Record<string, unknown>;
  packageJson?: Record<string, unknown>;
}

/**
 * Names projects of one workspace. Keeps what it read: make one per command (or per plugin call),
 * not one per process, so that a long-lived process sees renamed projects.
 */
export class NxProjects {
  private readonly top: string;
  private readonly folders = new Map<string, FolderInfo>();
  private matcher?: (packageJsonPath: string) => boolean;

  constructor(workspaceRoot: string) {
    this.top = path.resolve(workspaceRoot);
  }

  /**
   * The name Nx gives the project at `root` (workspace-relative), or undefined when Nx sees no
   * project there. `inferred`: a plugin makes a project at that folder (nx-sst does where an
   * `sst.config.*` is), so a `package.json` outside the workspaces names it too.
   */
  nameAt(root: string, opts: { inferred?: boolean } = {}): string | undefined {
    const rel = normalizeRoot(root);
    const { projectJson, packageJson } = this.folder(rel);
    const fromPackage = packageJson && (projectJson || this.inWorkspaces(rel));
    const folderName = () => path.posix.basename(rel === '.' ? '' : rel).toLowerCase() || undefined;
    if (projectJson || fromPackage) {
      return (
        nonEmpty(projectJson?.name) ??
        (fromPackage
          ? (nonEmpty((packageJson.nx as Record<string, unknown> | undefined)?.name) ??
            nonEmpty(packageJson.name))
          : undefined) ??
        folderName()
      );
    }
    // Nx names a plugin's project without a project file of its own from the package.json `name`
    // (not `nx.name`: the package.json plugin did not read that file), and refuses it without one.
    if (opts.inferred && packageJson) return nonEmpty(packageJson.name);
    return undefined;
  }

  /** The project that holds `absPath`: the nearest folder up to the workspace root that Nx makes one. */
  find(absPath: string): NxProjectRef | undefined {
    let dir = path.resolve(absPath);
    if (!isInside(this.top, dir)) return undefined;
    if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) dir = path.dirname(dir);
    for (let rel = toRel(this.top, dir); ; rel = parentOf(rel)) {
      const name =
        this.nameAt(rel) ??
        (this.folder(rel).packageJson && this.hasPluginConfig(rel)
          ? this.nameAt(rel, { inferred: true })
          : undefined);
      if (name !== undefined) return { name, root: rel };
      if (rel === '.') return undefined;
    }
  }

  /** The root of the project holding a workspace-relative path, or undefined. */
  rootOf(relPath: string): string | undefined {
    const rel = normalizeRoot(relPath);
    if (rel.startsWith('..') || path.posix.isAbsolute(rel)) return undefined;
    return this.find(path.join(this.top, rel))?.root;
  }

  private hasPluginConfig(rel: string): boolean {
    return CONFIG_FILE_NAMES.some((f) => fs.existsSync(path.join(this.top, rel, f)));
  }

  private folder(rel: string): FolderInfo {
    let info = this.folders.get(rel);
    if (!info) {
      info = {
        projectJson: readJson(path.join(this.top, rel, 'project.json')),
        packageJson: readJson(path.join(this.top, rel, 'package.json')),
      };
      this.folders.set(rel, info);
    }
    return info;
  }

  /** Whether the package manager's workspaces hold `{rel}/package.json`, as Nx's package.json plugin decides. */
  private inWorkspaces(rel: string): boolean {
    this.matcher ??= workspacesMatcher(this.top);
    return this.matcher(rel === '.' ? 'package.json' : `${rel}/package.json`);
  }
}

/** The name Nx gives the project at `root`; see `NxProjects.nameAt`. */
export function nxProjectName(
  workspaceRoot: string,
  root: string,
  opts: { inferred?: boolean } = {},
): string | undefined {
  return new NxProjects(workspaceRoot).nameAt(root, opts);
}

/** The Nx project holding `absPath`; see `NxProjects.find`. */
export function findNxProject(workspaceRoot: string, absPath: string): NxProjectRef | undefined {
  return new NxProjects(workspaceRoot).find(absPath);
}

/**
 * How nx-sst named the project holding `absPath` before it named projects as Nx does: the nearest
 * folder with a `project.json` or any `package.json`, its `project.json` `name` (plain JSON) else its
 * `package.json` `name`. Bind manifests deployed then live under this name, so `bind` still reads
 * them until the next deploy replaces them.
 */
export function previousProjectName(workspaceRoot: string, absPath: string): string | undefined {
  const top = path.resolve(workspaceRoot);
  let dir = path.resolve(absPath);
  if (!isInside(top, dir)) return undefined;
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) dir = path.dirname(dir);
  for (;;) {
    const project = readPlainJson(path.join(dir, 'project.json'));
    const pkg = readPlainJson(path.join(dir, 'package.json'));
    if (dir !== top || project) {
      const name = (project?.name as string | undefined) ?? (pkg?.name as string | undefined);
      if (name) return name;
    }
    if (dir === top) return undefined;
    dir = path.dirname(dir);
  }
}

/**
 * Nx's `buildPackageJsonPatterns` and `buildPackageJsonWorkspacesMatcher` over the patterns of
 * `getGlobPatternsFromPackageManagerWorkspaces`.
 */
function workspacesMatcher(top: string): (packageJsonPath: string) => boolean {
  const rootPackage = readJson(path.join(top, 'package.json'));
  // Nx reads every package.json only without a root one (the root's patterns decide otherwise).
  if (!rootPackage) return () => process.env.NX_INFER_ALL_PACKAGE_JSONS === 'true';
  const patterns = packageManagerPatterns(top, rootPackage);
  const positive = patterns.filter((p) => !p.startsWith('!'));
  const negative = patterns.filter((p) => p.startsWith('!'));
  if (negative.length && (!positive.length || (positive.length === 1 && positive[0] === 'package.json')))
    positive.push('**/package.json');
  const positiveLookup = new Set(positive);
  const negativeLookup = new Set(negative.map((p) => p.slice(1)));
  const positiveMatch = positive.map(globMatcher);
  // minimatch reads a leading "!" as "does not match".
  const negativeMatch = negative.map((p) => globMatcher(p.slice(1)));
  return (p) =>
    (positiveLookup.has(p) || positiveMatch.some((m) => m(p))) &&
    !negativeLookup.has(p) &&
    negativeMatch.every((m) => !m(p));
}

/**
 * minimatch's answer (default options, as Nx uses it), for the patterns workspaces hold without
 * loading it: literal segments, `*` within a segment and `**` segments (`bind` runs this on every
 * start). Any other pattern goes to the minimatch of the workspace's Nx.
 */
export function globMatcher(pattern: string): (p: string) => boolean {
  const simple = simpleGlob(pattern);
  if (simple) return (p) => simple.test(p);
  let compiled: { match(p: string): boolean } | undefined;
  return (p) => {
    compiled ??= new (nxMinimatch().Minimatch)(pattern);
    return compiled.match(p);
  };
}

/** A pattern of letters, digits, `_@.-`, `*` within segments and `**` segments as a RegExp; else undefined. */
export function simpleGlob(pattern: string): RegExp | undefined {
  if (!/^[\w@.\-/*]+$/.test(pattern)) return undefined;
  const segments = pattern.split('/');
  const plain = (s: string, i: number) =>
    s !== '' && s !== '.' && s !== '..' && (s === '**' ? i < segments.length - 1 : !s.includes('**'));
  if (!segments.every(plain)) return undefined;
  // Neither `*` nor `**` matches a name starting with "." (minimatch's `dot: false`).
  const source = segments
    .map((s, i) => {
      const last = i === segments.length - 1;
      if (s === '**') return '(?:(?!\\.)[^/]+/)*';
      const segment = (s.startsWith('*') ? '(?!\\.)' : '') + s.split('*').map(escapeRegExp).join('[^/]*');
      return last ? segment : `${segment}/`;
    })
    .join('');
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function packageManagerPatterns(top: string, rootPackage: Record<string, unknown>): string[] {
  const workspaces = rootPackage.workspaces as string[] | { packages?: string[] } | undefined;
  const patterns = normalizePatterns(Array.isArray(workspaces) ? workspaces : (workspaces?.packages ?? []));
  const pnpm = path.join(top, 'pnpm-workspace.yaml');
  if (fs.existsSync(pnpm)) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: only a pnpm workspace loads Nx's YAML reader (~15 ms) on bind's start-up
      const { readYamlFile } = require('nx/src/utils/fileutils') as { readYamlFile(file: string): unknown };
      const { packages } = (readYamlFile(pnpm) ?? {}) as { packages?: string[] };
      patterns.push(...normalizePatterns(packages || []));
    } catch {
      // Nx warns and goes on without it.
    }
  }
  const lerna = path.join(top, 'lerna.json');
  if (fs.existsSync(lerna)) {
    const packages = (readJson(lerna) ?? {}).packages as string[] | undefined;
    patterns.push(...normalizePatterns(packages?.length ? packages : ['packages/*']));
  }
  return rootPackage.nx ? [...patterns, 'package.json'] : patterns;
}

function normalizePatterns(patterns: string[]): string[] {
  return patterns.map((pattern) => {
    const file = pattern.endsWith('/package.json') ? pattern : path.posix.join(pattern, 'package.json');
    return file.startsWith('./') ? file.slice(2) : file;
  });
}

/** The minimatch of the workspace's Nx (a dependency of nx, which nx-sst has as a peer). */
function nxMinimatch(): { Minimatch: new (pattern: string) => { match(p: string): boolean } } {
  const nxDir = path.dirname(require.resolve('nx/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- path known at run time: Nx's own copy
  return require(require.resolve('minimatch', { paths: [nxDir] }));
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function normalizeRoot(root: string): string {
  const rel = path.posix.normalize(root.split(path.sep).join('/')).replace(/\/+$/, '');
  return rel === '' ? '.' : rel;
}

function toRel(top: string, dir: string): string {
  return path.relative(top, dir).split(path.sep).join('/') || '.';
}

function parentOf(rel: string): string {
  const parent = path.posix.dirname(rel);
  return parent === '' ? '.' : parent;
}

export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

export function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * A JSON file as Nx reads it: plain JSON, else JSON with comments and trailing commas (Nx's own
 * parser, loaded only then). A file that is neither reads as `{}`: it exists, with no name.
 */
export function readJson(file: string): Record<string, unknown> | undefined {
  const text = readText(file);
  if (text === undefined) return undefined;
  try {
    return asObject(JSON.parse(text));
  } catch {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: only a file with comments or trailing commas loads Nx's parser (~14 ms) on bind's start-up
      const { parseJson } = require('nx/src/utils/json') as { parseJson(text: string): unknown };
      return asObject(parseJson(text));
    } catch {
      return {};
    }
  }
}

function readPlainJson(file: string): Record<string, unknown> | undefined {
  const text = readText(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
