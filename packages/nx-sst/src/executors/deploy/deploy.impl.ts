import type { ExecutorContext } from '@nx/devkit';
import { projectRoot, runEngine } from '../utils';
import type { DeployExecutorSchema } from './schema';

export default async function deployExecutor(options: DeployExecutorSchema, context: ExecutorContext) {
  return runEngine('deploy', async () => {
    const { deploy } = require('../../deploy/deploy') as typeof import('../../deploy/deploy');
    const { formatStacks } = require('../../deploy/summary') as typeof import('../../deploy/summary');
    const result = await deploy({
      workspaceRoot: context.root,
      appRoot: projectRoot(context),
      cwd: context.root,
      ...options,
    });
    // The same summary as `nx-sst deploy`: the outputs of stack.addOutputs are what people deploy to read.
    process.stdout.write(formatStacks(`Deployed ${result.app} to the stage "${result.stage}"`, result));
  });
}
