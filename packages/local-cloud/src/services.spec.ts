import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketCorsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { startTestCloud, type LocalCloud } from './index';
import { unsignedRequest } from './test-utils/unsigned-request';

jest.setTimeout(120_000);

describe('AWS services through the local cloud, with the real SDK v3 clients', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('STS: assumes a role and calls with the returned credentials', async () => {
    const iam = new IAMClient(cloud.clientConfig);
    const sts = new STSClient(cloud.clientConfig);
    try {
      const { Role } = await iam.send(
        new CreateRoleCommand({
          RoleName: 'app-role',
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
      const { Credentials } = await sts.send(
        new AssumeRoleCommand({ RoleArn: Role!.Arn, RoleSessionName: 'dev' }),
      );
      expect(Credentials?.AccessKeyId).toMatch(/^ASIA/);
      const asRole = new STSClient({
        endpoint: cloud.endpoint,
        region: cloud.region,
        credentials: {
          accessKeyId: Credentials!.AccessKeyId!,
          secretAccessKey: Credentials!.SecretAccessKey!,
          sessionToken: Credentials!.SessionToken!,
        },
      });
      const identity = await asRole.send(new GetCallerIdentityCommand({}));
      asRole.destroy();
      expect(identity.Arn).toBe(`arn:aws:sts::${cloud.accountId}:assumed-role/app-role/dev`);
      expect(identity.Account).toBe(cloud.accountId);
    } finally {
      iam.destroy();
      sts.destroy();
    }
  });

  describe('S3', () => {
    let s3: S3Client;
    beforeAll(async () => {
      s3 = new S3Client(cloud.clientConfig);
      await s3.send(new CreateBucketCommand({ Bucket: 'uploads' }));
    });
    afterAll(() => s3.destroy());

    it('puts and gets objects, binary-safe', async () => {
      const bytes = Buffer.from([0, 1, 2, 250, 255, 10, 13]);
      await s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: 'bin/a.dat', Body: bytes }));
      const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'bin/a.dat' }));
      expect(Buffer.from(await got.Body!.transformToByteArray())).toEqual(bytes);
      expect(got.ContentLength).toBe(bytes.length);
    });

    it('accepts a browser upload to a presigned URL from a local page (CORS, as the bucket`s rules say)', async () => {
      await s3.send(
        new PutBucketCorsCommand({
          Bucket: 'uploads',
          CORSConfiguration: {
            CORSRules: [
              {
                AllowedOrigins: ['http://localhost:4200'],
                AllowedMethods: ['PUT', 'GET'],
                AllowedHeaders: ['*'],
                ExposeHeaders: ['ETag'],
              },
            ],
          },
        }),
      );
      const url = await getSignedUrl(
        s3,
        new PutObjectCommand({ Bucket: 'uploads', Key: 'from-browser.txt' }),
        {
          expiresIn: 300,
        },
      );
      const origin = 'http://localhost:4200';
      const preflight = await unsignedRequest(url, 'OPTIONS', {
        Origin: origin,
        'Access-Control-Request-Method': 'PUT',
        'Access-Control-Request-Headers': 'content-type',
      });
      expect(preflight.status).toBe(200);
      expect(preflight.headers['access-control-allow-origin']).toBe(origin);
      expect(preflight.headers['access-control-allow-methods']).toContain('PUT');
      expect(preflight.headers['access-control-allow-headers']).toContain('content-type');

      const put = await unsignedRequest(
        url,
        'PUT',
        { Origin: origin, 'Content-Type': 'text/plain' },
        'uploaded',
      );
      expect(put.status).toBe(200);
      expect(put.headers['access-control-allow-origin']).toBe(origin);
      // The page can read the ETag (multipart uploads need it).
      expect(put.headers['access-control-expose-headers']).toContain('ETag');
      expect(put.headers.etag).toBeDefined();

      const got = await s3.send(new GetObjectCommand({ Bucket: 'uploads', Key: 'from-browser.txt' }));
      expect(await got.Body!.transformToString()).toBe('uploaded');

      // An origin or a method the rules do not name is refused, and its page can read nothing.
      const foreign = await unsignedRequest(url, 'OPTIONS', {
        Origin: 'http://localhost.evil.example',
        'Access-Control-Request-Method': 'PUT',
      });
      expect(foreign.status).toBe(403);
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
      const deleting = await unsignedRequest(url, 'OPTIONS', {
        Origin: origin,
        'Access-Control-Request-Method': 'DELETE',
      });
      expect(deleting.status).toBe(403);
    });
  });

  it('DynamoDB: writes, reads and queries items', async () => {
    const ddb = new DynamoDBClient(cloud.clientConfig);
    try {
      await ddb.send(
        new CreateTableCommand({
          TableName: 'notes',
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'N' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      );
      for (let i = 0; i < 3; i++) {
        await ddb.send(
          new PutItemCommand({
            TableName: 'notes',
            Item: { pk: { S: 'u1' }, sk: { N: String(i) }, text: { S: `n${i}` } },
          }),
        );
      }
      const { Item } = await ddb.send(
        new GetItemCommand({ TableName: 'notes', Key: { pk: { S: 'u1' }, sk: { N: '1' } } }),
      );
      expect(Item?.text.S).toBe('n1');
      const { Items } = await ddb.send(
        new QueryCommand({
          TableName: 'notes',
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: 'u1' } },
          ScanIndexForward: false,
        }),
      );
      expect(Items?.map((i) => i.text.S)).toEqual(['n2', 'n1', 'n0']);
    } finally {
      ddb.destroy();
    }
  });

  it('SQS: sends, receives and deletes messages', async () => {
    const sqs = new SQSClient(cloud.clientConfig);
    try {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'jobs' }));
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: JSON.stringify({ job: 1 }) }));
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      expect(Messages?.map((m) => JSON.parse(m.Body!))).toEqual([{ job: 1 }]);
      await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: Messages![0].ReceiptHandle }));
      const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
      expect(again.Messages ?? []).toEqual([]);
    } finally {
      sqs.destroy();
    }
  });

  it('answers an operation moto lacks at once, in the service`s format', async () => {
    const cloudtrail = new CloudTrailClient(cloud.clientConfig);
    try {
      await expect(cloudtrail.send(new LookupEventsCommand({ MaxResults: 5 }))).rejects.toMatchObject({
        name: 'UnknownOperationException',
        message: expect.stringContaining('cloudtrail:LookupEvents'),
        $metadata: { attempts: 1 },
      });
    } finally {
      cloudtrail.destroy();
    }
  });
});
