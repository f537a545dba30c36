import type { StageCloud } from '../core/cloud';

export interface RoleCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
  /** What the child runs as, for the banner. */
  source: string;
}

/** 12 h like SST v2, then 1 h (the cap for chained roles and for roles with a 1 h maximum). */
export const ROLE_DURATIONS = [43_200, 3_600];

/**
 * Assumes the target's role so the command gets exactly the permissions deployed code gets:
 * 12 h, then 1 h, then the caller's own credentials — saying which in `source`.
 */
export async function assumeTargetRole(opts: {
  cloud: StageCloud;
  roleArn?: string | null;
  durations?: number[];
  sessionName?: string;
}): Promise<RoleCredentials | undefined> {
  const local = opts.cloud.clientConfig.credentials;
  const own = local ? { ...local, source: 'the local cloud credentials' } : undefined;
  if (!opts.roleArn) return own && { ...own, source: 'the local cloud credentials (no role is bound)' };
  const { STSClient, AssumeRoleCommand } =
    require('@aws-sdk/client-sts') as typeof import('@aws-sdk/client-sts');
  const sts = new STSClient({
    ...opts.cloud.clientConfig,
    region: opts.cloud.clientConfig.region ?? 'us-east-1',
  });
  const errors: string[] = [];
  try {
    for (const DurationSeconds of opts.durations ?? ROLE_DURATIONS) {
      try {
        const out = await sts.send(
          new AssumeRoleCommand({
            RoleArn: opts.roleArn,
            RoleSessionName: opts.sessionName ?? 'nx-sst-bind',
            DurationSeconds,
          }),
        );
        const c = out.Credentials!;
        return {
          accessKeyId: c.AccessKeyId!,
          secretAccessKey: c.SecretAccessKey!,
          sessionToken: c.SessionToken,
          expiration: c.Expiration,
          source: `the role ${opts.roleArn} (${DurationSeconds >= 3600 ? `${DurationSeconds / 3600} h` : `${DurationSeconds} s`})`,
        };
      } catch (error) {
        errors.push(`${(error as Error).name}: ${(error as Error).message}`);
        // Only a too-long duration is worth another try; anything else (access denied) is final.
        if (!/DurationSeconds|duration/i.test((error as Error).message)) break;
      }
    }
  } finally {
    sts.destroy();
  }
  const reason = errors[errors.length - 1];
  if (own)
    return { ...own, source: `the local cloud credentials (cannot assume ${opts.roleArn}: ${reason})` };
  return {
    accessKeyId: '',
    secretAccessKey: '',
    source: `your own AWS credentials (cannot assume ${opts.roleArn}: ${reason})`,
  };
}
