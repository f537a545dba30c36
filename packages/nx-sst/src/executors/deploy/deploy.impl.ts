import type { ExecutorContext } from '@nx/devkit';
import { deployCommand } from '../../commands/commands';
import { appOptions, runCommand } from '../utils';
import type { DeployExecutorSchema } from './schema';

export default async function deployExecutor(options: DeployExecutorSchema, context: ExecutorContext) {
  return runCommand((io) => deployCommand({ ...appOptions(context, options), ...options }, io));
}
