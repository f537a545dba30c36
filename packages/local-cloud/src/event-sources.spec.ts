import { CreateEventSourceMappingCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { failedItems, sqsEvent } from './daemon/lambda/event-sources';
import * as cdk from 'aws-cdk-lib';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { startLocalCloud, startTestCloud, stopDaemon, type LocalCloud } from './index';
import {
  deployNodeFunction,
  lambdaRole,
  parametersUnder,
  startRecordingCloud,
  until,
} from './test-utils/recording-functions';
import { deployStack, nodeCode } from './test-utils/deploy-stack';

jest.setTimeout(180_000);

const CONSUMER = `
import { SSMClient, PutParameterCommand } from '@aws-sdk/client-ssm';
const ssm = new SSMClient({});
const put = (name, value) => ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));
export const consume = async (event) => {
  for (const r of event.Records) await put('/consumed/' + r.body, JSON.stringify({ source: r.eventSource, arn: r.eventSourceARN, count: r.attributes.ApproximateReceiveCount, attr: r.messageAttributes.kind?.stringValue ?? null }));
};
export const fails = async () => { throw new Error('consumer failed'); };
export const notified = async (event) => {
  const n = event.Records[0].Sns;
  await put('/notified/' + n.Message, JSON.stringify({ topic: n.TopicArn, subject: n.Subject, kind: n.MessageAttributes.kind?.Value ?? null, at: Date.now() }));
};
export const partial = async (event) => {
  const batchItemFailures = [];
  for (const r of event.Records) {
    if (r.body.startsWith('bad')) batchItemFailures.push({ itemIdentifier: r.messageId });
    else await put('/partial/' + r.body, 'ok');
  }
  return { batchItemFailures };
};
`;

describe('SQS event source mappings: the local cloud polls the queue and runs the consumer', () => {
  let cloud: LocalCloud;
  let lambda: LambdaClient;
  let sqs: SQSClient;
  let ssm: SSMClient;
  let roleArn: string;

  const queue = async (name: string, attributes: Record<string, string> = {}) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl!, arn: Attributes!.QueueArn! };
  };
  const consumer = async (name: string, handler: string, queueArn: string, reportFailures = false) => {
    await deployNodeFunction(lambda, { name, code: CONSUMER, handler, roleArn });
    await lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: name,
        EventSourceArn: queueArn,
        BatchSize: 10,
        ...(reportFailures ? { FunctionResponseTypes: ['ReportBatchItemFailures'] } : {}),
      }),
    );
  };
  const parameters = (prefix: string) => parametersUnder(ssm, prefix);
  const depth = async (url: string) => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(Attributes!.ApproximateNumberOfMessages) +
      Number(Attributes!.ApproximateNumberOfMessagesNotVisible)
    );
  };

  beforeAll(async () => {
    ({ cloud, lambda, ssm, roleArn } = await startRecordingCloud('consumer'));
    sqs = new SQSClient(cloud.clientConfig);
  });
  afterAll(async () => {
    lambda?.destroy();
    sqs?.destroy();
    ssm?.destroy();
    await cloud?.stop();
  });

  it('a message sent to the queue is consumed with Lambda`s SQS event and deleted', async () => {
    const work = await queue('work');
    await consumer('consume', 'index.consume', work.arn);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: work.url,
        MessageBody: 'm1',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'note' } },
      }),
    );
    const seen = await until('the consumer', async () => (await parameters('/consumed')).m1);
    expect(JSON.parse(seen)).toEqual({ source: 'aws:sqs', arn: work.arn, count: '1', attr: 'note' });
    await until('the delete', async () => ((await depth(work.url)) === 0 ? true : undefined));
  });

  it('a failing consumer`s message returns after the visibility timeout and lands in the DLQ (redrive)', async () => {
    const dlq = await queue('work-dlq');
    const work = await queue('failing', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 }),
    });
    await consumer('fails', 'index.fails', work.arn);
    await sqs.send(new SendMessageCommand({ QueueUrl: work.url, MessageBody: 'doomed' }));
    const dead = await until('the dead-letter queue', async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 0 }),
      );
      return Messages?.[0];
    });
    expect(dead.Body).toBe('doomed');
    expect(await depth(work.url)).toBe(0);
  });

  it('a consumer deployed with CloudFormation (AWS::Lambda::EventSourceMapping, as a Queue consumer) writes its bound table', async () => {
    const outputs = await deployStack(cloud, 'Consumer', (stack) => {
      const table = new cdk.aws_dynamodb.Table(stack, 'Table', {
        partitionKey: { name: 'pk', type: cdk.aws_dynamodb.AttributeType.STRING },
        removalPolicy: cdk.RemovalPolicy.DESTROY,
      });
      const queue = new cdk.aws_sqs.Queue(stack, 'Queue', { visibilityTimeout: cdk.Duration.seconds(5) });
      const fn = new cdk.aws_lambda.Function(stack, 'Fn', {
        runtime: cdk.aws_lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code: nodeCode(`import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
const ddb = new DynamoDBClient({});
export const handler = async (event) => {
  for (const r of event.Records) await ddb.send(new PutItemCommand({ TableName: process.env.TABLE, Item: { pk: { S: r.body } } }));
  return { batchItemFailures: [] };
};`),
        environment: { TABLE: table.tableName },
      });
      table.grantWriteData(fn);
      fn.addEventSource(new SqsEventSource(queue, { batchSize: 5, reportBatchItemFailures: true }));
      new cdk.CfnOutput(stack, 'QueueUrl', { value: queue.queueUrl });
      new cdk.CfnOutput(stack, 'TableName', { value: table.tableName });
    });
    await sqs.send(new SendMessageCommand({ QueueUrl: outputs.QueueUrl, MessageBody: 'from-cfn' }));
    const ddb = new DynamoDBClient(cloud.clientConfig);
    try {
      await until('the consumer`s write', async () => {
        const { Item } = await ddb.send(
          new GetItemCommand({ TableName: outputs.TableName, Key: { pk: { S: 'from-cfn' } } }),
        );
        return Item;
      });
    } finally {
      ddb.destroy();
    }
    await until('the delete', async () => ((await depth(outputs.QueueUrl)) === 0 ? true : undefined));
  });

  it('partial batch failures: the reported messages stay, the others are deleted', async () => {
    const dlq = await queue('partial-dlq');
    const work = await queue('partial', {
      VisibilityTimeout: '1',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }),
    });
    // Sent before the mapping exists, so they arrive in one batch.
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: work.url,
        Entries: ['good1', 'bad1', 'good2'].map((body, i) => ({ Id: String(i), MessageBody: body })),
      }),
    );
    await consumer('partial', 'index.partial', work.arn, true);
    expect(
      await until('the good ones', async () => {
        const done = await parameters('/partial');
        return Object.keys(done).length === 2 ? done : undefined;
      }),
    ).toEqual({ good1: 'ok', good2: 'ok' });
    const dead = await until('the failed one in the DLQ', async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 0 }),
      );
      return Messages?.[0];
    });
    expect(dead.Body).toBe('bad1');
  });
});

describe('SNS subscriptions of functions: the local cloud runs the subscriber', () => {
  let cloud: LocalCloud;

  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('a message published to the topic runs the function with the SNS event, once, also across a restart', async () => {
    const roleArn = await lambdaRole(cloud, 'subscriber');
    const lambda = new LambdaClient(cloud.clientConfig);
    const FunctionArn = await deployNodeFunction(lambda, {
      name: 'notified',
      code: CONSUMER,
      handler: 'index.notified',
      roleArn,
    });
    lambda.destroy();
    const sns = new SNSClient(cloud.clientConfig);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'events' }));
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: FunctionArn }));
    await sns.send(
      new PublishCommand({
        TopicArn,
        Message: 'hello',
        Subject: 'greeting',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'note' } },
      }),
    );
    sns.destroy();
    const ssm = new SSMClient(cloud.clientConfig);
    const read = () =>
      ssm
        .send(new GetParametersByPathCommand({ Path: '/notified' }))
        .then((r) => r.Parameters?.find((p) => p.Name === '/notified/hello')?.Value);
    const first = JSON.parse(await until('the subscriber', read)) as Record<string, unknown>;
    expect(first).toMatchObject({ topic: TopicArn, subject: 'greeting', kind: 'note' });
    ssm.destroy();

    // The replay recreates the Publish; its notification must not run the function again.
    await stopDaemon(cloud.stateDir);
    const again = await startLocalCloud({ stateDir: cloud.stateDir });
    await new Promise((r) => setTimeout(r, 2000));
    const ssm2 = new SSMClient(again.clientConfig);
    const { Parameters = [] } = await ssm2.send(new GetParametersByPathCommand({ Path: '/notified' }));
    ssm2.destroy();
    expect(JSON.parse(Parameters.find((p) => p.Name === '/notified/hello')!.Value!)).toEqual(first);
  });
});

describe('SQS event helpers', () => {
  const batch = [{ MessageId: 'a' }, { MessageId: 'b' }];

  it('reads batch item failures as Lambda does', () => {
    expect(failedItems(JSON.stringify({ batchItemFailures: [{ itemIdentifier: 'b' }] }), batch)).toEqual(
      new Set(['b']),
    );
    expect(failedItems(JSON.stringify({ batchItemFailures: [] }), batch)).toEqual(new Set());
    expect(failedItems('null', batch)).toEqual(new Set());
    expect(failedItems(JSON.stringify({}), batch)).toEqual(new Set());
    // A malformed answer, or an id not in the batch, fails everything.
    expect(failedItems(JSON.stringify({ batchItemFailures: [{ itemIdentifier: 'zz' }] }), batch)).toEqual(
      new Set(['a', 'b']),
    );
    expect(failedItems(JSON.stringify({ batchItemFailures: 'b' }), batch)).toEqual(new Set(['a', 'b']));
    expect(failedItems(JSON.stringify('x'), batch)).toEqual(new Set(['a', 'b']));
  });

  it('builds the SQS event record shape', () => {
    const event = sqsEvent(
      [
        {
          MessageId: 'm',
          ReceiptHandle: 'r',
          MD5OfBody: 'md5',
          Body: 'hi',
          Attributes: { ApproximateReceiveCount: '1' },
          MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } },
        },
      ],
      'arn:aws:sqs:us-east-1:000000000000:q',
      'us-east-1',
    );
    expect(event.Records[0]).toEqual({
      messageId: 'm',
      receiptHandle: 'r',
      body: 'hi',
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {
        k: { stringValue: 'v', stringListValues: [], binaryListValues: [], dataType: 'String' },
      },
      md5OfBody: 'md5',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    });
  });
});
