import type { ExecutorContext } from '@nx/devkit';
import { diffCommand } from '../../commands/commands';
import { appOptions, runCommand } from '../utils';

export default async function diffExecutor(
  options: { stage?: string; stacks?: string[]; verbose?: boolean },
  context: ExecutorContext,
) {
  return runCommand((io) => diffCommand({ ...appOptions(context, options), ...options }, io));
}
