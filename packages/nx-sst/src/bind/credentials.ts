import type { StageCloud } from '../core/cloud';
import type { BindAws } from './ssm-reader';

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
 * 12 h, then 1 h, then the caller's own credentials — saying which in `source`. Undefined
 * `accessKeyId` means "keep the caller's credentials" (an AWS stage without a usable role).
 */
export async function assumeTargetRole(opts: {
  aws: BindAws;
  cloud: StageCloud;
  roleArn?: string | null;
  durations?: number[];
  sessionName?: string;
}): Promise<RoleCredentials | undefined> {
  const local = opts.cloud.clientConfig.credentials;
  const own = local ? { ...local, source: 'the local cloud credentials' } : undefined;
  if (!opts.roleArn) return own && { ...own, source: 'the local cloud credentials (no role is bound)' };
  const errors: string[] = [];
  for (const duration of opts.durations ?? ROLE_DURATIONS) {
    try {
      const c = await opts.aws.assumeRole(opts.roleArn, duration, opts.sessionName ?? 'nx-sst-bind');
      return {
        ...c,
        source: `the role ${opts.roleArn} (${duration >= 3600 ? `${duration / 3600} h` : `${duration} s`})`,
      };
    } catch (error) {
      errors.push(`${(error as Error).name}: ${(error as Error).message}`);
      // Only a too-long duration is worth another try; anything else (access denied) is final.
      if (!/DurationSeconds|duration/i.test((error as Error).message)) break;
    }
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
