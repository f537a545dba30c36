import * as path from 'node:path';
import { NxSstError } from './errors';

/** The stage that runs on the workspace's local cloud instead of AWS. */
export const LOCAL_STAGE = 'local';

/** Where a stage's resources live and how SDK clients and child processes reach them. */
export interface StageCloud {
  local: boolean;
  region: string;
  /** Known up front for the local cloud; on AWS ask `accountOf()`. */
  accountId?: string;
  /** `AWS_*` variables a child process needs to reach the cloud (endpoint and credentials on `local`). */
  env: Record<string, string>;
  /** Options for every `@aws-sdk` client of the engine. */
  clientConfig: {
    region?: string;
    endpoint?: string;
    credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    /** The profile of the standard chain to use (from `config()`). */
    profile?: string;
  };
  /** The local cloud's endpoint, for messages. */
  endpoint?: string;
  /**
   * Joined without the local cloud's health check (`warm`): a connection error or an answer that is
   * not the cloud's means connecting again without `warm`.
   */
  unchecked?: boolean;
  /** The local cloud's daemon (endpoint and start): what it issued is valid while this stays the same. */
  instance?: string;
}

/** State directory of the workspace's local cloud (gitignored with the rest of `.sst/`). */
export function localCloudDir(workspaceRoot: string): string {
  return path.join(workspaceRoot, '.sst', 'local-cloud');
}

/**
 * Connects to the cloud of a stage: `local` starts (or joins) the workspace's local cloud; any
 * other stage uses AWS with the standard credential chain and region resolution.
 */
export async function connectStage(opts: {
  workspaceRoot: string;
  stage: string;
  region?: string;
  /** `profile` from `config()`: used unless static keys are set in the environment (as SST v2). */
  profile?: string;
  env?: NodeJS.ProcessEnv;
  /** Join a running local cloud without its health check (see `StageCloud.unchecked`). */
  warm?: boolean;
}): Promise<StageCloud> {
  if (opts.stage !== LOCAL_STAGE) {
    const env = opts.env ?? process.env;
    const profile = env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY ? undefined : opts.profile;
    const region = opts.region ?? (await chainRegion(profile));
    await checkCredentials(opts.stage, region, profile);
    return {
      local: false,
      region,
      env: {
        ...(region ? { AWS_REGION: region, AWS_DEFAULT_REGION: region } : {}),
        ...(profile ? { AWS_PROFILE: profile } : {}),
      },
      clientConfig: { region, ...(profile ? { profile } : {}) },
    };
  }
  const { startLocalCloud, joinRunningLocalCloud } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: AWS stages never load the local cloud's client (~7 ms)
    require('@nx-sst/local-cloud') as typeof import('@nx-sst/local-cloud');
  const stateDir = localCloudDir(opts.workspaceRoot);
  const joined = opts.warm ? joinRunningLocalCloud(stateDir) : undefined;
  const cloud = joined ?? (await startLocalCloud({ stateDir }));
  return {
    local: true,
    ...(joined ? { unchecked: true } : {}),
    region: cloud.region,
    accountId: cloud.accountId,
    env: { ...cloud.env },
    endpoint: cloud.endpoint,
    instance: `${cloud.endpoint}@${cloud.startedAt}`,
    clientConfig: { region: cloud.region, endpoint: cloud.endpoint, credentials: cloud.credentials },
  };
}

/** The region the standard chain gives (AWS_REGION, the profile's config), as any SDK client resolves it. */
async function chainRegion(profile: string | undefined): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the local stage (bind's usual one) never loads the SDK (~40 ms)
  const { STSClient } = require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
  const client = new STSClient(profile ? { profile } : {});
  try {
    return await client.config.region();
  } catch {
    throw new NxSstError(
      'No AWS region is set.',
      'Return { region } from config() in sst.config.ts, or set AWS_REGION.',
    );
  } finally {
    client.destroy();
  }
}

/**
 * Resolves the standard credential chain once, locally (no AWS call), so a missing login fails
 * here with what to do rather than deep inside the first SDK call.
 */
async function checkCredentials(
  stage: string,
  region: string | undefined,
  profile: string | undefined,
): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the local stage never loads the SDK (~40 ms)
  const { STSClient } = require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
  const client = new STSClient({ region: region ?? 'us-east-1', ...(profile ? { profile } : {}) });
  try {
    await client.config.credentials();
  } catch (error) {
    throw new NxSstError(
      `No AWS credentials for the stage "${stage}"${profile ? ` with the profile "${profile}" (from config())` : ''} (${(error as Error).message.split('\n')[0]}).`,
      'Sign in (e.g. `aws sso login --profile X` and AWS_PROFILE=X), set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or use the offline stage: --stage local.',
    );
  } finally {
    client.destroy();
  }
}

/**
 * The account of the caller, which also proves there are credentials at all: the one place a
 * non-local command without credentials fails, with a message that says what to do.
 */
export async function accountOf(cloud: StageCloud, stage: string): Promise<string> {
  if (cloud.accountId) return cloud.accountId;
  const { STSClient, GetCallerIdentityCommand } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the local stage never loads the SDK (~40 ms)
    require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
  const sts = new STSClient({ ...cloud.clientConfig, region: cloud.clientConfig.region ?? 'us-east-1' });
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    cloud.accountId = identity.Account!;
    return cloud.accountId;
  } catch (error) {
    const e = error as Error;
    const noCredentials = e.name === 'CredentialsProviderError' || /credential/i.test(e.message);
    throw new NxSstError(
      noCredentials
        ? `No AWS credentials for the stage "${stage}" (${e.message}).`
        : `Cannot reach AWS for the stage "${stage}": ${e.name}: ${e.message}`,
      noCredentials
        ? 'Sign in (e.g. `aws sso login --profile X` and AWS_PROFILE=X), set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or use the offline stage: --stage local.'
        : 'Check your network and AWS_REGION, or use the offline stage: --stage local.',
    );
  } finally {
    sts.destroy();
  }
}
