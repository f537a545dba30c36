import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import { StackSelectionStrategy, Toolkit, type DeployedStack, type IIoHost } from '@aws-cdk/toolkit-lib';
import { ensureBootstrapped, withCloudEnv, type LocalCloud } from '../index';

/** The code of a Node.js function: `source` as its index.mjs, in a directory of its own. */
export function nodeCode(source: string): cdk.aws_lambda.Code {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-cfn-code-'));
  fs.writeFileSync(path.join(dir, 'index.mjs'), source);
  return cdk.aws_lambda.Code.fromAsset(dir);
}

/** Synthesizes a CDK app: the one to deploy, or to destroy the stacks of. */
export type AssemblyBuild = () => cdk.cx_api.CloudAssembly;

export interface CloudDeployer {
  /** Deploys every stack `build` synthesizes, the cloud bootstrapped first; answers them, outputs included. */
  deploy(build: AssemblyBuild): Promise<DeployedStack[]>;
  /** Destroys every stack `build` synthesizes. */
  destroy(build: AssemblyBuild): Promise<void>;
}

const silentIoHost: IIoHost = {
  notify: async () => undefined,
  requestResponse: async (msg) => msg.defaultResponse,
};

/**
 * Deploys and destroys apps on `cloud` through CloudFormation as nx-sst does (one toolkit-lib Toolkit, which
 * tells `ioHost` what it does; silent by default). Synthesis skips aws-cdk-lib's template validation during each
 * call, which costs ~20 s on a process's first synthesis and is checked by the unit specs anyway.
 */
export function cloudDeployer(cloud: LocalCloud, options: { ioHost?: IIoHost } = {}): CloudDeployer {
  const toolkit = new Toolkit({ ioHost: options.ioHost ?? silentIoHost });
  const stacks = { strategy: StackSelectionStrategy.ALL_STACKS };
  return {
    deploy: (build) =>
      withoutValidation(async () => {
        await ensureBootstrapped(cloud);
        return withCloudEnv(cloud, async () => {
          const result = await toolkit.deploy(await toolkit.fromAssemblyBuilder(async () => build()), {
            stacks,
          });
          return result.stacks;
        });
      }),
    destroy: (build) =>
      withoutValidation(() =>
        withCloudEnv(cloud, async () => {
          await toolkit.destroy(await toolkit.fromAssemblyBuilder(async () => build()), { stacks });
        }),
      ),
  };
}

/**
 * Deploys the stack `define` fills to `cloud` through CloudFormation, as {@link cloudDeployer} does; answers the
 * stack's outputs.
 */
export async function deployStack(
  cloud: LocalCloud,
  stackName: string,
  define: (stack: cdk.Stack) => void,
): Promise<Record<string, string>> {
  const [stack] = await cloudDeployer(cloud).deploy(() => {
    const app = new cdk.App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-cfn-out-')) });
    define(new cdk.Stack(app, stackName, { env: { account: cloud.accountId, region: cloud.region } }));
    return app.synth();
  });
  return stack.outputs as Record<string, string>;
}

async function withoutValidation<T>(run: () => Promise<T>): Promise<T> {
  const saved = process.env.CDK_VALIDATION;
  process.env.CDK_VALIDATION = 'false';
  try {
    return await run();
  } finally {
    if (saved === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = saved;
  }
}
