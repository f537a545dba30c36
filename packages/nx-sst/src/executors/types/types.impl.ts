import type { ExecutorContext } from '@nx/devkit';
import { projectRoot, runEngine } from '../utils';

export default async function typesExecutor(options: { stage?: string }, context: ExecutorContext) {
  return runEngine('types', async () => {
    const types = require('../../types/types') as typeof import('../../types/types') & {
      writeTypes?: (opts: { workspaceRoot: string; appRoot: string; stage?: string }) => Promise<unknown>;
    };
    if (!types.writeTypes) throw new Error('this build of nx-sst has no types writer.');
    await types.writeTypes({
      workspaceRoot: context.root,
      appRoot: projectRoot(context),
      stage: options.stage,
    });
  });
}
