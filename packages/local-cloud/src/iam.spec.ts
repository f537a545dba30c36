import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ensureBootstrapped, startLocalCloud, startTestCloud, stopDaemon, type LocalCloud } from './index';
import { assumeRoleAllowedOnly, clientConfigAs, type SessionKeys } from './test-utils/iam-roles';

jest.setTimeout(180_000);

describe('IAM enforcement (iam: true)', () => {
  let cloud: LocalCloud;
  let roleCredentials: SessionKeys;

  beforeAll(async () => {
    cloud = await startTestCloud({ iam: true });
    const ssm = new SSMClient(cloud.clientConfig);
    try {
      await ssm.send(new PutParameterCommand({ Name: '/app/allowed', Value: 'yes', Type: 'String' }));
      await ssm.send(new PutParameterCommand({ Name: '/app/other', Value: 'no', Type: 'String' }));
    } finally {
      ssm.destroy();
    }
    roleCredentials = await assumeRoleAllowedOnly(cloud, {
      name: 'reader',
      policyName: 'read-one',
      action: 'ssm:GetParameter',
      resource: `arn:aws:ssm:${cloud.region}:${cloud.accountId}:parameter/app/allowed`,
      // As a Lambda role that nx-sst bind assumes: the service statement must not spoil the
      // account's (moto fails the whole AssumeRole on it without the local cloud's patch).
      trustedToo: [{ Service: 'lambda.amazonaws.com' }],
    });
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  const asRole = () => new SSMClient(clientConfigAs(cloud, roleCredentials));

  it('hands out an administrator`s keys that work', async () => {
    expect(cloud.iam).toBe(true);
    expect(cloud.env.AWS_ACCESS_KEY_ID).toBe(cloud.credentials.accessKeyId);
    const ssm = new SSMClient(cloud.clientConfig);
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: '/app/other' }));
    ssm.destroy();
    expect(Parameter?.Value).toBe('no');
  });

  it('allows an assumed role what its policies allow', async () => {
    const ssm = asRole();
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: '/app/allowed' }));
    ssm.destroy();
    expect(Parameter?.Value).toBe('yes');
  });

  it('denies an assumed role anything else', async () => {
    const ssm = asRole();
    try {
      await expect(ssm.send(new GetParameterCommand({ Name: '/app/other' }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
      await expect(
        ssm.send(
          new PutParameterCommand({
            Name: '/app/allowed',
            Value: 'changed',
            Overwrite: true,
            Type: 'String',
          }),
        ),
      ).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
    } finally {
      ssm.destroy();
    }
  });

  it('rejects keys it never issued', async () => {
    const ssm = new SSMClient(
      clientConfigAs(cloud, { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' }),
    );
    await expect(ssm.send(new GetParameterCommand({ Name: '/app/allowed' }))).rejects.toMatchObject({
      name: 'UnrecognizedClientException',
    });
    ssm.destroy();
  });

  it('lets the account assume the CDK bootstrap roles (their trust policies hold Fn::If / AWS::NoValue)', async () => {
    await ensureBootstrapped(cloud);
    const iam = new IAMClient(cloud.clientConfig);
    const sts = new STSClient({ ...cloud.clientConfig, maxAttempts: 1 });
    try {
      const roles = (await iam.send(new ListRolesCommand({}))).Roles!.filter((r) =>
        /^cdk-hnb659fds-(deploy|file-publishing|image-publishing|lookup)-role-/.test(r.RoleName!),
      );
      expect(roles).toHaveLength(4);
      for (const role of roles) {
        // CloudFormation's AWS::NoValue leaves no `null` statement behind (it failed AssumeRole: HTTP 500).
        const document = JSON.parse(decodeURIComponent(role.AssumeRolePolicyDocument!));
        expect(document.Statement.every((s: unknown) => s !== null)).toBe(true);
        const { Credentials } = await sts.send(
          new AssumeRoleCommand({ RoleArn: role.Arn!, RoleSessionName: 'cdk' }),
        );
        expect(Credentials?.AccessKeyId).toMatch(/^ASIA/);
      }
    } finally {
      iam.destroy();
      sts.destroy();
    }
  });

  it('keeps the keys, the roles and the denials across a restart', async () => {
    // Only the daemon: the state directory stays (afterAll's cloud.stop() removes it).
    await stopDaemon(cloud.stateDir);
    const again = await startLocalCloud({ stateDir: cloud.stateDir });
    expect(again.credentials).toEqual(cloud.credentials);
    const admin = new SSMClient(again.clientConfig);
    const { Parameter } = await admin.send(new GetParameterCommand({ Name: '/app/other' }));
    admin.destroy();
    expect(Parameter?.Value).toBe('no');
    const role = new SSMClient(clientConfigAs(again, roleCredentials));
    await expect(role.send(new GetParameterCommand({ Name: '/app/allowed' }))).resolves.toBeDefined();
    await expect(
      role.send(
        new PutParameterCommand({ Name: '/app/allowed', Value: 'x', Overwrite: true, Type: 'String' }),
      ),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    role.destroy();
  });
});
