import type { ExecutorContext } from '@nx/devkit';
import { projectRoot, runEngine } from '../utils';
import type { DeployExecutorSchema } from './schema';

export default async function deployExecutor(options: DeployExecutorSchema, context: ExecutorContext) {
  return runEngine('deploy', async () => {
    const { deploy } = require('../../deploy/deploy') as typeof import('../../deploy/deploy');
    await deploy({
      workspaceRoot: context.root,
      appRoot: projectRoot(context),
      cwd: context.root,
      ...options,
    });
  });
}
