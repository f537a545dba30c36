import type { ExecutorContext } from '@nx/devkit';
import { join } from 'node:path';

/** The folder of the project the executor runs for (the infra app, for deploy/remove/diff/types/secrets). */
export function projectRoot(context: ExecutorContext): string {
  const name = context.projectName;
  const root = name ? context.projectsConfigurations.projects[name]?.root : undefined;
  if (root === undefined)
    throw new Error(`nx-sst: cannot find the project of this task (${name ?? 'none'}).`);
  return join(context.root, root);
}

/**
 * Runs an engine call and turns its errors into a failed task with the engine's message (which names
 * the problem and the fix), without a stack trace of ours.
 */
export async function runEngine(what: string, run: () => Promise<unknown>): Promise<{ success: boolean }> {
  try {
    await run();
    return { success: true };
  } catch (error) {
    const err = error as Error & { hint?: string };
    console.error(`nx-sst ${what} failed: ${err.message}${err.hint ? `\n${err.hint}` : ''}`);
    return { success: false };
  }
}
