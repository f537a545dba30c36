import { CreateFunctionCommand, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { strToU8, zipSync } from 'fflate';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startTestCloud, type LocalCloud } from './index';
import { assumeRoleAllowedOnly, clientConfigAs } from './test-utils/iam-roles';
import { lambdaRole } from './test-utils/recording-functions';

jest.setTimeout(180_000);

describe('Invoke with IAM enforced (iam: true)', () => {
  let cloud: LocalCloud;
  let caller: LambdaClient;

  beforeAll(async () => {
    cloud = await startTestCloud({ iam: true });
    const fnRole = await lambdaRole(cloud, 'fn');
    const lambda = new LambdaClient(cloud.clientConfig);
    try {
      for (const name of ['allowed', 'other']) {
        await lambda.send(
          new CreateFunctionCommand({
            FunctionName: name,
            Runtime: 'nodejs22.x',
            Role: fnRole,
            Handler: 'index.handler',
            Code: {
              ZipFile: zipSync({ 'index.mjs': strToU8(`export const handler = async () => '${name}';`) }),
            },
          }),
        );
      }
    } finally {
      lambda.destroy();
    }
    const keys = await assumeRoleAllowedOnly(cloud, {
      name: 'invoker',
      policyName: 'invoke-one',
      action: 'lambda:InvokeFunction',
      resource: `arn:aws:lambda:${cloud.region}:${cloud.accountId}:function:allowed`,
    });
    caller = new LambdaClient(clientConfigAs(cloud, keys));
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
