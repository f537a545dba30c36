import type { LocalLambda } from './functions';
import { EventSourceMappingList } from './mapping-list';
import { sqsCall } from './sqs-call';

/** An event source mapping as Lambda's ListEventSourceMappings answers it (the fields we use). */
interface Mapping {
  UUID: string;
  EventSourceArn: string;
  FunctionArn: string;
  State?: string;
  BatchSize?: number;
  FunctionResponseTypes?: string[] | null;
}

interface SqsMessage {
  MessageId: string;
  ReceiptHandle: string;
  MD5OfBody?: string;
  Body: string;
  Attributes?: Record<string, string>;
  MessageAttributes?: Record<
    string,
    { StringValue?: string; BinaryValue?: string; DataType: string; StringListValues?: string[] }
  >;
}

export interface EventSourceOptions {
  region: string;
  /** Changes with every write (the journal's next sequence number): the mapping list is reused until then. */
  version?: () => number;
  /** How often each queue is looked at. Default 500 ms. */
  intervalMs?: number;
  log: (line: string) => void;
}

/** A notification for a function subscribed to a topic, as moto (patched) records it. */
export interface SnsDelivery {
  functionArn: string;
  subscriptionArn: string;
  topicArn: string;
  messageId: string;
  message: string;
  subject?: string | null;
  messageAttributes?: Record<string, { Type: string; Value: string }>;
  timestamp: string;
}

/** The SNS event a subscribed function gets. */
export function snsEvent(d: SnsDelivery): { Records: unknown[] } {
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: d.subscriptionArn,
        EventSource: 'aws:sns',
        Sns: {
          SignatureVersion: '1',
          Timestamp: d.timestamp,
          Signature: 'EXAMPLE',
          SigningCertUrl: 'EXAMPLE',
          MessageId: d.messageId,
          Message: d.message,
          MessageAttributes: d.messageAttributes ?? {},
          Type: 'Notification',
          UnsubscribeUrl: 'EXAMPLE',
          TopicArn: d.topicArn,
          Subject: d.subject ?? null,
        },
      },
    ],
  };
}

/** The SQS event of a batch, as Lambda sends it to a consumer. */
export function sqsEvent(messages: SqsMessage[], queueArn: string, region: string): { Records: unknown[] } {
  return {
    Records: messages.map((m) => ({
      messageId: m.MessageId,
      receiptHandle: m.ReceiptHandle,
      body: m.Body,
      attributes: m.Attributes ?? {},
      messageAttributes: Object.fromEntries(
        Object.entries(m.MessageAttributes ?? {}).map(([name, a]) => [
          name,
          {
            ...(a.StringValue !== undefined ? { stringValue: a.StringValue } : {}),
            ...(a.BinaryValue !== undefined ? { binaryValue: a.BinaryValue } : {}),
            stringListValues: a.StringListValues ?? [],
            binaryListValues: [],
            dataType: a.DataType,
          },
        ]),
      ),
      md5OfBody: m.MD5OfBody,
      eventSource: 'aws:sqs',
      eventSourceARN: queueArn,
      awsRegion: region,
    })),
  };
}

/**
 * Which messages of a batch failed, from the function's answer when the mapping reports batch item
 * failures: an empty list or no `batchItemFailures` means all succeeded; an answer that is not of
 * that shape, or names a message not in the batch, fails the whole batch (as Lambda does).
 */
export function failedItems(payload: string, batch: { MessageId: string }[]): Set<string> {
  const all = new Set(batch.map((m) => m.MessageId));
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    return all;
  }
  if (result === null || result === undefined) return new Set();
  if (typeof result !== 'object' || Array.isArray(result)) return all;
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return all;
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !all.has(id)) return all;
    failed.add(id);
  }
  return failed;
}

/**
 * Lambda's SQS pollers, for the functions the local cloud runs: each enabled mapping's queue is
 * looked at twice a second (a read); when it holds visible messages, a batch is received (as
 * Lambda does: the queue's visibility timeout, receive count and redrive policy apply, so a
 * message received `maxReceiveCount` times moves to the dead-letter queue), the function runs
 * with Lambda's SQS event, and the batch is deleted on success — all but the reported failures
 * with `ReportBatchItemFailures` — or left to reappear after the visibility timeout on an error.
 * One batch per mapping at a time.
 */
export class SqsEventSources {
  private timer?: NodeJS.Timeout;
  private readonly busy = new Set<string>();
  private readonly mappings: EventSourceMappingList<Mapping>;
  private readonly queueUrls = new Map<string, string>();
  private ticking = false;
  private stopped = false;

  constructor(
    private readonly lambda: LocalLambda,
    private readonly options: EventSourceOptions,
  ) {
    this.mappings = new EventSourceMappingList(lambda, () => options.version?.());
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 500);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  private sqs(action: string, input: unknown): Promise<Record<string, unknown>> {
    return sqsCall(this.lambda, action, input);
  }

  private list(): Promise<Mapping[]> {
    return this.mappings.get();
  }

  /**
   * Drops the notifications moto recorded while the journal was replayed: they were delivered (or
   * not) before the restart. Call once, after the replay and before clients can publish.
   */
  async discardReplayed(): Promise<void> {
    await this.drainSns();
  }

  private async drainSns(): Promise<SnsDelivery[]> {
    const answer = await this.lambda.internalCall({
      method: 'GET',
      url: '/moto-api/nx-sst/sns-deliveries',
      headers: {},
      body: Buffer.alloc(0),
    });
    if (answer.status !== 200) throw new Error(`moto answered HTTP ${answer.status} for its SNS deliveries`);
    return JSON.parse(answer.body.toString('utf8')) as SnsDelivery[];
  }

  /** Each notification for a subscribed function runs it once, as an asynchronous invocation. */
  private async deliverSns(): Promise<void> {
    for (const delivery of await this.drainSns()) {
      void (async () => {
        const found = await this.lambda.configuration(delivery.functionArn);
        if ('answer' in found) throw new Error(`its function is not there (HTTP ${found.answer.status})`);
        this.lambda.events.accept(found.config, JSON.stringify(snsEvent(delivery)));
      })().catch((e: unknown) =>
        this.options.log(
          `SNS delivery ${delivery.messageId} to ${delivery.functionArn}: ${(e as Error).message}`,
        ),
      );
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      await this.deliverSns().catch((e: unknown) =>
        this.options.log(`SNS deliveries: ${(e as Error).message}`),
      );
      for (const mapping of await this.list()) {
        if (mapping.State !== 'Enabled' || !mapping.EventSourceArn.startsWith('arn:aws:sqs:')) continue;
        if (this.busy.has(mapping.UUID)) continue;
        this.busy.add(mapping.UUID);
        void this.poll(mapping)
          .catch((e: unknown) =>
            this.options.log(
              `event source ${mapping.UUID} (${mapping.EventSourceArn}): ${(e as Error).message}`,
            ),
          )
          .finally(() => this.busy.delete(mapping.UUID));
      }
    } catch (e) {
      this.options.log(`event sources: ${(e as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  private async queueUrl(arn: string): Promise<string> {
    const known = this.queueUrls.get(arn);
    if (known) return known;
    const [, , , , account, name] = arn.split(':');
    const { QueueUrl } = await this.sqs('GetQueueUrl', { QueueName: name, QueueOwnerAWSAccountId: account });
    this.queueUrls.set(arn, QueueUrl as string);
    return QueueUrl as string;
  }

  private async poll(mapping: Mapping): Promise<void> {
    let url: string;
    try {
      url = await this.queueUrl(mapping.EventSourceArn);
    } catch (e) {
      this.queueUrls.delete(mapping.EventSourceArn);
      throw e;
    }
    // A backlog is worked off batch after batch, not one batch per tick.
    while (!this.stopped && (await this.pollOnce(mapping, url)));
  }

  /** One batch; true when it went through and the queue may hold more. */
  private async pollOnce(mapping: Mapping, url: string): Promise<boolean> {
    // A read first: an empty queue costs no journaled write.
    const { Attributes } = (await this.sqs('GetQueueAttributes', {
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages'],
    })) as { Attributes?: Record<string, string> };
    if (Number(Attributes?.ApproximateNumberOfMessages ?? 0) === 0) return false;
    const size = Math.max(1, mapping.BatchSize ?? 10);
    const batch: SqsMessage[] = [];
    while (batch.length < size) {
      const { Messages = [] } = (await this.sqs('ReceiveMessage', {
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(10, size - batch.length),
        AttributeNames: ['All'],
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
        WaitTimeSeconds: 0,
      })) as { Messages?: SqsMessage[] };
      batch.push(...Messages);
      if (Messages.length === 0) break;
    }
    if (batch.length === 0) return false;
    const found = await this.lambda.configuration(mapping.FunctionArn);
    if ('answer' in found)
      throw new Error(`its function ${mapping.FunctionArn} is not there (HTTP ${found.answer.status})`);
    const event = sqsEvent(batch, mapping.EventSourceArn, this.options.region);
    const result = await this.lambda.invoke(found.config, JSON.stringify(event));
    // An error leaves the batch: it reappears after the visibility timeout (and goes to the DLQ after maxReceiveCount).
    if (result.error) return false;
    const failed = mapping.FunctionResponseTypes?.includes('ReportBatchItemFailures')
      ? failedItems(result.payload, batch)
      : new Set<string>();
    const done = batch.filter((m) => !failed.has(m.MessageId));
    for (let i = 0; i < done.length; i += 10) {
      await this.sqs('DeleteMessageBatch', {
        QueueUrl: url,
        Entries: done.slice(i, i + 10).map((m, j) => ({ Id: String(i + j), ReceiptHandle: m.ReceiptHandle })),
      });
    }
    return true;
  }
}
