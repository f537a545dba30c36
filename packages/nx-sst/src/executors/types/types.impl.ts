import type { ExecutorContext } from '@nx/devkit';
import { appOptions, runCommand } from '../utils';

export default async function typesExecutor(options: { stage?: string }, context: ExecutorContext) {
  return runCommand((io) =>
    (require('../../commands/commands') as typeof import('../../commands/commands')).typesCommand(
      appOptions(context, options),
      io,
    ),
  );
}
