import type { ExecutorContext } from '@nx/devkit';
import { appOptions, runCommand } from '../utils';
import type { DeployExecutorSchema } from './schema';

export default async function deployExecutor(options: DeployExecutorSchema, context: ExecutorContext) {
  return runCommand((io) =>
    (require('../../commands/commands') as typeof import('../../commands/commands')).deployCommand(
      { ...appOptions(context, options), ...options },
      io,
    ),
  );
}
