import type { ExecutorContext } from '@nx/devkit';
import { appOptions, runCommand } from '../utils';

export default async function removeExecutor(
  options: { stage?: string; stacks?: string[]; concurrency?: number; verbose?: boolean },
  context: ExecutorContext,
) {
  return runCommand((io) =>
    (require('../../commands/commands') as typeof import('../../commands/commands')).removeCommand(
      { ...appOptions(context, options), ...options },
      io,
    ),
  );
}
