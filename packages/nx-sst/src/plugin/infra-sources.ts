import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { CONFIG_FILE_GLOB, CONFIG_FILE_NAMES, NxProjects } from '../core/nx-project';
import { writeAtomic } from '../core/write-atomic';
import { readStaticBindings, type StaticBindings } from './bindings';

export const SST_CONFIG_GLOB = CONFIG_FILE_GLOB;
export const SST_CONFIG_FILES = CONFIG_FILE_NAMES;

/** Folders of an infra app that hold no stack sources: dependencies, build output, state. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  '.sst',
  'cdk.out',
  'dist',
  'build',
  'coverage',
  'tmp',
  '.next',
]);

// eslint-disable-next-line @typescript-eslint/no-require-imports -- package.json is outside rootDir (src), where no import can reach
const PLUGIN_VERSION: string = require('../../package.json').version;
/** Bumped when the static reading changes what it returns, so no cache keeps an older reading. */
const READER_VERSION = '2';

/** Is this (workspace-relative) file one that can declare constructs? */
export function isStackSource(file: string): boolean {
  return (
    /\.(ts|mts|cts|js|mjs|cjs)$/.test(file) &&
    !/\.d\.[mc]?ts$/.test(file) &&
    !/\.(spec|test)\.[^.]+$/.test(file)
  );
}

/**
 * The stack sources of an infra app on disk, workspace-relative and sorted. An app at the workspace
 * root (SST's classic layout) keeps its stacks in `stacks/`: only that folder is read, not every project.
 */
export function listInfraSources(workspaceRoot: string, infraRoot: string): string[] {
  return listInfraSourcesWith((relDir) => {
    try {
      return readdirSync(join(workspaceRoot, relDir), { withFileTypes: true }).map((e) => ({
        name: e.name,
        isDirectory: e.isDirectory(),
        isFile: e.isFile(),
      }));
    } catch {
      return [];
    }
  }, infraRoot);
}

/** `listInfraSources` over any file system (a generator's Tree): `readdir` lists a workspace-relative folder. */
export function listInfraSourcesWith(
  readdir: (relDir: string) => { name: string; isDirectory: boolean; isFile: boolean }[],
  infraRoot: string,
): string[] {
  const files: string[] = [];
  const walk = (relDir: string) => {
    for (const entry of readdir(relDir)) {
      const rel = relDir ? posix.join(relDir, entry.name) : entry.name;
      if (entry.isDirectory) {
        if (!SKIPPED_DIRS.has(entry.name) && !entry.name.startsWith('.')) walk(rel);
      } else if (entry.isFile && isStackSource(rel)) {
        files.push(rel);
      }
    }
  };
  walk(infraRoot === '.' || infraRoot === '' ? 'stacks' : infraRoot);
  return files.sort();
}

/** Shared by every cache of this process (a plugin worker serves createNodes, dependencies and metadata). */
const memory = new Map<string, StaticBindings>();

/**
 * The static bindings of infra apps, cached in memory and on disk by a hash of their sources, so
 * recomputing the project graph parses a stack file only when it changed. Each caller keeps its own
 * file (`write` keeps only what its run used, and callers key by different hashes).
 */
export class BindingsCache {
  private entries: Record<string, StaticBindings>;
  private readonly used = new Set<string>();
  private dirty = false;

  constructor(private readonly file: string | undefined) {
    this.entries = {};
    if (file && existsSync(file)) {
      try {
        this.entries = JSON.parse(readFileSync(file, 'utf-8'));
      } catch {
        this.entries = {};
      }
    }
  }

  /**
   * Bindings of an app whose sources are `files` (workspace-relative). `hashes` are content hashes
   * from Nx's file map when the caller has them; otherwise files are read (from disk, or through
   * `readFile` — a generator's Tree) and hashed here.
   */
  get(
    workspaceRoot: string,
    files: string[],
    hashes?: Map<string, string>,
    readFile: (file: string) => string = (f) => readFileSync(join(workspaceRoot, f), 'utf-8'),
  ): StaticBindings {
    const contents = new Map<string, string>();
    const read = (f: string) => {
      let content = contents.get(f);
      if (content === undefined) {
        content = readFile(f);
        contents.set(f, content);
      }
      return content;
    };
    const fileHash = (f: string) => hashes?.get(f) ?? createHash('sha1').update(read(f)).digest('hex');
    // node:crypto, not @nx/devkit's hashArray: the sync generator loads this in every task run.
    const key = createHash('sha1')
      .update(JSON.stringify([PLUGIN_VERSION, READER_VERSION, ...files.flatMap((f) => [f, fileHash(f)])]))
      .digest('hex');
    this.used.add(key);
    const hit = this.entries[key] ?? memory.get(key);
    if (hit) {
      if (!this.entries[key]) {
        this.entries[key] = hit;
        this.dirty = true;
      }
      return hit;
    }
    const bindings = readStaticBindings(files.map((f) => ({ file: f, content: read(f) })));
    this.entries[key] = bindings;
    memory.set(key, bindings);
    this.dirty = true;
    return bindings;
  }

  /** Persists what this run used (and drops what it did not, so the file does not grow forever). */
  write(): void {
    if (!this.file || !this.dirty) return;
    const kept = Object.fromEntries(Object.entries(this.entries).filter(([k]) => this.used.has(k)));
    try {
      writeAtomic(this.file, JSON.stringify(kept));
    } catch {
      // A read-only or vanished cache directory only costs speed.
    }
    this.dirty = false;
  }
}

/**
 * The name Nx gives the infra project this plugin infers at `root` (see `core/nx-project.ts`), if the
 * folder is one: a `project.json` or a `package.json` (inside the package manager's workspaces or not).
 */
export function projectNameAt(workspaceRoot: string, root: string): string | undefined {
  return new NxProjects(workspaceRoot).nameAt(root, { inferred: true });
}

/**
 * Finds the project folder holding a workspace-relative path on disk: the nearest folder that Nx
 * makes a project (a package.json outside the package manager's workspaces is none).
 */
export function createDiskProjectLocator(workspaceRoot: string): (path: string) => string | undefined {
  const projects = new NxProjects(workspaceRoot);
  return (path: string) => {
    const root = projects.rootOf(path);
    // Only projects below the workspace root are bound (a root project would hold every path).
    return root === '.' ? undefined : root;
  };
}
