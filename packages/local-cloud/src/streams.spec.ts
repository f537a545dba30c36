import { CreateEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  PutRecordCommand,
} from '@aws-sdk/client-kinesis';
import { retryFrom, type ShardRecord } from './daemon/lambda/streams';
import * as cdk from 'aws-cdk-lib';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { startLocalCloud, startTestCloud, stopDaemon, type LocalCloud } from './index';
import {
  deployNodeFunction,
  parametersUnder,
  startRecordingCloud,
  until,
} from './test-utils/recording-functions';
import { deployStack, nodeCode } from './test-utils/deploy-stack';

jest.setTimeout(180_000);

const CONSUMER = `
import { SSMClient, PutParameterCommand } from '@aws-sdk/client-ssm';
const ssm = new SSMClient({});
const put = (name, value) => ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: false }));
export const changes = async (event) => {
  for (const r of event.Records) await put('/changes/' + r.dynamodb.SequenceNumber, JSON.stringify(r));
};
export const records = async (event) => {
  await put('/batches/' + event.Records[0].kinesis.sequenceNumber, String(event.Records.length));
  for (const r of event.Records) await put('/records/' + Buffer.from(r.kinesis.data, 'base64').toString(), JSON.stringify(r));
};
export const kept = async (event) => {
  for (const r of event.Records) {
    const key = r.dynamodb ? r.eventName + '-' + r.dynamodb.Keys.pk.S : JSON.parse(Buffer.from(r.kinesis.data, 'base64').toString()).id;
    await put('/kept/' + key, 'ok');
  }
};
export const reporting = async (event) => {
  const batchItemFailures = [];
  for (const r of event.Records) {
    const data = Buffer.from(r.kinesis.data, 'base64').toString();
    if (data.startsWith('bad')) batchItemFailures.push({ itemIdentifier: r.kinesis.sequenceNumber });
    else await ssm.send(new PutParameterCommand({ Name: '/reported/' + data, Value: 'ok', Type: 'String', Overwrite: true }));
  }
  return { batchItemFailures };
};
export const poisoned = async (event) => {
  for (const r of event.Records) {
    const data = Buffer.from(r.kinesis.data, 'base64').toString();
    if (data.startsWith('bad')) throw new Error('poisoned record ' + data);
    // Runs again when its batch is retried.
    await ssm.send(new PutParameterCommand({ Name: '/survived/' + data, Value: 'ok', Type: 'String', Overwrite: true }));
  }
};
`;

/** What a consumer wrote down, read back field by field. */
type Deep = Record<string, Record<string, unknown>>;

describe('retryFrom (ReportBatchItemFailures of a stream batch)', () => {
  const batch = ['1', '2', '3'].map((sequenceNumber) => ({ sequenceNumber, arrival: 0 }) as ShardRecord);
  it('goes on from the lowest failed sequence number', () => {
    expect(
      retryFrom(
        JSON.stringify({ batchItemFailures: [{ itemIdentifier: '3' }, { itemIdentifier: '2' }] }),
        batch,
      ),
    ).toEqual(batch.slice(1));
  });
  it('an empty list, null or no list is success; a foreign id or another shape fails the batch', () => {
    expect(retryFrom(JSON.stringify({ batchItemFailures: [] }), batch)).toEqual([]);
    expect(retryFrom('null', batch)).toEqual([]);
    expect(retryFrom('{}', batch)).toEqual([]);
    expect(retryFrom(JSON.stringify({ batchItemFailures: [{ itemIdentifier: '9' }] }), batch)).toEqual(batch);
    expect(retryFrom('"x"', batch)).toEqual(batch);
    expect(retryFrom('not json', batch)).toEqual(batch);
  });
});

describe('stream event source mappings: the local cloud reads the shards and runs the consumer', () => {
  let cloud: LocalCloud;
  let lambda: LambdaClient;
  let ssm: SSMClient;
  let ddb: DynamoDBClient;
  let kinesis: KinesisClient;
  let sqs: SQSClient;
  let roleArn: string;
  const saved = process.env.NX_SST_LOCAL_RETRY_DELAY_SCALE;

  const fn = async (name: string, handler: string) => {
    await deployNodeFunction(lambda, { name, code: CONSUMER, handler, roleArn });
  };
  const parameters = (prefix: string) => parametersUnder(ssm, prefix);
  const stream = async (name: string) => {
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
    const { StreamDescription } = await kinesis.send(new DescribeStreamCommand({ StreamName: name }));
    return StreamDescription!.StreamARN!;
  };
  const put = (name: string, data: string) =>
    kinesis.send(new PutRecordCommand({ StreamName: name, PartitionKey: 'p', Data: Buffer.from(data) }));

  beforeAll(async () => {
    // Lambda's waits before a failed batch runs again, a hundredth of them.
    process.env.NX_SST_LOCAL_RETRY_DELAY_SCALE = '0.01';
    ({ cloud, lambda, ssm, roleArn } = await startRecordingCloud('consumer'));
    ddb = new DynamoDBClient(cloud.clientConfig);
    // Its default request handler: HTTP/2 with prior knowledge, which the front answers too.
    kinesis = new KinesisClient(cloud.clientConfig);
    sqs = new SQSClient(cloud.clientConfig);
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.NX_SST_LOCAL_RETRY_DELAY_SCALE;
    else process.env.NX_SST_LOCAL_RETRY_DELAY_SCALE = saved;
    for (const client of [lambda, ssm, ddb, kinesis, sqs]) client?.destroy();
    await cloud?.stop();
  });

  it('a Kinesis client with its default handler (HTTP/2 with prior knowledge) puts and gets records', async () => {
    await stream('plain');
    const { ShardId, SequenceNumber } = await put('plain', 'first');
    const { ShardIterator } = await kinesis.send(
      new GetShardIteratorCommand({ StreamName: 'plain', ShardId, ShardIteratorType: 'TRIM_HORIZON' }),
    );
    const { Records } = await kinesis.send(new GetRecordsCommand({ ShardIterator }));
    expect(Records?.map((r) => [r.SequenceNumber, Buffer.from(r.Data!).toString()])).toEqual([
      [SequenceNumber, 'first'],
    ]);
  });

  it('a table`s changes reach its consumer once each, in order, with Lambda`s DynamoDB event', async () => {
    const { TableDescription } = await ddb.send(
      new CreateTableCommand({
        TableName: 'notes',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      }),
    );
    const streamArn = TableDescription!.LatestStreamArn!;
    await fn('changes', 'index.changes');
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'changes',
        EventSourceArn: streamArn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 2,
      }),
    );
    await ddb.send(new PutItemCommand({ TableName: 'notes', Item: { pk: { S: 'a' }, v: { N: '1' } } }));
    await ddb.send(
      new UpdateItemCommand({
        TableName: 'notes',
        Key: { pk: { S: 'a' } },
        UpdateExpression: 'SET v = :v',
        ExpressionAttributeValues: { ':v': { N: '2' } },
      }),
    );
    await ddb.send(new DeleteItemCommand({ TableName: 'notes', Key: { pk: { S: 'a' } } }));
    const seen = await until('three changes', async () => {
      const found = await parameters('/changes');
      return Object.keys(found).length >= 3 ? found : undefined;
    });
    // Another few polls: nothing runs twice (the consumer's PutParameter without Overwrite would fail).
    await new Promise((r) => setTimeout(r, 1500));
    expect(Object.keys(await parameters('/changes'))).toHaveLength(3);
    const changes = Object.entries(seen)
      .sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1))
      .map(([, v]) => JSON.parse(v) as Deep);
    expect(changes.map((c) => c.eventName)).toEqual(['INSERT', 'MODIFY', 'REMOVE']);
    expect(changes[1]).toMatchObject({
      eventSource: 'aws:dynamodb',
      eventVersion: '1.0',
      awsRegion: cloud.region,
      eventSourceARN: streamArn,
      dynamodb: {
        Keys: { pk: { S: 'a' } },
        NewImage: { pk: { S: 'a' }, v: { N: '2' } },
        OldImage: { pk: { S: 'a' }, v: { N: '1' } },
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    expect(typeof changes[1].eventID).toBe('string');
    expect(typeof changes[1].dynamodb.SizeBytes).toBe('number');
    expect(typeof changes[1].dynamodb.ApproximateCreationDateTime).toBe('number');
  });

  it('a Kinesis stream`s records reach its consumer in batches of BatchSize, with Lambda`s Kinesis event; LATEST skips older records', async () => {
    const arn = await stream('clicks');
    await put('clicks', 'before');
    await fn('records', 'index.records');
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'records',
        EventSourceArn: arn,
        StartingPosition: 'LATEST',
        BatchSize: 2,
      }),
    );
    // The mapping takes its position at the next poll (Lambda's takes a while to become active, too).
    await new Promise((r) => setTimeout(r, 1500));
    for (const data of ['r1', 'r2', 'r3']) await put('clicks', data);
    const seen = await until('three records', async () => {
      const found = await parameters('/records');
      return Object.keys(found).length >= 3 ? found : undefined;
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(Object.keys(await parameters('/records')).sort()).toEqual(['r1', 'r2', 'r3']);
    const batches = Object.values(await parameters('/batches')).map(Number);
    expect(Math.max(...batches)).toBeLessThanOrEqual(2);
    expect(batches.reduce((a, b) => a + b, 0)).toBe(3);
    const record = JSON.parse(seen.r2) as Deep;
    expect(record).toMatchObject({
      kinesis: { kinesisSchemaVersion: '1.0', partitionKey: 'p', data: Buffer.from('r2').toString('base64') },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: roleArn,
      awsRegion: cloud.region,
      eventSourceARN: arn,
    });
    expect(record.eventID).toBe(`shardId-000000000000:${String(record.kinesis.sequenceNumber)}`);
    expect(typeof record.kinesis.approximateArrivalTimestamp).toBe('number');
  });

  it('FilterCriteria: only the records a pattern matches reach the function (DynamoDB record; Kinesis data as JSON)', async () => {
    const { TableDescription } = await ddb.send(
      new CreateTableCommand({
        TableName: 'filtered',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
      }),
    );
    const arn = await stream('filtered');
    await fn('kept', 'index.kept');
    for (const [source, pattern] of [
      [
        TableDescription!.LatestStreamArn!,
        { eventName: ['INSERT'], dynamodb: { NewImage: { kind: { S: ['keep'] } } } },
      ],
      [arn, { data: { kind: ['keep'] } }],
    ] as const) {
      await lambda.send(
        new CreateEventSourceMappingCommand({
          FunctionName: 'kept',
          EventSourceArn: source,
          StartingPosition: 'TRIM_HORIZON',
          FilterCriteria: { Filters: [{ Pattern: JSON.stringify(pattern) }] },
        }),
      );
    }
    await ddb.send(
      new PutItemCommand({ TableName: 'filtered', Item: { pk: { S: 'a' }, kind: { S: 'keep' } } }),
    );
    await ddb.send(
      new PutItemCommand({ TableName: 'filtered', Item: { pk: { S: 'b' }, kind: { S: 'drop' } } }),
    );
    await ddb.send(
      new PutItemCommand({
        TableName: 'filtered',
        Item: { pk: { S: 'a' }, kind: { S: 'keep' }, v: { N: '1' } },
      }),
    );
    await put('filtered', JSON.stringify({ id: 'k1', kind: 'keep' }));
    await put('filtered', JSON.stringify({ id: 'k2', kind: 'drop' }));
    await put('filtered', 'not json');
    await put('filtered', JSON.stringify({ id: 'k3', kind: 'keep' }));
    await until('the kept records', async () => {
      const found = await parameters('/kept');
      return found.k3 && found['INSERT-a'] ? found : undefined;
    });
    await new Promise((r) => setTimeout(r, 1000));
    expect(Object.keys(await parameters('/kept')).sort()).toEqual(['INSERT-a', 'k1', 'k3']);
  });

  it('ReportBatchItemFailures: the batch goes on from the lowest reported sequence number', async () => {
    const arn = await stream('reports');
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'reports-failed' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    // Put before the mapping exists, so they arrive in one batch.
    await put('reports', 'g1');
    const { SequenceNumber: badSequence } = await put('reports', 'bad');
    const { SequenceNumber: lastSequence } = await put('reports', 'g2');
    await fn('reporting', 'index.reporting');
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'reporting',
        EventSourceArn: arn,
        StartingPosition: 'TRIM_HORIZON',
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRetryAttempts: 0,
        DestinationConfig: { OnFailure: { Destination: Attributes!.QueueArn } },
      }),
    );
    const message = await until('the on-failure record', async () => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
      return Messages?.[0];
    });
    const failure = JSON.parse(message.Body!) as Deep;
    expect(failure.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: badSequence,
      endSequenceNumber: lastSequence,
      batchSize: 2,
    });
    expect(failure.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 1,
    });
    expect(failure.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
    expect(Object.keys(await parameters('/reported')).sort()).toEqual(['g1', 'g2']);
  });

  it('a failing batch is retried up to MaximumRetryAttempts (bisected), then described to the on-failure queue, and the shard moves on', async () => {
    const arn = await stream('orders');
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'orders-failed' }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    await fn('poisoned', 'index.poisoned');
    const { UUID } = await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'poisoned',
        EventSourceArn: arn,
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 10,
        MaximumRetryAttempts: 2,
        BisectBatchOnFunctionError: true,
        DestinationConfig: { OnFailure: { Destination: Attributes!.QueueArn } },
      }),
    );
    await put('orders', 'good1');
    await put('orders', 'bad');
    await put('orders', 'good2');
    const message = await until('the on-failure record', async () => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }));
      return Messages?.[0];
    });
    const failure = JSON.parse(message.Body!) as Deep;
    expect(failure).toMatchObject({
      version: '1.0',
      requestContext: {
        functionArn: expect.stringContaining(':function:poisoned'),
        condition: 'RetryAttemptsExhausted',
      },
      responseContext: { functionError: 'Unhandled' },
      KinesisBatchInfo: { shardId: 'shardId-000000000000', streamArn: arn },
    });
    expect(failure.requestContext.approximateInvokeCount).toBe(3);
    // Bisecting isolated the poisoned record: the records beside it ran.
    const survived = await until('the records after it', async () => {
      const found = await parameters('/survived');
      return found.good2 ? found : undefined;
    });
    expect(Object.keys(survived).sort()).toEqual(['good1', 'good2']);
    expect(failure.KinesisBatchInfo.batchSize).toBe(1);
    expect(UUID).toBeDefined();
  });
});

describe('a table`s consumer deployed with CloudFormation', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('gets the changes of the table (AWS::DynamoDB::Table StreamSpecification, AWS::Lambda::EventSourceMapping), and none again after a restart', async () => {
    const outputs = await deployStack(cloud, 'Streams', (stack) => {
      const table = new cdk.aws_dynamodb.Table(stack, 'Table', {
        partitionKey: { name: 'pk', type: cdk.aws_dynamodb.AttributeType.STRING },
        stream: cdk.aws_dynamodb.StreamViewType.NEW_IMAGE,
        removalPolicy: cdk.RemovalPolicy.DESTROY,
      });
      const fn = new cdk.aws_lambda.Function(stack, 'Fn', {
        runtime: cdk.aws_lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: nodeCode(`import { SSMClient, PutParameterCommand } from '@aws-sdk/client-ssm';
const ssm = new SSMClient({});
export const handler = async (event) => {
  for (const r of event.Records)
    await ssm.send(new PutParameterCommand({ Name: '/seen/' + r.dynamodb.Keys.pk.S, Value: r.eventName + '@' + Date.now(), Type: 'String', Overwrite: true }));
};`),
      });
      fn.addEventSource(
        new DynamoEventSource(table, { startingPosition: cdk.aws_lambda.StartingPosition.TRIM_HORIZON }),
      );
      new cdk.CfnOutput(stack, 'TableName', { value: table.tableName });
    });
    const ddb = new DynamoDBClient(cloud.clientConfig);
    await ddb.send(new PutItemCommand({ TableName: outputs.TableName, Item: { pk: { S: 'k1' } } }));
    ddb.destroy();
    const ssm = new SSMClient(cloud.clientConfig);
    const read = async () => {
      const { Parameters = [] } = await ssm.send(new GetParametersByPathCommand({ Path: '/seen' }));
      return Parameters.find((p) => p.Name === '/seen/k1')?.Value;
    };
    const first = await until('the consumer', read);
    expect(first).toMatch(/^INSERT@/);
    ssm.destroy();

    // The replay recreates the PutItem's stream record; it must not run the consumer again.
    await stopDaemon(cloud.stateDir);
    const again = await startLocalCloud({ stateDir: cloud.stateDir });
    // Long enough for a poll and a cold start of the consumer.
    await new Promise((r) => setTimeout(r, 5000));
    const ssm2 = new SSMClient(again.clientConfig);
    const { Parameters = [] } = await ssm2.send(new GetParametersByPathCommand({ Path: '/seen' }));
    ssm2.destroy();
    expect(Parameters.find((p) => p.Name === '/seen/k1')?.Value).toBe(first);
  });
});
