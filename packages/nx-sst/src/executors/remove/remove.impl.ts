import type { ExecutorContext } from '@nx/devkit';
import { projectRoot, runEngine } from '../utils';

export default async function removeExecutor(
  options: { stage?: string; stacks?: string[] },
  context: ExecutorContext,
) {
  return runEngine('remove', async () => {
    const { remove } = require('../../deploy/deploy') as typeof import('../../deploy/deploy');
    await remove({
      workspaceRoot: context.root,
      appRoot: projectRoot(context),
      cwd: context.root,
      ...options,
    });
  });
}
