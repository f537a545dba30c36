import type { LocalLambda } from './functions';
import { sqsCall } from './sqs-call';

/**
 * Sends a record to a destination as Lambda does for failed (or, for asynchronous invocations,
 * successful) work: an SQS queue gets it as a message body, an SNS topic as a notification, a
 * function as an asynchronous invocation's event. Through the daemon's own signed calls, so the
 * write is journaled like a client's. Throws naming the destination when it cannot be reached.
 */
export async function sendToDestination(
  lambda: LocalLambda,
  destination: string,
  record: unknown,
  attributes: Record<string, { DataType: string; StringValue: string }> = {},
): Promise<void> {
  // A string (a dead-letter message: the event as it came) is sent as it is.
  const body = typeof record === 'string' ? record : JSON.stringify(record);
  const [, , service, , account, ...rest] = destination.split(':');
  if (service === 'sqs') {
    const name = rest.join(':');
    const sqs = (action: string, input: unknown) => sqsCall(lambda, action, input);
    const { QueueUrl } = await sqs('GetQueueUrl', { QueueName: name, QueueOwnerAWSAccountId: account });
    await sqs('SendMessage', {
      QueueUrl,
      MessageBody: body,
      ...(Object.keys(attributes).length > 0 ? { MessageAttributes: attributes } : {}),
    });
    return;
  }
  if (service === 'sns') {
    const form = new URLSearchParams({
      Action: 'Publish',
      Version: '2010-03-31',
      TopicArn: destination,
      Message: body,
    });
    Object.entries(attributes).forEach(([name, value], i) => {
      form.set(`MessageAttributes.entry.${i + 1}.Name`, name);
      form.set(`MessageAttributes.entry.${i + 1}.Value.DataType`, value.DataType);
      form.set(`MessageAttributes.entry.${i + 1}.Value.StringValue`, value.StringValue);
    });
    const answer = await lambda.signed(
      'sns',
      'POST',
      '/',
      { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      Buffer.from(form.toString()),
    );
    if (answer.status !== 200)
      throw new Error(
        `SNS Publish answered HTTP ${answer.status}: ${answer.body.toString('utf8').slice(0, 300)}`,
      );
    return;
  }
  if (service === 'lambda') {
    const answer = await lambda.signed(
      'lambda',
      'POST',
      `/2015-03-31/functions/${encodeURIComponent(destination)}/invocations`,
      { 'content-type': 'application/json', 'x-amz-invocation-type': 'Event' },
      Buffer.from(body),
    );
    if (answer.status !== 202)
      throw new Error(`Invoke answered HTTP ${answer.status}: ${answer.body.toString('utf8').slice(0, 300)}`);
    return;
  }
  throw new Error(
    `the local cloud sends to SQS queues, SNS topics and functions only, not to ${destination}`,
  );
}
