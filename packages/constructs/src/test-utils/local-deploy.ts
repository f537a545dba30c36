import { CloudFormationClient, paginateListStackResources } from '@aws-sdk/client-cloudformation';
import { StackSelectionStrategy, Toolkit } from '@aws-cdk/toolkit-lib';
import { ensureBootstrapped, startTestCloud, withCloudEnv, type LocalCloud } from '@nx-sst/local-cloud';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';

/** toolkit-lib without its output, answering every question with its default. */
const silentIo = {
  notify: async () => undefined,
  requestResponse: async <T>(msg: { defaultResponse: T }) => msg.defaultResponse,
};

/** A fresh, bootstrapped local cloud that the deploy specs deploy synthesized apps to with toolkit-lib. */
export interface DeployTarget {
  cloud: LocalCloud;
  /** Deploys the stacks of `assembly` whose ids match `patterns` (every stack without). */
  deploy(assembly: CloudAssembly, patterns?: string[]): Promise<void>;
  destroy(assembly: CloudAssembly, patterns: string[]): Promise<void>;
  /** `"{type} {logical id}"` → physical id of every resource of the stacks (paged: a stack may have 100+). */
  physicalIds(stackNames: string[]): Promise<Record<string, string>>;
  /** Stops the cloud (its state is deleted) and restores CDK_VALIDATION. */
  stop(): Promise<void>;
}

const selection = (patterns?: string[]) =>
  patterns
    ? { strategy: StackSelectionStrategy.PATTERN_MUST_MATCH, patterns }
    : { strategy: StackSelectionStrategy.ALL_STACKS };

/**
 * Starts the target. Synthesis skips aws-cdk-lib's template validation meanwhile, which costs ~20 s on a
 * process's first synthesis and is checked by the unit specs anyway.
 */
export async function startDeployTarget(): Promise<DeployTarget> {
  const savedValidation = process.env.CDK_VALIDATION;
  const restore = () => {
    if (savedValidation === undefined) delete process.env.CDK_VALIDATION;
    else process.env.CDK_VALIDATION = savedValidation;
  };
  process.env.CDK_VALIDATION = 'false';
  let cloud: LocalCloud | undefined;
  try {
    cloud = await startTestCloud();
    await ensureBootstrapped(cloud);
  } catch (error) {
    await cloud?.stop();
    restore();
    throw error;
  }
  const started = cloud;
  const toolkit = new Toolkit({ ioHost: silentIo });
  return {
    cloud: started,
    deploy: (assembly, patterns) =>
      withCloudEnv(started, async () => {
        const source = await toolkit.fromAssemblyBuilder(async () => assembly);
        await toolkit.deploy(source, { stacks: selection(patterns) });
      }),
    destroy: (assembly, patterns) =>
      withCloudEnv(started, async () => {
        const source = await toolkit.fromAssemblyBuilder(async () => assembly);
        await toolkit.destroy(source, { stacks: selection(patterns) });
      }),
    physicalIds: async (stackNames) => {
      const cfn = new CloudFormationClient(started.clientConfig);
      const physical: Record<string, string> = {};
      try {
        for (const StackName of stackNames) {
          for await (const page of paginateListStackResources({ client: cfn }, { StackName })) {
            for (const r of page.StackResourceSummaries ?? []) {
              physical[`${r.ResourceType} ${r.LogicalResourceId}`] = r.PhysicalResourceId!;
            }
          }
        }
      } finally {
        cfn.destroy();
      }
      return physical;
    },
    stop: async () => {
      try {
        await started.stop();
      } finally {
        restore();
      }
    },
  };
}
