import type { ExecutorContext } from '@nx/devkit';
import { typesCommand } from '../../commands/commands';
import { appOptions, runCommand } from '../utils';

export default async function typesExecutor(options: { stage?: string }, context: ExecutorContext) {
  return runCommand((io) => typesCommand(appOptions(context, options), io));
}
