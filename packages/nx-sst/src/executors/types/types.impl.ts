import type { ExecutorContext } from '@nx/devkit';
import { projectRoot, runEngine } from '../utils';

export default async function typesExecutor(options: { stage?: string }, context: ExecutorContext) {
  return runEngine('types', async () => {
    const { writeTypes } = require('../../types/types') as typeof import('../../types/types');
    await writeTypes({
      workspaceRoot: context.root,
      appRoot: projectRoot(context),
      cwd: context.root,
      stage: options.stage,
    });
  });
}
