import type { ExecutorContext } from '@nx/devkit';
import { secretsCommand } from '../../commands/commands';
import { appOptions, runCommand } from '../utils';
import type { SecretsExecutorSchema } from './schema';

export default async function secretsExecutor(options: SecretsExecutorSchema, context: ExecutorContext) {
  return runCommand((io) =>
    secretsCommand(
      options.command,
      // No value from stdin here: a task's stdin is Nx's. `nx-sst secrets set NAME` reads it.
      { ...appOptions(context, options), ...options },
      io,
    ),
  );
}
