/*
 * The local cloud with IAM enforced under the faults of issue "Hardening" (the rest is in
 * fault.spec.ts): each test is a reproduction run against the built daemon.
 */
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { startLocalCloud, startTestCloud, stopDaemon, type LocalCloud } from './index';
import { demoApp } from './test-utils/demo-app';
import { cloudDeployer } from './test-utils/deploy-stack';

jest.setTimeout(120_000);

describe('concurrent writes', () => {
  let cloud: LocalCloud;
  let roleArn: string;

  beforeAll(async () => {
    cloud = await startTestCloud({ iam: true });
    const iam = new IAMClient(cloud.clientConfig);
    try {
      const { Role } = await iam.send(
        new CreateRoleCommand({
          RoleName: 'worker',
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${cloud.accountId}:root` },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
        }),
      );
      roleArn = Role!.Arn!;
    } finally {
      iam.destroy();
    }
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('keeps every session issued by 8 concurrent AssumeRole calls × 20 rounds across a restart', async () => {
    const sts = new STSClient(cloud.clientConfig);
    const issued: { accessKeyId: string; secretAccessKey: string; sessionToken: string }[] = [];
    try {
      for (let round = 0; round < 20; round++) {
        const answers = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `r${round}-${i}` })),
          ),
        );
        for (const { Credentials: c } of answers) {
          issued.push({
            accessKeyId: c!.AccessKeyId!,
            secretAccessKey: c!.SecretAccessKey!,
            sessionToken: c!.SessionToken!,
          });
        }
      }
    } finally {
      sts.destroy();
    }
    expect(new Set(issued.map((c) => c.accessKeyId)).size).toBe(160);

    await stopDaemon(cloud.stateDir);
    const again = await startLocalCloud({ stateDir: cloud.stateDir });
    const lost: string[] = [];
    for (const credentials of issued) {
      const client = new STSClient({
        endpoint: again.endpoint,
        region: again.region,
        credentials,
        maxAttempts: 1,
      });
      try {
        await client.send(new GetCallerIdentityCommand({}));
      } catch (e) {
        lost.push(`${credentials.accessKeyId}: ${(e as Error).name}`);
      } finally {
        client.destroy();
      }
    }
    expect(lost).toEqual([]);
  });
});

describe('a deploy with IAM enforced', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startTestCloud({ iam: true });
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('runs as the CDK bootstrap roles, as on AWS, without a warning (AssumeRole of them failed with HTTP 500)', async () => {
    const messages: string[] = [];
    const deployer = cloudDeployer(cloud, {
      ioHost: {
        notify: async (msg) => void messages.push(`${msg.level} ${msg.message}`),
        requestResponse: async (msg) => msg.defaultResponse,
      },
    });
    const [stack] = await deployer.deploy(demoApp(cloud, { version: '1' }));
    expect(stack.outputs.Version).toBe('1');
    expect(messages.filter((m) => /^(warn|error) /.test(m))).toEqual([]);
    expect(messages).toContainEqual(
      expect.stringMatching(/STS\.AssumeRole\(.*cdk-hnb659fds-deploy-role.*\) -> OK/),
    );
  });
});
