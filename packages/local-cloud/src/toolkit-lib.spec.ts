import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, HeadBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { IIoHost } from '@aws-cdk/toolkit-lib';
import { ensureBootstrapped, startLocalCloud, startTestCloud, type LocalCloud } from './index';
import { isAlive, readJson, type DaemonInfo } from './state-dir';
import { demoApp, queueApp } from './test-utils/demo-app';
import { cloudDeployer, type AssemblyBuild, type CloudDeployer } from './test-utils/deploy-stack';

jest.setTimeout(300_000);

/** Keeps toolkit-lib's messages for the assertions and for a failing test's output. */
function recordingIoHost(): IIoHost & { messages: string[] } {
  const messages: string[] = [];
  return {
    messages,
    notify: async (msg) => void messages.push(`${msg.level} ${msg.code ?? ''} ${msg.message}`),
    requestResponse: async (msg) => msg.defaultResponse,
  };
}

describe('toolkit-lib against the local cloud', () => {
  let cloud: LocalCloud;
  let deployer: CloudDeployer;
  let io: ReturnType<typeof recordingIoHost>;
  let cfn: CloudFormationClient;
  let s3: S3Client;

  beforeAll(async () => {
    cloud = await startTestCloud();
    io = recordingIoHost();
    deployer = cloudDeployer(cloud, { ioHost: io });
    cfn = new CloudFormationClient(cloud.clientConfig);
    s3 = new S3Client({ ...cloud.clientConfig, forcePathStyle: true });
  });
  afterAll(async () => {
    cfn?.destroy();
    s3?.destroy();
    await cloud?.stop();
  });

  const deploy = async (build: AssemblyBuild) => (await deployer.deploy(build))[0];

  it('bootstraps once, with toolkit-lib`s own template', async () => {
    expect(await ensureBootstrapped(cloud)).toBeGreaterThanOrEqual(6);
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'CDKToolkit' }));
    expect(Stacks?.[0].StackStatus).toBe('CREATE_COMPLETE');
    expect(Stacks?.[0].Outputs?.map((o) => o.OutputKey)).toEqual(
      expect.arrayContaining(['BucketName', 'BootstrapVersion']),
    );
    // Already bootstrapped: nothing is deployed again.
    expect(await ensureBootstrapped(cloud)).toBeGreaterThanOrEqual(6);
  });

  it('deploys a stack through change sets and returns its Outputs', async () => {
    const stack = await deploy(demoApp(cloud, { version: '1' }));
    expect(stack.outputs).toEqual({
      BucketName: expect.stringMatching(/^demo-bucket/),
      TableName: expect.stringMatching(/^Demo-Table/),
      QueueUrl: expect.stringContaining('Demo-Queue'),
      TopicArn: expect.stringMatching(/^arn:aws:sns:us-east-1:000000000000:Demo-Topic/),
      FunctionName: expect.stringMatching(/^Demo-Fn/),
      Version: '1',
    });

    const lambda = new LambdaClient(cloud.clientConfig);
    const ssm = new SSMClient(cloud.clientConfig);
    try {
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: stack.outputs.FunctionName }));
      expect(fn.Configuration?.Environment?.Variables?.DEMO_VERSION).toBe('1');
      const param = await ssm.send(new GetParameterCommand({ Name: '/demo/Demo/bucket' }));
      expect(param.Parameter?.Value).toBe(stack.outputs.BucketName);
    } finally {
      lambda.destroy();
      ssm.destroy();
    }
    await s3.send(new PutObjectCommand({ Bucket: stack.outputs.BucketName, Key: 'a.txt', Body: 'hello' }));
    const got = await s3.send(new GetObjectCommand({ Bucket: stack.outputs.BucketName, Key: 'a.txt' }));
    expect(await got.Body?.transformToString()).toBe('hello');
  });

  it('comes back after SIGKILL of the daemon with every acknowledged write', async () => {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'Demo' }));
    const outputs = Object.fromEntries(Stacks![0].Outputs!.map((o) => [o.OutputKey, o.OutputValue]));
    const ssm = new SSMClient(cloud.clientConfig);
    const ddb = new DynamoDBClient(cloud.clientConfig);
    await ssm.send(new PutParameterCommand({ Name: '/demo/secret', Value: 's3cr3t', Type: 'SecureString' }));
    await ddb.send(
      new PutItemCommand({ TableName: outputs.TableName, Item: { pk: { S: 'k' }, v: { S: 'kept' } } }),
    );
    await s3.send(
      new PutObjectCommand({ Bucket: outputs.BucketName, Key: 'last.bin', Body: Buffer.from([0, 255, 1]) }),
    );
    ssm.destroy();
    ddb.destroy();

    const info = readJson<DaemonInfo>(path.join(cloud.stateDir, 'daemon.json'))!;
    process.kill(info.pid, 'SIGKILL');
    // moto goes with it (its wrapper watches the daemon through its stdin): no orphan.
    for (let i = 0; i < 200 && (isAlive(info.pid) || isAlive(info.motoPid)); i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(info.motoPid)).toBe(false);

    const again = await startLocalCloud({ stateDir: cloud.stateDir });
    expect(again.endpoint).toBe(cloud.endpoint);
    const described = await cfn.send(new DescribeStacksCommand({ StackName: 'Demo' }));
    expect(described.Stacks![0].StackStatus).toBe('CREATE_COMPLETE');
    expect(described.Stacks![0].StackId).toBe(Stacks![0].StackId);
    expect(described.Stacks![0].Outputs).toEqual(Stacks![0].Outputs);
    const ssm2 = new SSMClient(again.clientConfig);
    const ddb2 = new DynamoDBClient(again.clientConfig);
    try {
      const secret = await ssm2.send(new GetParameterCommand({ Name: '/demo/secret', WithDecryption: true }));
      expect(secret.Parameter?.Value).toBe('s3cr3t');
      const item = await ddb2.send(
        new GetItemCommand({ TableName: outputs.TableName, Key: { pk: { S: 'k' } } }),
      );
      expect(item.Item?.v.S).toBe('kept');
    } finally {
      ssm2.destroy();
      ddb2.destroy();
    }
    const first = await s3.send(new GetObjectCommand({ Bucket: outputs.BucketName, Key: 'a.txt' }));
    expect(await first.Body?.transformToString()).toBe('hello');
    const last = await s3.send(new GetObjectCommand({ Bucket: outputs.BucketName, Key: 'last.bin' }));
    expect(Buffer.from(await last.Body!.transformToByteArray())).toEqual(Buffer.from([0, 255, 1]));
  });

  it('updates the stack through a second change set, with fresh Outputs', async () => {
    const stack = await deploy(demoApp(cloud, { version: '2' }));
    expect(stack.outputs.Version).toBe('2');
    const lambda = new LambdaClient(cloud.clientConfig);
    try {
      const fn = await lambda.send(new GetFunctionCommand({ FunctionName: stack.outputs.FunctionName }));
      expect(fn.Configuration?.Environment?.Variables?.DEMO_VERSION).toBe('2');
    } finally {
      lambda.destroy();
    }
  });

  it('takes the no-change path when nothing changed', async () => {
    const stack = await deploy(demoApp(cloud, { version: '2' }));
    expect(stack.outputs.Version).toBe('2');
    expect(io.messages.some((m) => m.includes('No changes are to be performed on Demo'))).toBe(true);
  });

  it('rolls a create back when a resource type is forced to fail, and names the resource', async () => {
    await cloud.setFaults({ failResourceTypes: ['AWS::SQS::Queue'] });
    try {
      await expect(deploy(queueApp(cloud, 'Broken'))).rejects.toThrow(/WorkQueue/);
    } finally {
      await cloud.clearFaults();
    }
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'Broken' }));
    expect(Stacks?.[0].StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(Stacks?.[0].StackStatusReason).toContain('WorkQueue');
    // The next deploy replaces the rolled-back stack, as toolkit-lib does on AWS.
    const fixed = await deploy(queueApp(cloud, 'Broken'));
    expect(fixed.stackName).toBe('Broken');
  });

  it('rolls an update back when a new resource fails, keeping the stack as it was', async () => {
    await cloud.setFaults({ failResourceTypes: ['AWS::SNS::Topic'] });
    try {
      await expect(deploy(demoApp(cloud, { version: '3', extraTopic: true }))).rejects.toThrow(/ExtraTopic/);
    } finally {
      await cloud.clearFaults();
    }
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'Demo' }));
    expect(Stacks?.[0].StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(Stacks?.[0].Outputs?.find((o) => o.OutputKey === 'Version')?.OutputValue).toBe('2');
  });

  it('destroys the stacks, emptying the autoDeleteObjects bucket first', async () => {
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'Demo' }));
    const bucket = Stacks![0].Outputs!.find((o) => o.OutputKey === 'BucketName')!.OutputValue!;
    for (const build of [demoApp(cloud, { version: '2' }), queueApp(cloud, 'Broken')]) {
      await deployer.destroy(build);
    }
    await expect(s3.send(new HeadBucketCommand({ Bucket: bucket }))).rejects.toMatchObject({
      name: 'NotFound',
    });
    await expect(cfn.send(new DescribeStacksCommand({ StackName: 'Demo' }))).rejects.toThrow(
      'does not exist',
    );
  });
});

// Keep temp dirs of synthesized apps from piling up across runs.
afterAll(() => {
  for (const entry of fs.readdirSync(os.tmpdir())) {
    if (/^nx-sst-(demo|queue)-/.test(entry))
      fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
  }
});
