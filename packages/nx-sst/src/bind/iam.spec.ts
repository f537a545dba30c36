import * as fs from 'node:fs';
import * as path from 'node:path';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startLocalCloud } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { runCli } from '../test-utils/cli';
import { deploySampleToLocal, removeSampleWorkspace } from '../test-utils/local-stage';
import { sampleWorkspace } from '../test-utils/sample-workspace';

jest.setTimeout(900_000);

const root = sampleWorkspace();

afterAll(() => removeSampleWorkspace(root));

/** A command run by `bind` as the worker target: it may write the orders table, not the public bucket. */
const probe = (bucket: string) => `
const { DynamoDBClient, PutItemCommand } = require(${JSON.stringify(require.resolve('@aws-sdk/client-dynamodb'))});
const { S3Client, PutObjectCommand } = require(${JSON.stringify(require.resolve('@aws-sdk/client-s3'))});
const attempt = (p) => p.then(() => 'allowed', (e) => e.name);
(async () => {
  const table = await attempt(new DynamoDBClient({}).send(new PutItemCommand({
    TableName: process.env.SST_Table_tableName_orders, Item: { id: { S: '1' } } })));
  const bucket = await attempt(new S3Client({ forcePathStyle: true }).send(new PutObjectCommand({
    Bucket: ${JSON.stringify(bucket)}, Key: 'x', Body: 'x' })));
  console.log(JSON.stringify({ table, bucket, key: process.env.AWS_ACCESS_KEY_ID }));
})();`;

describe('bind with IAM enforced on the local cloud', () => {
  it('lets a target use what is bound to it and denies what is not', async () => {
    // The first start of a state directory fixes its settings: this cloud checks every request.
    const cloud = await startLocalCloud({ stateDir: localCloudDir(root), iam: true });
    await deploySampleToLocal(root, 'sk_iam');
    const ssm = new SSMClient({
      region: cloud.region,
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
    });
    const bucket = (
      await ssm.send(new GetParameterCommand({ Name: '/sst/shop/local/Bucket/public/bucketName' }))
    ).Parameter!.Value!;
    ssm.destroy();
    fs.writeFileSync(path.join(root, 'probe.js'), probe(bucket));

    const out = await runCli(root, ['bind', '--target', 'worker', '--', 'node', 'probe.js']);
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/as the role arn:aws:iam::\d+:role\/\S+ \(12 h\)/);
    const first = JSON.parse(out.stdout);
    expect(first).toEqual({ table: 'allowed', bucket: 'AccessDenied', key: expect.stringMatching(/^ASIA/) });

    // The next run reuses the role's session the local cloud issued, and IAM treats it the same.
    const again = await runCli(root, ['bind', '--target', 'worker', '--', 'node', 'probe.js']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(first);
  });
});
