import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOCAL_CLOUD_VAR, installLocalAws } from './local-aws';
import { MASK_PROCESS_OUTPUT, installOutputMasking } from './mask-output';

/**
 * Set by the plugin's `preTasksExecution` for one Nx run: the workspace and, per bound project, its
 * root and the targets that run bound. JSON; names and paths only.
 */
export const BOUND_TASKS_VAR = 'NX_SST_BOUND_TASKS';
/** Set in a bound process (and so inherited by its children): `project:target` it was bound for. */
export const BOUND_PROCESS_VAR = 'NX_SST_BOUND';
/** Names of the variables that hold secrets, so every process of a bound task masks them. */
export const SECRET_VARS_VAR = 'NX_SST_SECRET_VARS';
/** `0`/`false`/`off`: run this Nx command's tasks unbound. */
export const BIND_SWITCH_VAR = 'NX_SST_BIND';

export interface BoundTasks {
  workspaceRoot: string;
  /** `continuous`: the bound targets that keep running (dev servers), watched for changed values. */
  projects: Record<string, { root: string; targets: string[]; continuous?: string[] }>;
}

/** Which bound task, if any, this process is: from Nx's task variables and the plugin's list. */
export function boundTaskOf(
  env: NodeJS.ProcessEnv,
): { workspaceRoot: string; project: string; target: string; root: string; continuous: boolean } | undefined {
  const project = env.NX_TASK_TARGET_PROJECT;
  const target = env.NX_TASK_TARGET_TARGET;
  const list = env[BOUND_TASKS_VAR];
  if (!project || !target || !list) return undefined;
  if (/^(0|false|off|no)$/i.test(env[BIND_SWITCH_VAR] ?? '')) return undefined;
  let tasks: BoundTasks;
  try {
    tasks = JSON.parse(list) as BoundTasks;
  } catch {
    return undefined;
  }
  const entry = tasks.projects?.[project];
  if (!entry || !entry.targets.includes(target)) return undefined;
  return {
    workspaceRoot: tasks.workspaceRoot,
    project,
    target,
    root: entry.root,
    continuous: !!entry.continuous?.includes(target),
  };
}

/**
 * Run by `preload.mjs` (through `NODE_OPTIONS=--import`) before a task's own code, in every Node
 * process of every task: gives the process of a bound task its bindings — values, the role's
 * credentials and, on `local`, the local cloud's endpoint — in its own `process.env`, so the tool
 * the target runs (next, vite, vitest, jest, an executor) and everything it starts see them.
 * A process that inherited them (a worker, a child) only masks. Exits 1 with the reason and the fix
 * when the bindings cannot be read: a bound task never runs half-bound.
 */
export async function bindTaskProcess(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const task = boundTaskOf(env);
  // A worker or child of a bound process has its bindings already; a nested `nx run` of another
  // bound task (its task variables differ) is bound anew.
  if (env[BOUND_PROCESS_VAR] && (!task || env[BOUND_PROCESS_VAR] === `${task.project}:${task.target}`)) {
    maskInherited(env);
    return;
  }
  if (!task || runsItsOwnBind()) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: children and workers of a bound process and a bound project's other targets return above without the engine (~15 ms)
  const { openBinding } = require('../bind/bind') as typeof import('../bind/bind');
  let session: import('../bind/bind').BindSession;
  try {
    session = await openBinding({
      workspaceRoot: task.workspaceRoot,
      cwd: path.join(task.workspaceRoot, task.root),
      env: { ...env },
    });
  } catch (error) {
    const e = error as Error & { hint?: string };
    process.stderr.write(
      `nx-sst: ${task.project}:${task.target} runs with the bindings of ${task.project}, and they could not be read: ${e.message}\n` +
        (e.hint ? `${e.hint}\n` : '') +
        `To run it without bindings: ${BIND_SWITCH_VAR}=0 nx run ${task.project}:${task.target}\n`,
    );
    process.exit(1);
  }
  const next = session.envOf();
  session.close();
  if (task.continuous) watchForChanges(task, session.fingerprint, { ...env }, openBinding);
  for (const key of Object.keys(env)) if (!(key in next)) delete env[key];
  Object.assign(env, next);
  const secretVars = Object.keys(session.values.env).filter((k) =>
    session.values.secrets.includes(session.values.env[k]),
  );
  env[BOUND_PROCESS_VAR] = `${task.project}:${task.target}`;
  env[SECRET_VARS_VAR] = secretVars.join(',');
  // Its children get the aws-sdk v2 hook from NODE_OPTIONS; this process, started already, now.
  if (env[LOCAL_CLOUD_VAR]) installLocalAws(env[LOCAL_CLOUD_VAR]);
  process.stderr.write(`nx-sst: ${session.summary}\n`);
  if (env[MASK_PROCESS_OUTPUT] !== 'never') installOutputMasking(session.values.secrets);
}

function maskInherited(env: NodeJS.ProcessEnv): void {
  if (env[MASK_PROCESS_OUTPUT] === 'never') return;
  const secrets = (env[SECRET_VARS_VAR] ?? '')
    .split(',')
    .filter(Boolean)
    .map((name) => env[name])
    .filter((v): v is string => !!v);
  if (secrets.length) installOutputMasking(secrets);
}

/**
 * `nx-sst bind -- …` (a wrapped script, the bind executor's command) binds its own child and keeps
 * it bound across redeploys and role expiry; binding its process first would only cost a round trip.
 */
function runsItsOwnBind(): boolean {
  const script = (process.argv[1] ?? '').split(path.sep).join('/');
  const isCli = path.basename(script) === 'nx-sst' || script.endsWith('/nx-sst/dist/cli/main.js');
  return isCli && process.argv.slice(2).includes('bind');
}

/**
 * A process keeps the environment it started with: a dev server bound by the preload cannot be
 * restarted from inside. When `deploy` or `secrets set` in this workspace change what it reads (they
 * touch the bind signal file), it is told, once per change, to restart; `nx-sst bind --` restarts
 * by itself and is the way to get that.
 */
function watchForChanges(
  task: NonNullable<ReturnType<typeof boundTaskOf>>,
  fingerprint: string,
  env: NodeJS.ProcessEnv,
  openBinding: typeof import('../bind/bind').openBinding,
): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: loaded with the engine by now; a top-level import would load it where the engine is not (~8 ms)
  const { bindSignalFile } = require('../core/app-index') as typeof import('../core/app-index');
  let known = fingerprint;
  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      const session = await openBinding({
        workspaceRoot: task.workspaceRoot,
        cwd: path.join(task.workspaceRoot, task.root),
        env,
        assumeRole: false,
      });
      session.close();
      if (session.fingerprint !== known) {
        known = session.fingerprint;
        process.stderr.write(
          `nx-sst: the values bound to ${task.project} changed; this process still has the old ones. Restart it (nx run ${task.project}:${task.target}) to use them.\n`,
        );
      }
    } catch {
      // Not readable now (a deploy under way): the next change tells.
    } finally {
      checking = false;
    }
  };
  const watcher = fs.watchFile(bindSignalFile(task.workspaceRoot), { interval: 500 }, (curr, prev) => {
    if (curr.mtimeMs !== prev.mtimeMs) void check();
  });
  watcher.unref();
}
