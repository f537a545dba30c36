import { emitReadySignal, type ExecutorContext } from '@nx/devkit';
import { dirname, join, resolve } from 'node:path';
import { runBound } from '../../bind/bind';
import { checkBindOptions, describeExit, reportError } from '../../commands/commands';
import { NxSstError } from '../../core/errors';
import { projectRoot } from '../utils';
import type { BindExecutorSchema } from './schema';

/**
 * Runs a command with the project's bindings, as `nx-sst bind` does (same engine: signals forwarded,
 * the child's exit code, restarts on credential expiry and on changed values). Continuous: it tells
 * Nx it is ready once `readyUrl` answers (or once the command runs, when no URL is known).
 */
export default async function* bindExecutor(
  options: BindExecutorSchema,
  context: ExecutorContext,
): AsyncGenerator<{ success: boolean; baseUrl?: string }> {
  let command: string[];
  let shell = false;
  let mask: ReturnType<typeof checkBindOptions>;
  try {
    mask = checkBindOptions(options);
    ({ command, shell } = commandOf(options, context));
  } catch (error) {
    reportError(error);
    yield { success: false };
    return;
  }
  const cwd = options.cwd ? resolve(context.root, options.cwd) : projectRoot(context);

  let started!: () => void;
  const running = new Promise<void>((r) => (started = r));
  const exit = runBound({
    workspaceRoot: context.root,
    cwd,
    stage: options.stage,
    target: options.target,
    script: options.script,
    app: options.app,
    command,
    shell,
    mask,
    likeLambda: options.likeLambda,
    onReady: () => started(),
  }).then(
    (code) => {
      // Nx reports only "failed"; the CLI hands the child's code to the shell, so say it here.
      if (code !== 0) reportError(new NxSstError(describeExit(code)));
      return { code };
    },
    (error: unknown) => ({ code: reportError(error) }),
  );

  const first = await Promise.race([running.then(() => undefined), exit]);
  if (first === undefined) {
    const url = options.readyUrl ? await waitForUrl(options.readyUrl, exit) : undefined;
    if (url !== null) {
      emitReadySignal(url);
      yield { success: true, ...(url ? { baseUrl: url } : {}) };
    }
  }
  const { code } = await exit;
  yield { success: code === 0 };
}

function commandOf(
  options: BindExecutorSchema,
  context: ExecutorContext,
): { command: string[]; shell: boolean } {
  const extra = (options.args ?? []).map((a) =>
    /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`,
  );
  if (options.command && options.wrapTarget)
    throw new NxSstError('The nx-sst:bind options give both command and wrapTarget.', 'Give one of them.');
  if (options.command) return { command: [[options.command, ...extra].join(' ')], shell: true };
  if (options.wrapTarget) {
    if (
      options.wrapTarget.split(':')[1] === context.targetName &&
      options.wrapTarget.split(':')[0] === context.projectName
    ) {
      throw new NxSstError(
        `The nx-sst:bind option wrapTarget '${options.wrapTarget}' is this target itself.`,
        `Point it at the unbound target, e.g. "${context.projectName}:dev-unbound".`,
      );
    }
    // A nested Nx run of the wrapped target, so its own dependsOn, caching and executor still apply.
    return {
      command: [process.execPath, nxBin(context.root), 'run', options.wrapTarget, ...(options.args ?? [])],
      shell: false,
    };
  }
  throw new NxSstError(
    'The nx-sst:bind options give no command to run.',
    `Give a command (e.g. "command": "next dev") or a wrapTarget (e.g. "wrapTarget": "${context.projectName}:dev-unbound").`,
  );
}

/** The nx CLI of the workspace (its package.json names the bin; `nx/bin/*` is not exported). */
function nxBin(root: string): string {
  const manifest = require.resolve('nx/package.json', { paths: [root] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- path known at run time: the workspace's nx
  const bin = (require(manifest) as { bin: { nx: string } }).bin.nx;
  return join(dirname(manifest), bin);
}

/** Polls `url` until it answers; null when the command exits first. */
async function waitForUrl(url: string, exit: Promise<unknown>): Promise<string | null> {
  let exited = false;
  void exit.then(() => (exited = true));
  while (!exited) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(2000) });
      return url;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return null;
}
