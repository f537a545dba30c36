import * as fs from 'node:fs';
import * as path from 'node:path';
import { NxSstError } from './errors';
import { CONFIG_FILE_NAMES } from './nx-project';

/**
 * Where infra apps are looked for, and how one is chosen: the one rule of the CLI (on disk) and of the
 * generators (in the devkit Tree), each reading through its adapter of `WorkspaceFiles`.
 */

/** One entry of a folder: what the walk needs to know of it without reading it. */
export interface FolderEntry {
  name: string;
  isFile: boolean;
  /** A folder itself, not a link to one: links are not followed, as a walk of the disk would loop. */
  isFolder: boolean;
}

/** What finding infra apps reads. Paths are workspace-relative, `/`-separated, `.` for the root. */
export interface WorkspaceFiles {
  /** The entries of a folder; none when `rel` is no folder. */
  children(rel: string): FolderEntry[];
}

/** An infra app's folder and config file, workspace-relative. */
export interface InfraAppFolder {
  root: string;
  configFile: string;
}

/** Folders never searched for infra apps: dependencies, build output and caches (and every `.`-folder). */
export const SKIPPED_DIRS = new Set([
  'node_modules',
  'dist',
  'build',
  'out',
  'coverage',
  'tmp',
  '.git',
  '.nx',
  '.sst',
  'cdk.out',
  '.next',
]);

/** Whether a folder of that name is passed over by the search (and so holds no app). */
export function isSkippedFolder(name: string): boolean {
  return SKIPPED_DIRS.has(name) || name.startsWith('.');
}

export function joinRel(dir: string, name: string): string {
  return dir === '.' ? name : `${dir}/${name}`;
}

/** The config file of a folder (the first of `CONFIG_FILE_NAMES` it holds), workspace-relative. */
export function configFileIn(files: WorkspaceFiles, dir: string): string | undefined {
  const names = new Set(
    files
      .children(dir)
      .filter((e) => e.isFile)
      .map((e) => e.name),
  );
  const name = CONFIG_FILE_NAMES.find((n) => names.has(n));
  return name && joinRel(dir, name);
}

/** Every folder of the workspace with an `sst.config.*`, outside the skipped folders, sorted by root. */
export function findInfraAppFolders(files: WorkspaceFiles): InfraAppFolder[] {
  const found: InfraAppFolder[] = [];
  const walk = (dir: string): void => {
    const entries = files.children(dir);
    const name = CONFIG_FILE_NAMES.find((n) => entries.some((e) => e.isFile && e.name === n));
    if (name) found.push({ root: dir, configFile: joinRel(dir, name) });
    for (const e of entries) if (e.isFolder && !isSkippedFolder(e.name)) walk(joinRel(dir, e.name));
  };
  walk('.');
  return found.sort((a, b) => a.root.localeCompare(b.root));
}

/**
 * The infra app a command or generator is about: `app` by name, else the only one. The same refusals
 * everywhere, each naming the apps there are and the fix.
 */
export function chooseInfraApp<A extends { name: string }>(
  apps: A[],
  app: string | undefined,
  workspaceRoot: string,
): A {
  if (app) {
    const named = apps.find((a) => a.name === app);
    if (named) return named;
    throw new NxSstError(
      `No infra app "${app}" in ${workspaceRoot}.`,
      apps.length
        ? `Infra apps here: ${apps.map((a) => a.name).join(', ')}.`
        : 'Create one with `nx g nx-sst:app infra`.',
    );
  }
  if (apps.length === 1) return apps[0];
  if (apps.length === 0)
    throw new NxSstError(
      `No sst.config.ts in the workspace ${workspaceRoot}.`,
      'Create an infra app with `nx g nx-sst:app infra`.',
    );
  throw new NxSstError(
    `This workspace has several infra apps (${apps.map((a) => a.name).join(', ')}).`,
    'Say which one with --app <name>.',
  );
}

/** `WorkspaceFiles` over the disk below `workspaceRoot`. */
export function diskFiles(workspaceRoot: string): WorkspaceFiles {
  return {
    children(rel) {
      try {
        const dir = path.join(workspaceRoot, rel);
        return fs.readdirSync(dir, { withFileTypes: true }).map((e) => ({
          name: e.name,
          // A link to a config file is a config file; a link to a folder is not walked into.
          isFile: e.isFile() || (e.isSymbolicLink() && isFileAt(path.join(dir, e.name))),
          isFolder: e.isDirectory(),
        }));
      } catch {
        return [];
      }
    },
  };
}

function isFileAt(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
