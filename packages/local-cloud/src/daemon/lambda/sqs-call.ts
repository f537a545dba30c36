import type { LocalLambda } from './functions';

/**
 * An SQS action (its JSON protocol) through the daemon's own signed calls, so a write is journaled like a
 * client's. Answers the parsed answer (`{}` for an empty one); throws naming the action and the HTTP status.
 */
export async function sqsCall(
  lambda: LocalLambda,
  action: string,
  input: unknown,
): Promise<Record<string, unknown>> {
  const answer = await lambda.signed(
    'sqs',
    'POST',
    '/',
    { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${action}` },
    Buffer.from(JSON.stringify(input)),
  );
  const text = answer.body.toString('utf8');
  if (answer.status !== 200)
    throw new Error(`SQS ${action} answered HTTP ${answer.status}: ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
