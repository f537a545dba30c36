import { CreateRoleCommand, IAMClient, ListRolesCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { ensureBootstrapped, startLocalCloud, startTestCloud, stopDaemon, type LocalCloud } from './index';

jest.setTimeout(180_000);

describe('IAM enforcement (iam: true)', () => {
  let cloud: LocalCloud;
  let roleCredentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };

  beforeAll(async () => {
    cloud = await startTestCloud({ iam: true });
    const iam = new IAMClient(cloud.clientConfig);
    const sts = new STSClient(cloud.clientConfig);
    const ssm = new SSMClient(cloud.clientConfig);
    try {
      await ssm.send(new PutParameterCommand({ Name: '/app/allowed', Value: 'yes', Type: 'String' }));
      await ssm.send(new PutParameterCommand({ Name: '/app/other', Value: 'no', Type: 'String' }));
      const { Role } = await iam.send(
        new CreateRoleCommand({
          RoleName: 'reader',
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            // As a Lambda role that nx-sst bind assumes: the service statement must not spoil the
            // account's (moto fails the whole AssumeRole on it without the local cloud's patch).
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
              {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${cloud.accountId}:root` },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
        }),
      );
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: 'reader',
          PolicyName: 'read-one',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'ssm:GetParameter',
                Resource: `arn:aws:ssm:${cloud.region}:${cloud.accountId}:parameter/app/allowed`,
              },
            ],
          }),
        }),
      );
      const { Credentials } = await sts.send(
        new AssumeRoleCommand({ RoleArn: Role!.Arn, RoleSessionName: 'test' }),
      );
      roleCredentials = {
        accessKeyId: Credentials!.AccessKeyId!,
        secretAccessKey: Credentials!.SecretAccessKey!,
        sessionToken: Credentials!.SessionToken!,
      };
    } finally {
      iam.destroy();
      sts.destroy();
      ssm.destroy();
    }
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  const asRole = () =>
    new SSMClient({
      endpoint: cloud.endpoint,
      region: cloud.region,
      credentials: roleCredentials,
      maxAttempts: 1,
    });

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
    const ssm = new SSMClient({
      endpoint: cloud.endpoint,
      region: cloud.region,
      credentials: { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x' },
      maxAttempts: 1,
    });
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
    const role = new SSMClient({
      endpoint: again.endpoint,
      region: again.region,
      credentials: roleCredentials,
      maxAttempts: 1,
    });
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
