import { randomUUID } from 'node:crypto';
import { sendToDestination } from './destinations';
import type { FunctionConfiguration, InvokeResult, LocalLambda } from './functions';
import { EventSourceMappingList } from './mapping-list';

/** A stream's event source mapping as ListEventSourceMappings answers it (the fields we use). */
export interface StreamMapping {
  UUID: string;
  EventSourceArn: string;
  FunctionArn: string;
  State?: string;
  BatchSize?: number;
  StartingPosition?: string;
  MaximumRetryAttempts?: number;
  MaximumRecordAgeInSeconds?: number;
  BisectBatchOnFunctionError?: boolean;
  FunctionResponseTypes?: string[] | null;
  DestinationConfig?: { OnFailure?: { Destination?: string } };
  FilterCriteria?: { Filters?: { Pattern?: string }[] } | null;
}

/** One record of a shard, as GetRecords answered it (DynamoDB Streams' or Kinesis's shape). */
export type ShardRecord = Record<string, unknown> & { sequenceNumber: string; arrival: number };

export interface StreamSourceOptions {
  region: string;
  /** Changes with every write (the journal's next sequence number): the mapping list is reused until then. */
  version?: () => number;
  /** How often each shard is looked at. Default 500 ms. */
  intervalMs?: number;
  /** The first wait before a failed batch runs again; it doubles with each attempt, up to 30 s. Default 1 s. */
  retryDelayMs?: number;
  log: (line: string) => void;
}

/** A batch that failed and runs again before anything newer of its shard. */
interface Pending {
  records: ShardRecord[];
  attempts: number;
  retryAt: number;
}

interface Cursor {
  /** The next GetRecords call's iterator (moto's DynamoDB iterators live in memory: made again when lost). */
  iterator?: string;
  /** Sequence number of the last record done (run, or given up on). */
  done?: string;
  pending: Pending[];
}

const isDynamo = (arn: string) => arn.startsWith('arn:aws:dynamodb:');
const isKinesis = (arn: string) => arn.startsWith('arn:aws:kinesis:');

/** The DynamoDB Streams event Lambda sends, from moto's records. */
export function dynamodbEvent(
  records: ShardRecord[],
  streamArn: string,
  region: string,
): { Records: unknown[] } {
  return {
    Records: records.map((r) => {
      const { sequenceNumber: _s, arrival, ...record } = r;
      const change = { ...(record.dynamodb as Record<string, unknown>) };
      change.ApproximateCreationDateTime = Math.floor(arrival);
      return { ...record, awsRegion: region, dynamodb: change, eventSourceARN: streamArn };
    }),
  };
}

/** The Kinesis event Lambda sends, from GetRecords' records. */
export function kinesisEvent(
  records: ShardRecord[],
  streamArn: string,
  shardId: string,
  region: string,
  roleArn: string,
): { Records: unknown[] } {
  return {
    Records: records.map((r) => ({
      kinesis: {
        kinesisSchemaVersion: '1.0',
        partitionKey: r.PartitionKey,
        sequenceNumber: r.sequenceNumber,
        data: r.Data,
        approximateArrivalTimestamp: r.arrival,
      },
      eventSource: 'aws:kinesis',
      eventVersion: '1.0',
      eventID: `${shardId}:${r.sequenceNumber}`,
      eventName: 'aws:kinesis:record',
      invokeIdentityArn: roleArn,
      awsRegion: region,
      eventSourceARN: streamArn,
    })),
  };
}

/**
 * The records of a batch to run again after the function answered with `batchItemFailures` (a
 * mapping with ReportBatchItemFailures): Lambda goes on from the lowest failed sequence number.
 * An empty list or none means the batch is done; an answer that is not of that shape, or names a
 * sequence number not in the batch, fails the whole batch (as Lambda does).
 */
export function retryFrom(payload: string, batch: ShardRecord[]): ShardRecord[] {
  let result: unknown;
  try {
    result = JSON.parse(payload);
  } catch {
    return batch;
  }
  if (result === null || result === undefined) return [];
  if (typeof result !== 'object' || Array.isArray(result)) return batch;
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return [];
  if (!Array.isArray(failures)) return batch;
  let first = batch.length;
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    const index = typeof id === 'string' ? batch.findIndex((r) => r.sequenceNumber === id) : -1;
    if (index < 0) return batch;
    first = Math.min(first, index);
  }
  return batch.slice(first);
}

/**
 * Lambda's stream pollers, for the functions the local cloud runs: every enabled mapping of a
 * DynamoDB stream or a Kinesis stream reads each shard of it with GetShardIterator/GetRecords
 * (reads: nothing is journaled), from its StartingPosition the first time and after the last record
 * it ran afterwards, in batches of BatchSize, and runs the function with Lambda's event. A batch
 * that fails runs again, in order, before anything newer of its shard (halved first with
 * BisectBatchOnFunctionError; from the lowest reported sequence number with
 * ReportBatchItemFailures) until MaximumRetryAttempts or MaximumRecordAgeInSeconds give up on it;
 * then its description goes to the mapping's on-failure destination, if any, and the shard moves on.
 * Positions are kept in memory: after a restart the daemon starts each mapping at the end of its
 * shards (the records replayed from the journal ran, or not, before the restart).
 */
export class StreamEventSources {
  private timer?: NodeJS.Timeout;
  private readonly cursors = new Map<string, Cursor>();
  private readonly busy = new Set<string>();
  private readonly mappings: EventSourceMappingList<StreamMapping>;
  private ticking = false;
  private stopped = false;

  constructor(
    private readonly lambda: LocalLambda,
    private readonly options: StreamSourceOptions,
  ) {
    this.mappings = new EventSourceMappingList(
      lambda,
      () => options.version?.(),
      (m) => isDynamo(m.EventSourceArn) || isKinesis(m.EventSourceArn),
    );
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 500);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Places every mapping there is at the end of its shards: the records replayed from the journal
   * were handled before the restart. Call once, after the replay and before clients can write.
   */
  async discardReplayed(): Promise<void> {
    for (const mapping of await this.list()) {
      for (const shardId of await this.shards(mapping.EventSourceArn)) {
        const cursor: Cursor = { pending: [] };
        cursor.iterator = await this.iterator(mapping.EventSourceArn, shardId, 'LATEST');
        this.cursors.set(`${mapping.UUID}\n${shardId}`, cursor);
      }
    }
  }

  private async call(
    service: 'dynamodb' | 'kinesis',
    action: string,
    input: unknown,
  ): Promise<Record<string, unknown>> {
    const target =
      service === 'dynamodb' ? `DynamoDBStreams_20120810.${action}` : `Kinesis_20131202.${action}`;
    const answer = await this.lambda.signed(
      service,
      'POST',
      '/',
      {
        'content-type': service === 'dynamodb' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1',
        'x-amz-target': target,
      },
      Buffer.from(JSON.stringify(input)),
    );
    const text = answer.body.toString('utf8');
    if (answer.status !== 200)
      throw new Error(`${action} answered HTTP ${answer.status}: ${text.slice(0, 300)}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  }

  private list(): Promise<StreamMapping[]> {
    return this.mappings.get();
  }

  private async shards(streamArn: string): Promise<string[]> {
    if (isDynamo(streamArn)) {
      const { StreamDescription } = (await this.call('dynamodb', 'DescribeStream', {
        StreamArn: streamArn,
      })) as {
        StreamDescription?: { Shards?: { ShardId: string }[] };
      };
      return (StreamDescription?.Shards ?? []).map((s) => s.ShardId);
    }
    const ids: string[] = [];
    let next: string | undefined;
    do {
      const page = (await this.call(
        'kinesis',
        'ListShards',
        next ? { NextToken: next } : { StreamARN: streamArn },
      )) as { Shards?: { ShardId: string }[]; NextToken?: string };
      ids.push(...(page.Shards ?? []).map((s) => s.ShardId));
      next = page.NextToken;
    } while (next);
    return ids;
  }

  private async iterator(streamArn: string, shardId: string, type: string, after?: string): Promise<string> {
    const sequence = after !== undefined ? { SequenceNumber: after } : {};
    const sequenceKinesis = after !== undefined ? { StartingSequenceNumber: after } : {};
    const answer = isDynamo(streamArn)
      ? await this.call('dynamodb', 'GetShardIterator', {
          StreamArn: streamArn,
          ShardId: shardId,
          ShardIteratorType: type,
          ...sequence,
        })
      : await this.call('kinesis', 'GetShardIterator', {
          // moto's Kinesis iterators carry the name they were asked with, and GetRecords needs one.
          StreamName: streamArn.slice(streamArn.indexOf(':stream/') + ':stream/'.length),
          ShardId: shardId,
          ShardIteratorType: type,
          ...sequenceKinesis,
        });
    return answer.ShardIterator as string;
  }

  /** The next records of a shard, at most `limit`; the cursor moves past them. */
  private async read(
    mapping: StreamMapping,
    shardId: string,
    cursor: Cursor,
    limit: number,
  ): Promise<ShardRecord[]> {
    const arn = mapping.EventSourceArn;
    const service = isDynamo(arn) ? 'dynamodb' : 'kinesis';
    let answer: Record<string, unknown> | undefined;
    for (let attempt = 0; attempt < 2 && answer === undefined; attempt++) {
      if (!cursor.iterator || attempt > 0) {
        cursor.iterator =
          cursor.done !== undefined
            ? await this.iterator(arn, shardId, 'AFTER_SEQUENCE_NUMBER', cursor.done)
            : await this.iterator(
                arn,
                shardId,
                mapping.StartingPosition === 'LATEST' ? 'LATEST' : 'TRIM_HORIZON',
              );
      }
      try {
        answer = await this.call(service, 'GetRecords', { ShardIterator: cursor.iterator, Limit: limit });
      } catch (e) {
        // An iterator moto no longer knows (or an expired one): made again from the position.
        if (attempt > 0) throw e;
      }
    }
    cursor.iterator = (answer?.NextShardIterator as string | undefined) ?? cursor.iterator;
    const records = (answer?.Records ?? []) as Record<string, unknown>[];
    return records.map((r) => {
      if (service === 'dynamodb') {
        const change = r.dynamodb as { SequenceNumber: string; ApproximateCreationDateTime?: unknown };
        return {
          ...r,
          sequenceNumber: change.SequenceNumber,
          arrival: epochSeconds(change.ApproximateCreationDateTime),
        };
      }
      return {
        ...r,
        sequenceNumber: r.SequenceNumber as string,
        arrival: epochSeconds(r.ApproximateArrivalTimestamp),
      };
    });
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const mappings = await this.list();
      const live = new Set<string>();
      for (const mapping of mappings) {
        if (mapping.State !== 'Enabled') continue;
        let shardIds: string[];
        try {
          shardIds = await this.shards(mapping.EventSourceArn);
        } catch (e) {
          this.options.log(
            `event source ${mapping.UUID} (${mapping.EventSourceArn}): ${(e as Error).message}`,
          );
          continue;
        }
        for (const shardId of shardIds) {
          const key = `${mapping.UUID}\n${shardId}`;
          live.add(key);
          if (this.busy.has(key)) continue;
          let cursor = this.cursors.get(key);
          if (!cursor) {
            cursor = { pending: [] };
            this.cursors.set(key, cursor);
            // LATEST means the records written from now on: the position is taken at once.
            if (mapping.StartingPosition === 'LATEST')
              cursor.iterator = await this.iterator(mapping.EventSourceArn, shardId, 'LATEST');
          }
          const held = cursor;
          this.busy.add(key);
          void this.poll(mapping, shardId, held)
            .catch((e: unknown) =>
              this.options.log(
                `event source ${mapping.UUID} (${mapping.EventSourceArn} ${shardId}): ${(e as Error).message}`,
              ),
            )
            .finally(() => this.busy.delete(key));
        }
      }
      // A deleted (or disabled) mapping starts over from its StartingPosition if it comes back.
      for (const key of this.cursors.keys())
        if (!live.has(key) && !this.busy.has(key)) this.cursors.delete(key);
    } catch (e) {
      this.options.log(`stream event sources: ${(e as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  private async poll(mapping: StreamMapping, shardId: string, cursor: Cursor): Promise<void> {
    const size = Math.max(1, mapping.BatchSize ?? 100);
    // A backlog is worked off batch after batch, not one batch per tick.
    while (!this.stopped) {
      let batch = cursor.pending[0];
      if (batch) {
        if (batch.retryAt > Date.now()) return;
        cursor.pending.shift();
      } else {
        const records = await this.read(mapping, shardId, cursor, size);
        if (records.length === 0) return;
        const kept = await this.filter(mapping, shardId, records);
        if (kept.length === 0) {
          // Filtered out records are done, as on AWS: the function never sees them.
          cursor.done = records[records.length - 1].sequenceNumber;
          continue;
        }
        batch = { records: kept, attempts: 0, retryAt: 0 };
      }
      await this.run(mapping, shardId, cursor, batch);
    }
  }

  private async run(mapping: StreamMapping, shardId: string, cursor: Cursor, batch: Pending): Promise<void> {
    const arn = mapping.EventSourceArn;
    const found = await this.lambda.configuration(mapping.FunctionArn);
    if ('answer' in found) {
      cursor.pending.unshift({ ...batch, retryAt: Date.now() + this.delay(batch.attempts) });
      throw new Error(`its function ${mapping.FunctionArn} is not there (HTTP ${found.answer.status})`);
    }
    const config: FunctionConfiguration = found.config;
    const event = isDynamo(arn)
      ? dynamodbEvent(batch.records, arn, this.options.region)
      : kinesisEvent(batch.records, arn, shardId, this.options.region, config.Role);
    let result: InvokeResult | undefined;
    let failure: string;
    try {
      result = await this.lambda.invoke(config, JSON.stringify(event));
      failure = result.error ? 'Unhandled' : '';
    } catch (e) {
      // Throttled, or not runnable at all: the batch waits like one that failed.
      failure = (e as Error).message;
    }
    let again = batch.records;
    if (!failure) {
      again = mapping.FunctionResponseTypes?.includes('ReportBatchItemFailures')
        ? retryFrom(result!.payload, batch.records)
        : [];
    }
    const doneCount = batch.records.length - again.length;
    if (doneCount > 0) cursor.done = batch.records[doneCount - 1].sequenceNumber;
    if (again.length === 0) return;

    const attempts = batch.attempts + 1;
    const maxRetries = mapping.MaximumRetryAttempts ?? -1;
    const maxAge = mapping.MaximumRecordAgeInSeconds ?? -1;
    const oldest = again[0].arrival;
    const tooOld = maxAge >= 0 && Date.now() / 1000 - oldest > maxAge;
    if ((maxRetries >= 0 && attempts > maxRetries) || tooOld) {
      cursor.done = again[again.length - 1].sequenceNumber;
      this.options.log(
        `event source ${mapping.UUID} (${arn} ${shardId}): gave up on ${again.length} record(s) after ${attempts} attempt(s)`,
      );
      const destination = mapping.DestinationConfig?.OnFailure?.Destination;
      if (destination) {
        await sendToDestination(
          this.lambda,
          destination,
          this.failureRecord(mapping, shardId, again, attempts, tooOld, result, failure),
        ).catch((e: unknown) =>
          this.options.log(
            `event source ${mapping.UUID}: its on-failure destination ${destination}: ${(e as Error).message}`,
          ),
        );
      }
      return;
    }
    const retryAt = Date.now() + this.delay(batch.attempts);
    if (failure && mapping.BisectBatchOnFunctionError && again.length > 1) {
      const half = Math.ceil(again.length / 2);
      cursor.pending.unshift(
        { records: again.slice(0, half), attempts, retryAt },
        { records: again.slice(half), attempts, retryAt },
      );
    } else cursor.pending.unshift({ records: again, attempts, retryAt });
  }

  /**
   * The records the mapping's FilterCriteria let through (any of its patterns matches), judged by
   * moto's EventBridge pattern matcher: a DynamoDB record as the function would get it; a Kinesis
   * record's `kinesis` object with `data` decoded when it is JSON (else no `data` pattern matches).
   */
  private async filter(
    mapping: StreamMapping,
    shardId: string,
    records: ShardRecord[],
  ): Promise<ShardRecord[]> {
    const patterns = (mapping.FilterCriteria?.Filters ?? [])
      .map((f) => f.Pattern)
      .filter((p): p is string => !!p);
    if (patterns.length === 0) return records;
    const arn = mapping.EventSourceArn;
    const views = isDynamo(arn)
      ? dynamodbEvent(records, arn, this.options.region).Records
      : (
          kinesisEvent(records, arn, shardId, this.options.region, '').Records as {
            kinesis: Record<string, unknown>;
          }[]
        ).map(({ kinesis }) => {
          let data: unknown = kinesis.data;
          try {
            data = JSON.parse(Buffer.from(String(kinesis.data), 'base64').toString('utf8'));
          } catch {
            // Not JSON: matched as the base64 text, which no object pattern matches.
          }
          return { ...kinesis, data };
        });
    const answer = await this.lambda.internalCall({
      method: 'GET',
      url: '/moto-api/nx-sst/match-filters',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify({ patterns, records: views })),
    });
    if (answer.status !== 200) {
      this.options.log(
        `event source ${mapping.UUID}: its FilterCriteria could not be read (${answer.body.toString('utf8').slice(0, 300)}); the records run unfiltered`,
      );
      return records;
    }
    const verdicts = JSON.parse(answer.body.toString('utf8')) as boolean[];
    return records.filter((_, i) => verdicts[i]);
  }

  private delay(attempts: number): number {
    return Math.min(30_000, (this.options.retryDelayMs ?? 1000) * 2 ** attempts);
  }

  /** What Lambda sends to a stream mapping's on-failure destination: the batch's description, not its records. */
  private failureRecord(
    mapping: StreamMapping,
    shardId: string,
    records: ShardRecord[],
    attempts: number,
    tooOld: boolean,
    result: InvokeResult | undefined,
    failure: string,
  ): unknown {
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
    const info = {
      shardId,
      startSequenceNumber: records[0].sequenceNumber,
      endSequenceNumber: records[records.length - 1].sequenceNumber,
      approximateArrivalOfFirstRecord: iso(records[0].arrival),
      approximateArrivalOfLastRecord: iso(records[records.length - 1].arrival),
      batchSize: records.length,
      streamArn: mapping.EventSourceArn,
    };
    return {
      requestContext: {
        requestId: result?.requestId ?? randomUUID(),
        functionArn: mapping.FunctionArn,
        condition: tooOld ? 'RecordAgeExceeded' : 'RetryAttemptsExhausted',
        approximateInvokeCount: attempts,
      },
      responseContext: {
        statusCode: result ? 200 : 500,
        executedVersion: result?.executedVersion ?? '$LATEST',
        // Reported item failures are no function error: Lambda names none then.
        ...(result?.error ? { functionError: 'Unhandled' } : failure ? { functionError: failure } : {}),
      },
      version: '1.0',
      timestamp: new Date().toISOString(),
      [isDynamo(mapping.EventSourceArn) ? 'DDBStreamBatchInfo' : 'KinesisBatchInfo']: info,
    };
  }
}

/** A time GetRecords answered (epoch seconds, or an ISO date from moto's DynamoDB), in epoch seconds. */
function epochSeconds(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const n = Number(value);
    if (Number.isFinite(n)) return n;
    const parsed = Date.parse(value.endsWith('Z') || /[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`);
    if (Number.isFinite(parsed)) return parsed / 1000;
  }
  return Date.now() / 1000;
}
