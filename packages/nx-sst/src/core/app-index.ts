import * as fs from 'node:fs';
import * as path from 'node:path';
import { defaultSsmPrefix } from '@nx-sst/runtime/wire';
import type { BindingModel } from '../types/binding-model';
import { infraAppName } from './workspace';
import { writeAtomic } from './write-atomic';

/**
 * A small record per infra app, written whenever the app is loaded (types, deploy, secrets), so
 * `bind` can find the app, SSM prefix and region of a project without loading any config.
 */
export interface AppIndexEntry {
  /** Infra app folder, relative to the workspace root. */
  appRoot: string;
  /** App name from `config()`. */
  name: string;
  /** The infra app's Nx project name (absent in an index written before it was recorded). */
  project?: string;
  region?: string;
  /** SSM prefix per stage seen; a config without `ssmPrefix` uses `/sst/{name}/{stage}/` for any stage. */
  ssmPrefixes: Record<string, string>;
  customPrefix: boolean;
  /** `profile` from `config()` per stage seen (a config may pick one per stage). */
  profiles?: Record<string, string>;
  /**
   * What `config()` returns as `stage` when no stage is asked for (null: none), and the config
   * bundle that said so: `bind` trusts it only while that bundle is still current.
   */
  defaultStage?: { bundle: string; stage: string | null };
  /** Nx names of the bound projects (an older index may hold the names nx-sst gave them before). */
  projects: string[];
  targets: string[];
}

export function appIndexFile(workspaceRoot: string): string {
  return path.join(workspaceRoot, '.sst', 'apps.json');
}

export function readAppIndex(workspaceRoot: string): AppIndexEntry[] {
  try {
    return JSON.parse(fs.readFileSync(appIndexFile(workspaceRoot), 'utf8')).apps ?? [];
  } catch {
    return [];
  }
}

export { defaultSsmPrefix } from '@nx-sst/runtime/wire';

/** The SSM prefix of a stage, when the index can tell without loading the config. */
export function indexedSsmPrefix(entry: AppIndexEntry, stage: string): string | undefined {
  return entry.ssmPrefixes[stage] ?? (entry.customPrefix ? undefined : defaultSsmPrefix(entry.name, stage));
}

export function recordApp(opts: {
  workspaceRoot: string;
  appRoot: string;
  /** The stage the app was loaded for. */
  stage: string;
  /** The loaded config: what `config()` returned, for which input, from which bundle. */
  loaded: {
    config: { name: string; region?: string; stage?: string; profile?: string; ssmPrefix?: string };
    input: { stage?: string };
    bundle: string;
  };
  model: BindingModel;
}): void {
  const { config } = opts.loaded;
  const rel = path.relative(opts.workspaceRoot, opts.appRoot).split(path.sep).join('/') || '.';
  const apps = readAppIndex(opts.workspaceRoot).filter((a) => a.appRoot !== rel);
  const previous = readAppIndex(opts.workspaceRoot).find((a) => a.appRoot === rel);
  const same = previous?.name === config.name;
  const profiles = { ...(same ? previous.profiles : {}) };
  if (config.profile) profiles[opts.stage] = config.profile;
  else delete profiles[opts.stage];
  const entry: AppIndexEntry = {
    appRoot: rel,
    name: config.name,
    project: infraAppName(opts.workspaceRoot, opts.appRoot),
    region: config.region,
    ssmPrefixes: {
      ...(same ? previous.ssmPrefixes : {}),
      [opts.stage]: opts.model.ssmPrefix,
    },
    customPrefix: Boolean(config.ssmPrefix),
    profiles,
    // Only a load without an explicit stage shows the config's own default.
    defaultStage:
      opts.loaded.input.stage === undefined
        ? { bundle: path.basename(opts.loaded.bundle), stage: config.stage ?? null }
        : same
          ? previous.defaultStage
          : undefined,
    projects: [...new Set(opts.model.targets.flatMap((t) => (t.project ? [t.project.name] : [])))].sort(),
    targets: opts.model.targets.map((t) => t.id).sort(),
  };
  apps.push(entry);
  apps.sort((a, b) => a.appRoot.localeCompare(b.appRoot));
  writeAtomic(appIndexFile(opts.workspaceRoot), JSON.stringify({ apps }, null, 2) + '\n');
}

/** File whose change tells running `bind` processes to re-read their values (secrets set, deploy). */
export function bindSignalFile(workspaceRoot: string): string {
  return path.join(workspaceRoot, '.sst', 'bind-signal');
}

export function signalBindProcesses(
  workspaceRoot: string,
  reason: { app: string; stage: string; what: string },
): void {
  writeAtomic(bindSignalFile(workspaceRoot), JSON.stringify({ ...reason, at: Date.now() }) + '\n');
}
