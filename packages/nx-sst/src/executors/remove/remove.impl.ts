import type { ExecutorContext } from '@nx/devkit';
import { removeCommand } from '../../commands/commands';
import { appOptions, runCommand } from '../utils';

export default async function removeExecutor(
  options: { stage?: string; stacks?: string[]; concurrency?: number; verbose?: boolean },
  context: ExecutorContext,
) {
  return runCommand((io) => removeCommand({ ...appOptions(context, options), ...options }, io));
}
