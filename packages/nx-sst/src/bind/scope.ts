import * as path from 'node:path';
import {
  defaultSsmPrefix,
  indexedSsmPrefix,
  readAppIndex,
  recordApp,
  type AppIndexEntry,
} from '../core/app-index';
import { NxSstError } from '../core/errors';
import { previousProjectName } from '../core/nx-project';
import {
  explicitStage,
  findInfraApps,
  infraAppHolding,
  resolveProject,
  resolveStage,
} from '../core/workspace';
import { projectManifestName, targetManifestName } from './values';

/** What picks the scope of a bind (a subset of `BindingOptions`, with the defaults applied). */
export interface ScopeOptions {
  workspaceRoot: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  stage?: string;
  target?: string;
  script?: boolean;
  app?: string;
}

/** What a bind resolves to: which manifest, which app, which stage. */
export interface Scope {
  entry: AppIndexEntry;
  stage: string;
  ssmPrefix: string;
  manifest?: string;
  /** The project asking, when the manifest is a project's. */
  project?: string;
  /**
   * Where the project's manifest lived before nx-sst named projects as Nx does, to read in this
   * order when `manifest` is missing (a stage not deployed since); its `project.name` is the old name.
   */
  legacyManifests?: string[];
  label: string;
  /** ` --app <name>` when the workspace has several infra apps, for the commands hints name; else empty. */
  appFlag: string;
}

/**
 * Finds the app and manifest for a bind without loading any config when the workspace's app index
 * (written by types, deploy and secrets) already knows the project, target and SSM prefix.
 */
export async function resolveScope(opts: ScopeOptions): Promise<Scope> {
  const project = opts.target || opts.script ? undefined : resolveProject(opts.workspaceRoot, opts.cwd);
  // A stage deployed (and an index written) before projects had their Nx names knows the old one.
  const previous = project && previousProjectName(opts.workspaceRoot, opts.cwd);
  const names = project ? [project.name, ...(previous && previous !== project.name ? [previous] : [])] : [];
  const binds = (e: AppIndexEntry) => names.some((n) => e.projects.includes(n));
  /** `--app`: the infra app's folder, its Nx project name, or its SST app name. */
  const named = (e: AppIndexEntry) =>
    e.appRoot === opts.app ||
    e.project === opts.app ||
    e.name === opts.app ||
    path.resolve(opts.workspaceRoot, e.appRoot) === path.resolve(opts.cwd, opts.app!);
  // Without a target or a bound project, the app is chosen as every other command chooses it.
  let holding: string | null | undefined;
  const appHere = () => {
    if (holding === undefined) {
      const here = infraAppHolding(opts.workspaceRoot, opts.cwd);
      holding = here ? path.relative(opts.workspaceRoot, here.root).split(path.sep).join('/') || '.' : null;
    }
    return holding;
  };
  const pick = (entries: AppIndexEntry[]): AppIndexEntry | undefined => {
    const candidates = opts.app ? entries.filter(named) : entries;
    if (opts.target) return candidates.find((e) => e.targets.includes(opts.target!));
    if (project) {
      const bound = candidates.find(binds);
      if (bound) return bound;
    }
    if (candidates.length === 1) return candidates[0];
    return appHere() === null ? undefined : candidates.find((e) => e.appRoot === appHere());
  };
  const explicit = explicitStage({ flag: opts.stage, env: opts.env });
  /** The entry's stage; undefined when only loading the config can tell (it may pick a stage). */
  const stageOf = (entry: AppIndexEntry): string | undefined => {
    const resolve = (configStage?: string) =>
      resolveStage({ flag: opts.stage, env: opts.env, workspaceRoot: opts.workspaceRoot, configStage });
    if (explicit !== undefined) return resolve();
    const known = entry.defaultStage;
    if (!known) return undefined;
    const appRoot = path.resolve(opts.workspaceRoot, entry.appRoot);
    if (configBundles().currentBundleName({ workspaceRoot: opts.workspaceRoot, appRoot }) !== known.bundle)
      return undefined;
    return resolve(known.stage ?? undefined);
  };
  let entries = readAppIndex(opts.workspaceRoot);
  let entry = pick(entries);
  let stage = entry && stageOf(entry);
  if (!entry || stage === undefined || indexedSsmPrefix(entry, stage) === undefined) {
    // Cold path: load every infra app once (this also writes the index for next time).
    const { loadApp, loadConfigForStage } = synthesis();
    for (const app of await findInfraApps(opts.workspaceRoot)) {
      const loaded = await loadConfigForStage({
        workspaceRoot: opts.workspaceRoot,
        appRoot: app.root,
        stage: opts.stage,
        env: opts.env,
      });
      const { model } = await loadApp({
        workspaceRoot: opts.workspaceRoot,
        appRoot: app.root,
        stage: loaded.stage,
        loaded,
      });
      recordApp({ workspaceRoot: opts.workspaceRoot, appRoot: app.root, stage: loaded.stage, loaded, model });
    }
    entries = readAppIndex(opts.workspaceRoot);
    entry = pick(entries);
    stage = entry && stageOf(entry);
  }
  if (!entry || stage === undefined) {
    const apps = readAppIndex(opts.workspaceRoot);
    if (opts.target) {
      const all = apps.flatMap((a) => a.targets).sort();
      throw new NxSstError(
        `Unknown target "${opts.target}".`,
        all.length
          ? `Bind targets in this workspace: ${all.join(', ')}.`
          : 'This workspace defines no bind targets yet.',
      );
    }
    if (!apps.length)
      throw new NxSstError(
        `No sst.config.ts in the workspace ${opts.workspaceRoot}.`,
        'Create an infra app with `nx g nx-sst:app infra`.',
      );
    const listed = apps.map((a) => (a.project ? `${a.project} (${a.appRoot})` : a.appRoot)).join(', ');
    if (opts.app && !apps.some(named))
      throw new NxSstError(
        `No infra app "${opts.app}" in ${opts.workspaceRoot}.`,
        `Infra apps here: ${listed}.`,
      );
    throw new NxSstError(
      `This workspace has several infra apps (${listed}).`,
      'Say which one with --app <name>.',
    );
  }
  const ssmPrefix =
    indexedSsmPrefix(entry, stage) ??
    (
      await synthesis().loadConfig({
        workspaceRoot: opts.workspaceRoot,
        appRoot: path.resolve(opts.workspaceRoot, entry.appRoot),
        stage: explicit,
      })
    ).config.ssmPrefix ??
    defaultSsmPrefix(entry.name, stage);
  // Every nx-sst command a hint names must reach this app when followed from anywhere.
  const appFlag = entries.length > 1 ? ` --app ${entry.project ?? entry.appRoot}` : '';
  if (opts.target)
    return {
      entry,
      stage,
      ssmPrefix,
      appFlag,
      manifest: targetManifestName(ssmPrefix, opts.target),
      label: `target ${opts.target}`,
    };
  if (project && binds(entry)) {
    const manifest = projectManifestName(ssmPrefix, project.name);
    const legacyManifests = names
      .slice(1)
      .map((n) => projectManifestName(ssmPrefix, n))
      .filter((n) => n !== manifest);
    return {
      entry,
      stage,
      ssmPrefix,
      appFlag,
      manifest,
      ...(legacyManifests.length ? { legacyManifests } : {}),
      project: project.name,
      label: `project ${project.name}`,
    };
  }
  return {
    entry,
    stage,
    ssmPrefix,
    appFlag,
    label: opts.script
      ? `every value of ${entry.name}`
      : `every value of ${entry.name} (${project ? `${project.name} is not bound` : 'no project here'})`,
  };
}

/**
 * Loading and running infra apps (`../synth/load-app`), for the cold path of `resolveScope` only: its
 * functions bundle `sst.config.ts` with esbuild and run it on aws-cdk-lib (seconds), so a bind whose
 * app index knows the app, stage and SSM prefix must never reach them.
 */
function synthesis(): typeof import('../synth/load-app') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: so that nothing on bind's warm path can reach them; its own load is ~0.5 ms beside bind's modules, what it leads to is not
  return require('../synth/load-app') as typeof import('../synth/load-app');
}

/** The config bundle's name, to trust the stage the index says `config()` returns. */
function configBundles(): typeof import('../synth/bundle-config') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: needed only when no stage is named, so a bind given one (--stage, SST_STAGE) does not load it (~0.7 ms; only Node built-ins until it bundles)
  return require('../synth/bundle-config') as typeof import('../synth/bundle-config');
}
