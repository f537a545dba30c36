import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  GetFunctionEventInvokeConfigCommand,
  PutFunctionEventInvokeConfigCommand,
  UpdateFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { CreateTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { LocalCloud } from './index';
import { deployNodeFunction, startRecordingCloud, until } from './test-utils/recording-functions';

jest.setTimeout(180_000);

const HANDLERS = `
import { SSMClient, PutParameterCommand } from '@aws-sdk/client-ssm';
const ssm = new SSMClient({});
const note = (name) => ssm.send(new PutParameterCommand({ Name: name, Value: String(Date.now()), Type: 'String' }));
export const handler = async (event, context) => {
  const tag = event.tag ?? event.Records?.[0]?.Sns?.Message;
  await note('/attempts/' + tag + '/' + context.awsRequestId + '/' + Date.now());
  if (event.fail || tag?.startsWith('fail')) throw new Error('failed on purpose: ' + tag);
  return { ok: tag };
};
`;

describe('asynchronous invocations: Lambda`s retries, destinations and dead-letter queue', () => {
  let cloud: LocalCloud;
  let lambda: LambdaClient;
  let sqs: SQSClient;
  let ssm: SSMClient;
  let sns: SNSClient;
  let roleArn: string;
  const saved = process.env.NX_SST_LOCAL_RETRY_DELAY_SCALE;

  const queue = async (name: string) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    return { url: QueueUrl!, arn: Attributes!.QueueArn! };
  };
  const message = (url: string) =>
    until<Message>(`a message on ${url}`, async () => {
      const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0, MessageAttributeNames: ['All'] }),
      );
      return Messages?.[0];
    });
  /** The attempts a tag's events made: request id of each, in order. */
  const attempts = async (tag: string) => {
    const { Parameters = [] } = await ssm.send(
      new GetParametersByPathCommand({ Path: `/attempts/${tag}`, Recursive: true }),
    );
    return Parameters.map((p) => p.Name!.split('/'))
      .sort((a, b) => Number(a[4]) - Number(b[4]))
      .map((parts) => parts[3]);
  };
  const fn = async (name: string, deadLetterArn?: string) => {
    await deployNodeFunction(lambda, {
      name,
      code: HANDLERS,
      handler: 'index.handler',
      roleArn,
      ...(deadLetterArn ? { DeadLetterConfig: { TargetArn: deadLetterArn } } : {}),
    });
  };
  const invokeEvent = async (name: string, payload: unknown) => {
    const answer = await lambda.send(
      new InvokeCommand({
        FunctionName: name,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    expect(answer.StatusCode).toBe(202);
    return answer.$metadata.requestId!;
  };

  beforeAll(async () => {
    // Lambda waits 1 and 2 minutes between attempts; a hundredth of that here.
    process.env.NX_SST_LOCAL_RETRY_DELAY_SCALE = '0.01';
    ({ cloud, lambda, ssm, roleArn } = await startRecordingCloud('async'));
    sqs = new SQSClient(cloud.clientConfig);
    sns = new SNSClient(cloud.clientConfig);
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.NX_SST_LOCAL_RETRY_DELAY_SCALE;
    else process.env.NX_SST_LOCAL_RETRY_DELAY_SCALE = saved;
    for (const client of [lambda, sqs, ssm, sns]) client?.destroy();
    await cloud?.stop();
  });

  it('a failing Event invocation runs three times under one request id, then its event goes to the dead-letter queue', async () => {
    const dlq = await queue('async-dlq');
    await fn('dead-lettered', dlq.arn);
    const { DeadLetterConfig } = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'dead-lettered' }),
    );
    expect(DeadLetterConfig).toEqual({ TargetArn: dlq.arn });
    const requestId = await invokeEvent('dead-lettered', { tag: 'fail-dlq', fail: true });
    const dead = await message(dlq.url);
    expect(JSON.parse(dead.Body!)).toEqual({ tag: 'fail-dlq', fail: true });
    expect(dead.MessageAttributes?.RequestID?.StringValue).toBe(requestId);
    expect(dead.MessageAttributes?.ErrorMessage?.StringValue).toBe('failed on purpose: fail-dlq');
    expect(await attempts('fail-dlq')).toEqual([requestId, requestId, requestId]);
  });

  it('the event invoke config`s MaximumRetryAttempts and destinations apply, with Lambda`s destination record', async () => {
    const failed = await queue('async-failed');
    const succeeded = await queue('async-succeeded');
    await fn('destined');
    await lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'destined', MaximumRetryAttempts: 2 }),
    );
    // An update changes what it names; a put replaces the whole config.
    await lambda.send(
      new UpdateFunctionEventInvokeConfigCommand({
        FunctionName: 'destined',
        MaximumRetryAttempts: 0,
        DestinationConfig: {
          OnFailure: { Destination: failed.arn },
          OnSuccess: { Destination: succeeded.arn },
        },
      }),
    );
    await lambda.send(
      new UpdateFunctionEventInvokeConfigCommand({
        FunctionName: 'destined',
        MaximumEventAgeInSeconds: 3600,
      }),
    );
    expect(
      await lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: 'destined' })),
    ).toMatchObject({
      MaximumRetryAttempts: 0,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: failed.arn } },
    });
    const failedId = await invokeEvent('destined', { tag: 'fail-once', fail: true });
    const failure = JSON.parse((await message(failed.url)).Body!) as Record<string, unknown>;
    expect(failure).toMatchObject({
      version: '1.0',
      requestContext: {
        requestId: failedId,
        functionArn: expect.stringMatching(/:function:destined:\$LATEST$/),
        condition: 'RetriesExhausted',
        approximateInvokeCount: 1,
      },
      requestPayload: { tag: 'fail-once', fail: true },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'failed on purpose: fail-once' },
    });
    expect(typeof failure.timestamp).toBe('string');
    expect(await attempts('fail-once')).toEqual([failedId]);

    const okId = await invokeEvent('destined', { tag: 'ok' });
    const success = JSON.parse((await message(succeeded.url)).Body!) as Record<string, unknown>;
    expect(success).toMatchObject({
      requestContext: { requestId: okId, condition: 'Success', approximateInvokeCount: 1 },
      requestPayload: { tag: 'ok' },
      responseContext: { statusCode: 200, executedVersion: '$LATEST' },
      responsePayload: { ok: 'ok' },
    });
  });

  it('a topic`s notification to a failing subscriber is retried as an asynchronous invocation', async () => {
    const dlq = await queue('topic-dlq');
    await fn('subscriber', dlq.arn);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'news' }));
    const { FunctionArn } = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: 'subscriber' }),
    );
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: FunctionArn }));
    await sns.send(new PublishCommand({ TopicArn, Message: 'fail-topic' }));
    const dead = await message(dlq.url);
    expect(JSON.parse(dead.Body!)).toMatchObject({ Records: [{ Sns: { Message: 'fail-topic', TopicArn } }] });
    expect(new Set(await attempts('fail-topic')).size).toBe(1);
    expect(await attempts('fail-topic')).toHaveLength(3);
  });
});
