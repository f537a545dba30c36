import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  bindSignalFile,
  indexedSsmPrefix,
  readAppIndex,
  recordApp,
  defaultSsmPrefix,
  type AppIndexEntry,
} from '../core/app-index';
import { connectStage, type StageCloud } from '../core/cloud';
import { NxSstError } from '../core/errors';
import { findInfraApps, resolveProject, resolveStage } from '../core/workspace';
import { loadApp, loadConfig } from '../synth/load-app';
import { assumeTargetRole, type RoleCredentials } from './credentials';
import { ChildRunner } from './run-child';
import { localBindAws, sdkBindAws } from './ssm-reader';
import {
  projectManifestName,
  readManifest,
  readStageValues,
  resolveValues,
  targetManifestName,
  type ResolvedValues,
} from './values';

export interface RunBoundOptions {
  workspaceRoot: string;
  /** Where the command runs; also how the project is found when neither target nor script is given. */
  cwd: string;
  stage?: string;
  /** A bind target (function, site, service) by construct id. */
  target?: string;
  /** Every value of the stage, for commands not tied to one target (tests). */
  script?: boolean;
  /** Infra app (folder or project name) when the workspace has several. */
  app?: string;
  command: string[];
  /** Base environment of the child; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Called once the command runs, with the endpoint of the cloud it talks to (empty on AWS). */
  onReady?(url: string): void;
  /** Run the command through a shell. */
  shell?: boolean;
  /** Mask secret values in the command's output: when not a terminal (`auto`, default), `always`, `never`. */
  mask?: 'auto' | 'always' | 'never';
  /** Role session lengths to try, longest first; default 12 h then 1 h. */
  roleDurations?: number[];
  /** How often values are re-read from SSM to catch changes made elsewhere; default 60 s, 0 = never. */
  pollIntervalMs?: number;
  /** Restart this long before the role credentials expire; default 60 s. */
  refreshBeforeExpiryMs?: number;
  /** Where our own messages go; default stderr. Never given secret values. */
  log?: (line: string) => void;
}

/** What a bind resolves to: which manifest, which app, which stage. */
interface Scope {
  entry: AppIndexEntry;
  ssmPrefix: string;
  manifest?: string;
  label: string;
}

/**
 * Runs a command with what is bound to a project or target (or, with `script`, every value of the
 * stage) and the target's role credentials. Resolves to the exit code to exit with.
 */
export async function runBound(opts: RunBoundOptions): Promise<number> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`nx-sst: ${line}\n`));
  if (!opts.command.length)
    throw new NxSstError('No command to run.', 'Put it after --: nx-sst bind -- next dev');
  const workspaceRoot = path.resolve(opts.workspaceRoot);
  const baseEnv = opts.env ?? process.env;
  const stage = resolveStage({ flag: opts.stage, env: baseEnv, workspaceRoot });
  const scope = await resolveScope({ ...opts, workspaceRoot, stage });
  const cloud = await connectStage({ workspaceRoot, stage, region: scope.entry.region });
  const aws = cloud.local ? localBindAws(cloud) : sdkBindAws(cloud);

  let roleArn: string | null | undefined;
  const readValues = async (): Promise<ResolvedValues> => {
    if (!scope.manifest) return readStageValues({ aws, app: scope.entry.name, ssmPrefix: scope.ssmPrefix });
    const manifest = await readManifest(aws, scope.manifest);
    if (!manifest) throw notDeployed(scope, stage, opts.target);
    roleArn = manifest.roleArn;
    return resolveValues({
      aws,
      app: scope.entry.name,
      stage,
      ssmPrefix: scope.ssmPrefix,
      env: manifest.env,
    });
  };

  let values: ResolvedValues;
  let credentials: RoleCredentials | undefined;
  try {
    if (scope.manifest) {
      // Once the manifest names the role, secrets and credentials are fetched at the same time.
      const manifest = await readManifest(aws, scope.manifest);
      if (!manifest) throw notDeployed(scope, stage, opts.target);
      roleArn = manifest.roleArn;
      [values, credentials] = await Promise.all([
        resolveValues({ aws, app: scope.entry.name, stage, ssmPrefix: scope.ssmPrefix, env: manifest.env }),
        assumeTargetRole({ aws, cloud, roleArn, durations: opts.roleDurations }),
      ]);
    } else {
      values = await readValues();
      credentials = await assumeTargetRole({ aws, cloud, roleArn, durations: opts.roleDurations });
    }
  } catch (error) {
    aws.close();
    throw error;
  }
  const envOf = (v: ResolvedValues, c: RoleCredentials | undefined): NodeJS.ProcessEnv =>
    childEnv({
      baseEnv,
      cloud,
      values: v,
      credentials: c,
      app: scope.entry.name,
      stage,
      ssmPrefix: scope.ssmPrefix,
    });

  log(
    `${scope.label} on stage "${stage}"${cloud.local ? ` (local cloud ${cloud.endpoint})` : cloud.region ? ` (${cloud.region})` : ''}: ` +
      `${Object.keys(values.env).length} values, ${values.secrets.length} secrets, as ${credentials?.source ?? 'your own AWS credentials'}`,
  );

  const runner = new ChildRunner({
    command: opts.command,
    env: envOf(values, credentials),
    cwd: opts.cwd,
    shell: opts.shell,
    mask: opts.mask,
  });
  runner.start(envOf(values, credentials), values.secrets);
  opts.onReady?.(cloud.endpoint ?? '');

  // Restarts are serialized: a secret change arriving during a credential refresh waits its turn.
  let chain = Promise.resolve();
  let over = false;
  const refresh = (reason: 'values' | 'credentials', why: string) => {
    chain = chain.then(async () => {
      if (over) return;
      try {
        const next = await readValues();
        const nextCredentials =
          reason === 'credentials'
            ? await assumeTargetRole({ aws, cloud, roleArn, durations: opts.roleDurations })
            : credentials;
        if (over || (reason === 'values' && sameValues(next, values))) return;
        values = next;
        credentials = nextCredentials;
        log(`${why}; restarting ${opts.command.join(' ')}`);
        await runner.restart(envOf(values, credentials), values.secrets);
        scheduleExpiry();
      } catch (error) {
        log(
          `could not refresh (${(error as Error).message}); the command keeps running with the values it has`,
        );
      }
    });
  };

  let expiryTimer: NodeJS.Timeout | undefined;
  const scheduleExpiry = () => {
    clearTimeout(expiryTimer);
    const expiration = credentials?.expiration?.getTime();
    if (!expiration) return;
    const delay = Math.max(1000, expiration - Date.now() - (opts.refreshBeforeExpiryMs ?? 60_000));
    expiryTimer = setTimeout(() => refresh('credentials', 'the role credentials are about to expire'), delay);
  };
  scheduleExpiry();

  // `secrets set` and `deploy` in this workspace touch the signal file: react at once.
  const signalFile = bindSignalFile(workspaceRoot);
  const onSignal = (curr: fs.Stats, prev: fs.Stats) => {
    if (curr.mtimeMs !== prev.mtimeMs) refresh('values', 'bound values changed');
  };
  fs.watchFile(signalFile, { interval: 250 }, onSignal);
  // Changes made from another machine show up on the next poll.
  const pollMs = opts.pollIntervalMs ?? 60_000;
  const poll = pollMs > 0 ? setInterval(() => refresh('values', 'bound values changed'), pollMs) : undefined;

  try {
    const exit = await runner.done;
    return exit.code;
  } finally {
    over = true;
    clearTimeout(expiryTimer);
    clearInterval(poll);
    fs.unwatchFile(signalFile, onSignal);
    runner.dispose();
    await chain;
    aws.close();
  }
}

function sameValues(a: ResolvedValues, b: ResolvedValues): boolean {
  const keys = Object.keys(a.env);
  return keys.length === Object.keys(b.env).length && keys.every((k) => a.env[k] === b.env[k]);
}

function childEnv(opts: {
  baseEnv: NodeJS.ProcessEnv;
  cloud: StageCloud;
  values: ResolvedValues;
  credentials?: RoleCredentials;
  app: string;
  stage: string;
  ssmPrefix: string;
}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...opts.baseEnv };
  // Bindings of a previous `bind` (a nested call) must not leak into this one.
  for (const key of Object.keys(env)) if (key.startsWith('SST_')) delete env[key];
  if (opts.cloud.local) {
    env.AWS_ENDPOINT_URL = opts.cloud.env.AWS_ENDPOINT_URL;
    delete env.AWS_PROFILE;
  }
  if (opts.cloud.region) env.AWS_REGION = env.AWS_DEFAULT_REGION = opts.cloud.region;
  Object.assign(env, opts.values.env, {
    SST_APP: opts.app,
    SST_STAGE: opts.stage,
    SST_SSM_PREFIX: opts.ssmPrefix,
  });
  const c = opts.credentials;
  if (c?.accessKeyId) {
    env.AWS_ACCESS_KEY_ID = c.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = c.secretAccessKey;
    if (c.sessionToken) env.AWS_SESSION_TOKEN = c.sessionToken;
    else delete env.AWS_SESSION_TOKEN;
  }
  return env;
}

function notDeployed(scope: Scope, stage: string, target?: string): NxSstError {
  if (target) {
    return new NxSstError(
      `Unknown target "${target}" on the stage "${stage}" of ${scope.entry.name}.`,
      scope.entry.targets.length
        ? `Targets of ${scope.entry.name}: ${scope.entry.targets.join(', ')}. If "${target}" is new, deploy first: nx-sst deploy --stage ${stage}`
        : `Deploy first: nx-sst deploy --stage ${stage}`,
    );
  }
  return new NxSstError(
    `${scope.label} has nothing deployed on the stage "${stage}" yet.`,
    `Deploy it first: nx-sst deploy --stage ${stage}, or run without bindings: nx-sst bind --script`,
  );
}

/**
 * Finds the app and manifest for a bind without loading any config when the workspace's app index
 * (written by types, deploy and secrets) already knows the project, target and SSM prefix.
 */
async function resolveScope(
  opts: RunBoundOptions & { workspaceRoot: string; stage: string },
): Promise<Scope> {
  const project = opts.target || opts.script ? undefined : resolveProject(opts.workspaceRoot, opts.cwd);
  const pick = (entries: AppIndexEntry[]): AppIndexEntry | undefined => {
    let candidates = entries;
    if (opts.app)
      candidates = candidates.filter(
        (e) =>
          e.appRoot === opts.app ||
          e.name === opts.app ||
          path.resolve(opts.workspaceRoot, e.appRoot) === path.resolve(opts.cwd, opts.app!),
      );
    if (opts.target) return candidates.find((e) => e.targets.includes(opts.target!));
    if (project) {
      const bound = candidates.find((e) => e.projects.includes(project.name));
      if (bound) return bound;
    }
    return candidates.length === 1 ? candidates[0] : undefined;
  };
  let entry = pick(readAppIndex(opts.workspaceRoot));
  if (!entry || indexedSsmPrefix(entry, opts.stage) === undefined) {
    // Cold path: load every infra app once (this also writes the index for next time).
    for (const app of await findInfraApps(opts.workspaceRoot)) {
      const { config, model } = await loadApp({
        workspaceRoot: opts.workspaceRoot,
        appRoot: app.root,
        stage: opts.stage,
      });
      recordApp({
        workspaceRoot: opts.workspaceRoot,
        appRoot: app.root,
        name: config.name,
        region: config.region,
        stage: opts.stage,
        customPrefix: Boolean(config.ssmPrefix),
        model,
      });
    }
    entry = pick(readAppIndex(opts.workspaceRoot));
  }
  if (!entry) {
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
    throw new NxSstError(
      `This workspace has several infra apps (${apps.map((a) => a.appRoot).join(', ')}).`,
      'Say which one with --app <folder>.',
    );
  }
  const ssmPrefix =
    indexedSsmPrefix(entry, opts.stage) ??
    (
      await loadConfig({
        workspaceRoot: opts.workspaceRoot,
        appRoot: path.resolve(opts.workspaceRoot, entry.appRoot),
        stage: opts.stage,
      })
    ).config.ssmPrefix ??
    defaultSsmPrefix(entry.name, opts.stage);
  if (opts.target)
    return {
      entry,
      ssmPrefix,
      manifest: targetManifestName(ssmPrefix, opts.target),
      label: `target ${opts.target}`,
    };
  if (project && entry.projects.includes(project.name)) {
    return {
      entry,
      ssmPrefix,
      manifest: projectManifestName(ssmPrefix, project.name),
      label: `project ${project.name}`,
    };
  }
  return {
    entry,
    ssmPrefix,
    label: opts.script
      ? `every value of ${entry.name}`
      : `every value of ${entry.name} (${project ? `${project.name} is not bound` : 'no project here'})`,
  };
}
