import type { ExecutorContext } from '@nx/devkit';
import { appOptions, runCommand } from '../utils';

export default async function diffExecutor(
  options: { stage?: string; stacks?: string[]; verbose?: boolean },
  context: ExecutorContext,
) {
  return runCommand((io) =>
    (require('../../commands/commands') as typeof import('../../commands/commands')).diffCommand(
      { ...appOptions(context, options), ...options },
      io,
    ),
  );
}
