import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { bindSignalFile } from '../core/app-index';
import { connectStage, type StageCloud } from '../core/cloud';
import { NxSstError } from '../core/errors';
import { BoundReader, type BoundStart } from './bound-reader';
import type { RoleCredentials } from './credentials';
import type { Timers, WatchFile } from './refresh';
import type { ChildRunner as ChildRunnerType } from './run-child';
import { resolveScope } from './scope';
import { LOCAL_CLOUD_VAR, withLocalAwsPreload } from '../preload/local-aws';
import type { ResolvedValues } from './values';

export { resolveScope, type Scope, type ScopeOptions } from './scope';

/** What identifies a binding: the project (found from `cwd`), a target, or the whole stage. */
export interface BindingOptions {
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
  /** Base environment of the child; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Role session lengths to try, longest first; default 12 h then 1 h. */
  roleDurations?: number[];
  /** Assume the bound role (default); off for a reader that needs only the values. */
  assumeRole?: boolean;
}

export interface RunBoundOptions extends BindingOptions {
  command: string[];
  /** Called once the command runs, with the endpoint of the cloud it talks to (empty on AWS). */
  onReady?(url: string): void;
  /** Run the command through a shell. */
  shell?: boolean;
  /** Mask secret values in the command's output: when not a terminal (`auto`, default), `always`, `never`. */
  mask?: 'auto' | 'always' | 'never';
  /** How often values are re-read from SSM to catch changes made elsewhere; default 60 s, 0 = never. */
  pollIntervalMs?: number;
  /** Restart this long before the role credentials expire; default 60 s. */
  refreshBeforeExpiryMs?: number;
  /** Where our own messages go; default stderr. Never given secret values. */
  log?: (line: string) => void;
  /**
   * Give the command the bound variables as the deployed function holds them (values kept in SSM as
   * their placeholders, for the runtime's `load()` to fetch with the role) and resolve packages as its
   * bundle does (`--conditions=module`), so code that reads a secret before `load()` fails here as it
   * fails in Lambda.
   */
  likeLambda?: boolean;
}

/**
 * A resolved binding: the values and role credentials of a project, target or stage, and how to read
 * them again. `runBound` runs a command with it; the task preload applies it to its own process.
 */
export interface BindSession {
  readonly stage: string;
  readonly cloud: StageCloud;
  readonly app: string;
  readonly values: ResolvedValues;
  readonly credentials: RoleCredentials | undefined;
  /** The first line bind prints: what is bound, where, as whom. Never a value. */
  readonly summary: string;
  /**
   * Changes when what a bound process reads changes: the stage, the manifest's values and role, and
   * each secret's SSM version — never a secret's value (Nx hashes it into bound tasks' inputs).
   */
  readonly fingerprint: string;
  /** The environment for a process with `values` and `credentials` (default: the current ones). */
  envOf(values?: ResolvedValues, credentials?: RoleCredentials): NodeJS.ProcessEnv;
  /** Reads the values again (the manifest decides what). */
  readValues(): Promise<ResolvedValues>;
  /** Assumes the bound role again; `reuse` off asks the cloud for a new session. */
  assumeRole(reuse?: boolean): Promise<RoleCredentials | undefined>;
  close(): void;
}

/**
 * Resolves what is bound to a project or target (or, with `script`, every value of the stage) and
 * assumes the target's role: the start-up of every bound run, in one round trip when warm. What is
 * read, and how, is `BoundReader`'s; this joins the stage's cloud, starts the reader (joining once
 * more with the health check when a warm join found no cloud) and makes the session of it.
 */
export async function openBinding(opts: BindingOptions): Promise<BindSession> {
  const workspaceRoot = path.resolve(opts.workspaceRoot);
  const baseEnv = opts.env ?? process.env;
  const timing = phaseTimer(baseEnv);
  timing('started');
  const scope = await resolveScope({ ...opts, workspaceRoot, env: baseEnv });
  const { stage } = scope;
  timing('scope');
  const connect = (warm: boolean) =>
    connectStage({
      workspaceRoot,
      stage,
      region: scope.entry.region,
      profile: scope.entry.profiles?.[stage],
      env: baseEnv,
      warm,
    });
  // Warm: a live daemon named by the discovery file gets the requests at once, without the health
  // check's round trip; it is checked only when it does not answer as the cloud (below).
  const firstCloud = await connect(true);
  timing('cloud');
  const reader = new BoundReader({
    workspaceRoot,
    scope,
    cloud: firstCloud,
    reconnect: () => connect(false),
    target: opts.target,
    roleDurations: opts.roleDurations,
    assumeRole: opts.assumeRole,
  });

  // The runner loads while the first requests are out (setImmediate runs after they are sent).
  preloadRunner();
  let bound: BoundStart;
  try {
    try {
      bound = await reader.start();
    } catch (error) {
      if (!reader.mayReconnect(error)) throw error;
      // The daemon of the discovery file did not answer as one: join (or start) it with the health check.
      await reader.reconnect();
      bound = await reader.start();
    }
  } catch (error) {
    reader.close();
    throw error;
  }
  timing('values');
  const { values, credentials } = bound;
  const { cloud, roleArn } = reader;
  return {
    stage,
    cloud,
    app: scope.entry.name,
    values,
    credentials,
    summary:
      `${scope.label} on stage "${stage}"${where(cloud, baseEnv)}: ` +
      `${counted(Object.keys(values.env).length, 'value')}, ${counted(values.secrets.length, 'secret')}, as ${credentials?.source ?? 'your own AWS credentials'}`,
    envOf: (v = values, c = credentials) =>
      childEnv({
        baseEnv,
        cloud,
        values: v,
        credentials: c,
        app: scope.entry.name,
        stage,
        ssmPrefix: scope.ssmPrefix,
        hintApp: scope.appFlag ? (scope.entry.project ?? scope.entry.appRoot) : undefined,
      }),
    fingerprint: fingerprintOf({ stage, app: scope.entry.name, ssmPrefix: scope.ssmPrefix, roleArn, values }),
    readValues: () => reader.readValues(),
    assumeRole: (reuse = true) => reader.assumeRole(reuse),
    close: () => reader.close(),
  };
}

/**
 * Runs a command with what is bound to a project or target (or, with `script`, every value of the
 * stage) and the target's role credentials. Resolves to the exit code to exit with.
 */
export async function runBound(opts: RunBoundOptions): Promise<number> {
  if (!opts.command.length)
    throw new NxSstError('No command to run.', 'Put it after --: nx-sst bind -- next dev');
  const session = await openBinding(opts);
  return runInSession(session, opts);
}

/** How `runInSession` keeps time and watches the signal file; the real ones unless a spec fakes them. */
export interface RunParts {
  timers?: Timers;
  watch?: WatchFile;
}

/**
 * Runs the command with an open binding until it ends for good: the child (`ChildRunner`: spawn,
 * signals, watchdog, masking) with the session's environment, restarted by `BoundRefresher` when
 * `RefreshScheduler` says its values or role session are due. Closes the session once the command
 * has ended. Resolves to the exit code to exit with.
 */
export async function runInSession(
  session: BindSession,
  opts: RunBoundOptions,
  parts: RunParts = {},
): Promise<number> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`nx-sst: ${line}\n`));
  const timing = phaseTimer(opts.env ?? process.env);
  log(session.summary);
  const envOf = boundEnv(session, opts.likeLambda);
  const { ChildRunner, BoundRefresher, RefreshScheduler } = loadRunner();
  const runner: ChildRunnerType = new ChildRunner({
    command: opts.command,
    env: envOf(session.values, session.credentials),
    cwd: opts.cwd,
    shell: opts.shell,
    mask: opts.mask,
    secrets: session.values.secrets,
  });
  runner.start();
  timing('spawned');
  opts.onReady?.(session.cloud.endpoint ?? '');

  const scheduler = new RefreshScheduler({
    onDue: (reason, why) => refresher.refresh(reason, why),
    signalFile: bindSignalFile(path.resolve(opts.workspaceRoot)),
    pollIntervalMs: opts.pollIntervalMs ?? 60_000,
    refreshBeforeExpiryMs: opts.refreshBeforeExpiryMs ?? 60_000,
    ...parts,
  });
  const refresher = new BoundRefresher({
    source: session,
    values: session.values,
    credentials: session.credentials,
    restart: (values, credentials) => runner.restart(envOf(values, credentials), values.secrets),
    restarted: (credentials) => scheduler.scheduleExpiry(credentials?.expiration),
    log,
    label: opts.command.join(' '),
  });
  scheduler.scheduleExpiry(session.credentials?.expiration);
  scheduler.start();

  try {
    const exit = await runner.done;
    timing('exited');
    return exit.code;
  } finally {
    scheduler.stop();
    runner.dispose();
    await refresher.close();
    session.close();
  }
}

/**
 * The environment of the bound command for given values and credentials: the session's, or with
 * `likeLambda` as the deployed function holds them.
 */
export function boundEnv(
  session: Pick<BindSession, 'envOf'>,
  likeLambda: boolean | undefined,
): (values: ResolvedValues, credentials: RoleCredentials | undefined) => NodeJS.ProcessEnv {
  return (values, credentials) =>
    likeLambda
      ? likeLambdaEnv(session.envOf(values, credentials), values)
      : session.envOf(values, credentials);
}

/**
 * With NX_SST_TIMING=1, prints when each start-up phase ended, in ms since the process started
 * (bench/bind reports them); it never prints a value.
 */
function phaseTimer(env: NodeJS.ProcessEnv): (phase: string) => void {
  return env.NX_SST_TIMING
    ? (phase) => process.stderr.write(`nx-sst timing: ${phase} ${performance.now().toFixed(1)}\n`)
    : () => undefined;
}

function fingerprintOf(opts: {
  stage: string;
  app: string;
  ssmPrefix: string;
  roleArn: string | null | undefined;
  values: ResolvedValues;
}): string {
  const secretValues = new Set(opts.values.secrets);
  const plain = Object.entries(opts.values.env)
    .filter(([, value]) => !secretValues.has(value))
    .sort(([a], [b]) => (a < b ? -1 : 1));
  const secrets = Object.entries(opts.values.secretVersions ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256')
    .update(
      JSON.stringify({
        stage: opts.stage,
        app: opts.app,
        ssmPrefix: opts.ssmPrefix,
        role: opts.roleArn ?? null,
        plain,
        secrets,
      }),
    )
    .digest('hex');
}

/** Set by `bind` itself; the same whichever way the values are given. */
const APP_VARIABLES = new Set(['SST_APP', 'SST_STAGE', 'SST_SSM_PREFIX']);

/**
 * A module hook for `--like-lambda`: Node resolves `@nx-sst/runtime` with the `module` condition, as
 * esbuild does when it bundles a function, so a native ESM import gets the entry without top-level
 * await, as the bundle does. Only that package: a `module` condition for every package would send
 * others (the AWS SDK among them) to builds meant for bundlers. Inline, so nothing else ships.
 */
const RUNTIME_AS_BUNDLED = (() => {
  const hook =
    'export async function resolve(s,c,n){return n(s,/^@nx-sst\\/runtime(\\/|$)/.test(s)?{...c,conditions:["module",...c.conditions]}:c)}';
  const register = `import{register}from"node:module";register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)})`;
  return `--import="data:text/javascript,${encodeURIComponent(register)}"`;
})();

/**
 * `env` with the bound variables as the deployed target holds them (`--like-lambda`): each value kept
 * in SSM back to its placeholder, and a secret's value only where the target reads it by reference,
 * with `@nx-sst/runtime` resolved as in the function's bundle.
 */
export function likeLambdaEnv(env: NodeJS.ProcessEnv, values: ResolvedValues): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const key of Object.keys(values.env)) if (!APP_VARIABLES.has(key)) delete out[key];
  for (const [key, value] of Object.entries(values.lambdaEnv ?? values.env)) {
    if (!APP_VARIABLES.has(key)) out[key] = value;
  }
  const nodeOptions = env.NODE_OPTIONS ?? '';
  if (!nodeOptions.includes(RUNTIME_AS_BUNDLED))
    out.NODE_OPTIONS = `${nodeOptions} ${RUNTIME_AS_BUNDLED}`.trim();
  return out;
}

function childEnv(opts: {
  baseEnv: NodeJS.ProcessEnv;
  cloud: StageCloud;
  values: ResolvedValues;
  credentials?: RoleCredentials;
  app: string;
  stage: string;
  ssmPrefix: string;
  /** The infra app the runtime's hints name (`--app`), when the workspace has several. */
  hintApp?: string;
}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...opts.baseEnv };
  if (opts.hintApp) env.NX_SST_APP = opts.hintApp;
  else delete env.NX_SST_APP;
  // Bindings of a previous `bind` (a nested call) must not leak into this one.
  for (const key of Object.keys(env)) if (key.startsWith('SST_')) delete env[key];
  if (opts.cloud.local) {
    env.AWS_ENDPOINT_URL = opts.cloud.env.AWS_ENDPOINT_URL;
    delete env.AWS_PROFILE;
  }
  // aws-sdk v2 reads no endpoint variable: a Node child on `local` gets the hook that points it at the
  // local cloud and refuses any signed request to AWS; any other stage drops a hook inherited.
  const endpoint = opts.cloud.local ? opts.cloud.env.AWS_ENDPOINT_URL : undefined;
  if (endpoint) env[LOCAL_CLOUD_VAR] = endpoint;
  else delete env[LOCAL_CLOUD_VAR];
  const nodeOptions = withLocalAwsPreload(env.NODE_OPTIONS, !!endpoint);
  if (nodeOptions) env.NODE_OPTIONS = nodeOptions;
  else delete env.NODE_OPTIONS;
  if (opts.cloud.region) env.AWS_REGION = env.AWS_DEFAULT_REGION = opts.cloud.region;
  // The config's profile, for a command that runs with the caller's own credentials.
  if (!opts.cloud.local && opts.cloud.env.AWS_PROFILE) env.AWS_PROFILE = opts.cloud.env.AWS_PROFILE;
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

/** Where the stage lives, for the first line: an endpoint that overrides AWS's is always named. */
function where(cloud: StageCloud, env: NodeJS.ProcessEnv): string {
  if (cloud.local) return ` (local cloud ${cloud.endpoint})`;
  const parts = [cloud.region, env.AWS_ENDPOINT_URL && `endpoint ${env.AWS_ENDPOINT_URL}`].filter(Boolean);
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/**
 * The runner with `node:child_process` (several ms to load) and the refresh parts are needed only once
 * the values are in, so they load while the first round trip is out: right after the requests are
 * sent, in time otherwise spent waiting.
 */
function loadRunner(): typeof import('./run-child') & typeof import('./refresh') {
  return {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: loaded while the first round trip is out (above)
    ...(require('./run-child') as typeof import('./run-child')),
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: loaded while the first round trip is out (above)
    ...(require('./refresh') as typeof import('./refresh')),
  };
}

function preloadRunner(): void {
  setImmediate(loadRunner);
}

/** `1 secret`, `2 secrets`. */
export function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
