import type { ExecutorContext } from '@nx/devkit';
import { projectRoot, runEngine } from '../utils';

export default async function diffExecutor(
  options: { stage?: string; stacks?: string[] },
  context: ExecutorContext,
) {
  return runEngine('diff', async () => {
    const { diff } = require('../../deploy/deploy') as typeof import('../../deploy/deploy');
    const result = await diff({
      workspaceRoot: context.root,
      appRoot: projectRoot(context),
      cwd: context.root,
      ...options,
    });
    if (result.text) console.log(result.text);
  });
}
