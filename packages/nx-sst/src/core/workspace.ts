import * as fs from 'node:fs';
import * as path from 'node:path';
import { NxSstError } from './errors';
import { chooseInfraApp, configFileIn, diskFiles, findInfraAppFolders, isSkippedFolder } from './infra-apps';
import { CONFIG_FILE_NAMES, findNxProject, isInside, nxProjectName, readJson, readText } from './nx-project';

export { isInside };

export interface InfraApp {
  /** The Nx project name of the folder holding `sst.config.ts` (its folder name when it is no project). */
  name: string;
  /** Absolute path of the folder holding `sst.config.ts`. */
  root: string;
  /** Absolute path of `sst.config.ts`. */
  configFile: string;
}

export { CONFIG_FILE_NAMES };

/** Every infra app (a folder with an `sst.config.*`) in the workspace, sorted by root. */
export async function findInfraApps(workspaceRoot: string): Promise<InfraApp[]> {
  return findInfraAppFolders(diskFiles(workspaceRoot)).map((f) => {
    const root = path.join(workspaceRoot, f.root);
    return {
      name: infraAppName(workspaceRoot, root),
      root,
      configFile: path.join(workspaceRoot, f.configFile),
    };
  });
}

function configFileAt(dir: string): string | undefined {
  const rel = configFileIn(diskFiles(dir), '.');
  return rel && path.join(dir, rel);
}

/**
 * The infra app whose folder holds `cwd`: the nearest folder from `cwd` up to the workspace root with
 * an `sst.config.*` (an app at the workspace root holds every folder no other app holds). The rule
 * every command (types, secrets, deploy, bind --script…) uses when no `--app` is given.
 */
export function infraAppHolding(workspaceRoot: string, cwd: string): InfraApp | undefined {
  const top = path.resolve(workspaceRoot);
  let dir = path.resolve(cwd);
  if (!isInside(top, dir)) return undefined;
  for (;;) {
    const rel = path.relative(top, dir);
    // Folders findInfraApps never searches hold no app: cwd in node_modules/x is not x's app.
    const skipped = rel.split(path.sep).some(isSkippedFolder);
    const configFile = skipped ? undefined : configFileAt(dir);
    if (configFile) return { name: infraAppName(workspaceRoot, dir), root: dir, configFile };
    if (dir === top) return undefined;
    dir = path.dirname(dir);
  }
}

/** The config file of an infra app folder, or a clear error when there is none. */
export function findConfigFile(appRoot: string): string {
  const file = configFileAt(appRoot);
  if (file) return file;
  throw new NxSstError(
    `No sst.config.ts in ${appRoot}.`,
    'Point --app at the folder of your infra app (the one with sst.config.ts), or create one with `nx g nx-sst:app infra`.',
  );
}

/** The workspace root above `cwd`: the nearest folder with `nx.json`, else with a workspaces `package.json`. */
export function findWorkspaceRoot(cwd: string): string {
  let fallback: string | undefined;
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    if (!fallback) {
      const pkg = readJson(path.join(dir, 'package.json'));
      if (pkg && pkg.workspaces) fallback = dir;
    }
    if (path.dirname(dir) === dir) return fallback ?? path.resolve(cwd);
  }
}

/**
 * The infra app a command run from `cwd` is about: `--app` when given, else the app whose folder
 * holds `cwd`, else the only app of the workspace.
 */
export async function resolveInfraApp(workspaceRoot: string, cwd: string, app?: string): Promise<InfraApp> {
  if (app) {
    const root = path.resolve(cwd, app);
    const configFile = configFileAt(root);
    if (configFile) return { name: infraAppName(workspaceRoot, root), root, configFile };
    // A folder of that name without a config is no app: the name may still be one's project name.
    const folder = fs.existsSync(root) && fs.statSync(root).isDirectory();
    if (folder && !(await findInfraApps(workspaceRoot)).some((a) => a.name === app)) findConfigFile(root);
  }
  const here = infraAppHolding(workspaceRoot, cwd);
  if (!app && here) return here;
  return chooseInfraApp(await findInfraApps(workspaceRoot), app, workspaceRoot);
}

/**
 * ` --app <name>` for an nx-sst command a hint names, when the workspace has several infra apps (so the
 * hint, followed from another folder, reaches the same app); empty with one.
 */
export async function appFlagFor(workspaceRoot: string, cwd: string, app?: string): Promise<string> {
  if ((await findInfraApps(workspaceRoot)).length < 2) return '';
  return ` --app ${(await resolveInfraApp(workspaceRoot, cwd, app)).name}`;
}

/** SST v2's rule, which also keeps `{app}-{stage}-{stack}` a valid CloudFormation stack name. */
const STAGE_PATTERN = /^[A-Za-z][A-Za-z0-9-]*$/;

/** The personal stage file: one line, gitignored with the rest of `.sst/`. */
export function personalStageFile(workspaceRoot: string): string {
  return path.join(workspaceRoot, '.sst', 'stage');
}

/**
 * `--stage ""` or `SST_STAGE=""` is a mistake (an unset CI input, a shell variable that expanded to
 * nothing), never a wish for the default stage: taking it as `local` would deploy somewhere else
 * than meant without a word.
 */
function refuseEmptyStage(opts: { flag?: string; env?: NodeJS.ProcessEnv }): void {
  if (opts.flag === '')
    throw new NxSstError(
      'The stage given with --stage is empty.',
      'Name a stage (--stage prod), or leave --stage out to use SST_STAGE, .sst/stage or "local".',
    );
  if ((opts.env ?? process.env).SST_STAGE === '' && opts.flag === undefined)
    throw new NxSstError(
      'The environment variable SST_STAGE is set but empty.',
      'Set it to a stage (SST_STAGE=prod), or unset it (unset SST_STAGE) to use .sst/stage or "local".',
    );
}

/** The stage asked for explicitly: `--stage`, else `SST_STAGE`. What `config()` gets as `input.stage`. */
export function explicitStage(opts: { flag?: string; env?: NodeJS.ProcessEnv }): string | undefined {
  refuseEmptyStage(opts);
  if (opts.flag !== undefined) return opts.flag;
  return (opts.env ?? process.env).SST_STAGE || undefined;
}

/**
 * `--stage` > `SST_STAGE` > the stage `config()` returns > the personal stage file `.sst/stage` >
 * `local`. SST v2's order, except that an explicit `--stage` also beats `SST_STAGE` (v2 let the
 * variable, which it exports to every child, override the flag of a nested command).
 */
export function resolveStage(opts: {
  flag?: string;
  env?: NodeJS.ProcessEnv;
  workspaceRoot: string;
  /** `stage` from `config()` in `sst.config.ts`, when it returns one. */
  configStage?: string;
}): string {
  const env = opts.env ?? process.env;
  refuseEmptyStage(opts);
  let stage: string | undefined;
  let source: string;
  if (opts.flag !== undefined) {
    stage = opts.flag;
    source = '--stage';
  } else if (env.SST_STAGE) {
    stage = env.SST_STAGE;
    source = 'SST_STAGE';
  } else if (opts.configStage !== undefined) {
    stage = opts.configStage;
    source = 'config() in sst.config.ts';
  } else {
    const file = personalStageFile(opts.workspaceRoot);
    stage = readText(file)?.trim() || undefined;
    source = file;
  }
  if (stage === undefined) return 'local';
  validateStage(stage, source);
  return stage;
}

export function validateStage(stage: string, source = 'the stage'): void {
  if (!STAGE_PATTERN.test(stage) || stage.length > 64) {
    throw new NxSstError(
      `Invalid stage "${stage}" (from ${source}).`,
      'A stage starts with a letter and holds only letters, digits and hyphens (at most 64), so that stack names stay valid.',
    );
  }
}

/**
 * The Nx project that holds `absPath`: the nearest folder (up to the workspace root) that Nx makes a
 * project, named as Nx names it (see `nx-project.ts`).
 */
export function resolveProject(
  workspaceRoot: string,
  absPath: string,
): { name: string; root: string } | undefined {
  return findNxProject(workspaceRoot, absPath);
}

/**
 * The Nx name of an infra app: the project the nx-sst plugin infers at its folder, which is what
 * `nx run <name>:types` needs. A folder that is no project keeps its folder name.
 */
export function infraAppName(workspaceRoot: string, appRoot: string): string {
  const rel = path.relative(workspaceRoot, appRoot).split(path.sep).join('/') || '.';
  return nxProjectName(workspaceRoot, rel, { inferred: true }) ?? path.basename(appRoot);
}
