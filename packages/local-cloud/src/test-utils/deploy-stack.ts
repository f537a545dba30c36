import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import { StackSelectionStrategy, Toolkit } from '@aws-cdk/toolkit-lib';
import { ensureBootstrapped, withCloudEnv, type LocalCloud } from '../index';

/** The code of a Node.js function: `source` as its index.mjs, in a directory of its own. */
export function nodeCode(source: string): cdk.aws_lambda.Code {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-cfn-code-'));
  fs.writeFileSync(path.join(dir, 'index.mjs'), source);
  return cdk.aws_lambda.Code.fromAsset(dir);
}

/**
 * Deploys the stack `define` fills to `cloud` through CloudFormation, as nx-sst deploys (toolkit-lib, the cloud
 * bootstrapped first); answers the stack's outputs. Synthesis skips aws-cdk-lib's template validation meanwhile,
 * which costs ~20 s on a process's first synthesis and is checked by the unit specs anyway.
 */
export async function deployStack(
  cloud: LocalCloud,
  stackName: string,
  define: (stack: cdk.Stack) => void,
): Promise<Record<string, string>> {
  const saved = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    await ensureBootstrapped(cloud);
    const build = () => {
      const app = new cdk.App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-cfn-out-')) });
      define(new cdk.Stack(app, stackName, { env: { account: cloud.accountId, region: cloud.region } }));
      return app.synth();
    };
    const toolkit = new Toolkit({
      ioHost: { notify: async () => undefined, requestResponse: async (m) => m.defaultResponse },
    });
    return await withCloudEnv(cloud, async () => {
      const result = await toolkit.deploy(await toolkit.fromAssemblyBuilder(async () => build()), {
        stacks: { strategy: StackSelectionStrategy.ALL_STACKS },
      });
      return result.stacks[0].outputs as Record<string, string>;
    });
  } finally {
    if (saved === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = saved;
  }
}
