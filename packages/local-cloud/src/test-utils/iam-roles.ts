import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { LocalCloud } from '../index';

export interface SessionKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/**
 * Creates role `name`, which the account may assume, allowed `action` on `resource` and nothing else (an inline
 * policy), and assumes it; answers the session's keys. `trustedToo` are principals its trust policy names before
 * the account's.
 */
export async function assumeRoleAllowedOnly(
  cloud: LocalCloud,
  role: {
    name: string;
    policyName: string;
    action: string;
    resource: string;
    trustedToo?: Record<string, string>[];
  },
): Promise<Required<SessionKeys>> {
  const iam = new IAMClient(cloud.clientConfig);
  const sts = new STSClient(cloud.clientConfig);
  try {
    const principals = [...(role.trustedToo ?? []), { AWS: `arn:aws:iam::${cloud.accountId}:root` }];
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: role.name,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: principals.map((Principal) => ({
            Effect: 'Allow',
            Principal,
            Action: 'sts:AssumeRole',
          })),
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: role.name,
        PolicyName: role.policyName,
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: role.action, Resource: role.resource }],
        }),
      }),
    );
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({ RoleArn: Role!.Arn, RoleSessionName: 'test' }),
    );
    return {
      accessKeyId: Credentials!.AccessKeyId!,
      secretAccessKey: Credentials!.SecretAccessKey!,
      sessionToken: Credentials!.SessionToken!,
    };
  } finally {
    iam.destroy();
    sts.destroy();
  }
}

/** A client configuration for `cloud` that signs with `keys` and does not retry: a denial is the answer. */
export function clientConfigAs(
  cloud: Pick<LocalCloud, 'endpoint' | 'region'>,
  keys: SessionKeys,
): { endpoint: string; region: string; credentials: SessionKeys; maxAttempts: number } {
  return { endpoint: cloud.endpoint, region: cloud.region, credentials: keys, maxAttempts: 1 };
}
