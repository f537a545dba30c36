import type { ExecutorContext } from '@nx/devkit';
import { join } from 'node:path';
import { processOutput, reportError, type AppOptions, type Output } from '../commands/commands';

/** The folder of the project the executor runs for (the infra app, for deploy/remove/diff/types/secrets). */
export function projectRoot(context: ExecutorContext): string {
  const name = context.projectName;
  const root = name ? context.projectsConfigurations.projects[name]?.root : undefined;
  if (root === undefined)
    throw new Error(`nx-sst: cannot find the project of this task (${name ?? 'none'}).`);
  return join(context.root, root);
}

/** The options every app command takes, from a task: the app is the task's project. */
export function appOptions(context: ExecutorContext, options: { stage?: string }): AppOptions {
  // cwd: where the user ran nx, as the CLI's own folder (a relative `.env` of `secrets load`).
  return {
    workspaceRoot: context.root,
    cwd: context.cwd ?? context.root,
    app: projectRoot(context),
    stage: options.stage,
  };
}

/**
 * Runs one of nx-sst's commands (the ones the CLI runs) as a task: the same output, and a failure
 * printed as the CLI prints it (the problem and the fix, no stack trace of ours).
 */
export async function runCommand(run: (io: Output) => Promise<number>): Promise<{ success: boolean }> {
  try {
    return { success: (await run(processOutput)) === 0 };
  } catch (error) {
    reportError(error);
    return { success: false };
  }
}
