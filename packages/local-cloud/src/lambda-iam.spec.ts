import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { strToU8, zipSync } from 'fflate';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestCloud, type LocalCloud } from './index';

jest.setTimeout(180_000);

describe('Invoke with IAM enforced (iam: true)', () => {
  let cloud: LocalCloud;
  let caller: LambdaClient;

  beforeAll(async () => {
    cloud = await startTestCloud({ iam: true });
    const iam = new IAMClient(cloud.clientConfig);
    const sts = new STSClient(cloud.clientConfig);
    const lambda = new LambdaClient(cloud.clientConfig);
    try {
      const trust = (principal: Record<string, string>) =>
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
        });
      const { Role: fnRole } = await iam.send(
        new CreateRoleCommand({
          RoleName: 'fn',
          AssumeRolePolicyDocument: trust({ Service: 'lambda.amazonaws.com' }),
        }),
      );
      for (const name of ['allowed', 'other']) {
        await lambda.send(
          new CreateFunctionCommand({
            FunctionName: name,
            Runtime: 'nodejs22.x',
            Role: fnRole!.Arn!,
            Handler: 'index.handler',
            Code: {
              ZipFile: zipSync({ 'index.mjs': strToU8(`export const handler = async () => '${name}';`) }),
            },
          }),
        );
      }
      const { Role } = await iam.send(
        new CreateRoleCommand({
          RoleName: 'invoker',
          AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${cloud.accountId}:root` }),
        }),
      );
      await iam.send(
        new PutRolePolicyCommand({
          RoleName: 'invoker',
          PolicyName: 'invoke-one',
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'lambda:InvokeFunction',
                Resource: `arn:aws:lambda:${cloud.region}:${cloud.accountId}:function:allowed`,
              },
            ],
          }),
        }),
      );
      const { Credentials } = await sts.send(
        new AssumeRoleCommand({ RoleArn: Role!.Arn, RoleSessionName: 'test' }),
      );
      caller = new LambdaClient({
        endpoint: cloud.endpoint,
        region: cloud.region,
        maxAttempts: 1,
        credentials: {
          accessKeyId: Credentials!.AccessKeyId!,
          secretAccessKey: Credentials!.SecretAccessKey!,
          sessionToken: Credentials!.SessionToken!,
        },
      });
    } finally {
      iam.destroy();
      sts.destroy();
      lambda.destroy();
    }
  });
  afterAll(async () => {
    caller?.destroy();
    await cloud?.stop();
  });

  it('runs the function the caller may invoke (lambda:InvokeFunction on its ARN)', async () => {
    const { StatusCode, Payload } = await caller.send(new InvokeCommand({ FunctionName: 'allowed' }));
    expect(StatusCode).toBe(200);
    expect(JSON.parse(Buffer.from(Payload!).toString())).toBe('allowed');
  });

  it('answers AccessDeniedException for another function, for every invocation type, and runs nothing', async () => {
    for (const InvocationType of ['RequestResponse', 'Event', 'DryRun'] as const) {
      await expect(
        caller.send(new InvokeCommand({ FunctionName: 'other', InvocationType })),
      ).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining('lambda:InvokeFunction'),
        $metadata: { httpStatusCode: 403 },
      });
    }
    expect(fs.existsSync(path.join(cloud.stateDir, 'functions', 'logs', 'other.log'))).toBe(false);
    // Denied before the function is looked up, as on AWS.
    await expect(caller.send(new InvokeCommand({ FunctionName: 'missing' }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
  });

  it('the administrator may invoke any function', async () => {
    const admin = new LambdaClient(cloud.clientConfig);
    try {
      const { StatusCode } = await admin.send(new InvokeCommand({ FunctionName: 'other' }));
      expect(StatusCode).toBe(200);
    } finally {
      admin.destroy();
    }
  });
});
