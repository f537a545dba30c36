import { randomUUID } from 'node:crypto';
import { sendToDestination } from './destinations';
import type { FunctionConfiguration, InvokeResult, LocalLambda } from './functions';

/** A function's asynchronous invocation settings (PutFunctionEventInvokeConfig), the fields we use. */
export interface EventInvokeConfig {
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
  DestinationConfig?: { OnSuccess?: { Destination?: string }; OnFailure?: { Destination?: string } };
}

export interface AsyncInvocationOptions {
  /** A factor on Lambda's waits (1 and 2 minutes between attempts; a throttled event's backoff). Default 1. */
  retryDelayScale?: number;
  log: (functionName: string, line: string) => void;
}

/** Lambda's waits before the second and the third attempt of an event whose function failed. */
const RETRY_DELAYS_MS = [60_000, 120_000];
/** A throttled event is tried again after 1 s, doubling up to 5 minutes, until it is too old. */
const THROTTLE_FIRST_MS = 1000;
const THROTTLE_MAX_MS = 5 * 60_000;
/** Lambda keeps an event at most 6 hours by default. */
const DEFAULT_MAX_AGE_S = 6 * 3600;

/** What Lambda sends to an asynchronous invocation's destination. */
export function destinationRecord(
  config: FunctionConfiguration,
  requestId: string,
  condition: 'Success' | 'RetriesExhausted' | 'EventAgeExceeded',
  attempts: number,
  event: string,
  result: InvokeResult | undefined,
  failure: string | undefined,
): unknown {
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  };
  return {
    version: '1.0',
    timestamp: new Date().toISOString(),
    requestContext: {
      requestId,
      functionArn: `${config.FunctionArn}:${result?.executedVersion ?? config.Version ?? '$LATEST'}`,
      condition,
      approximateInvokeCount: attempts,
    },
    requestPayload: parse(event),
    responseContext: result
      ? {
          statusCode: 200,
          executedVersion: result.executedVersion,
          ...(result.error ? { functionError: 'Unhandled' } : {}),
        }
      : { statusCode: 500, executedVersion: config.Version ?? '$LATEST', functionError: failure },
    ...(result ? { responsePayload: parse(result.payload) } : {}),
  };
}

/**
 * Asynchronous invocations (`InvocationType: Event`, topic notifications), run as Lambda runs them:
 * accepted at once, then run; a function error runs the event again after about 1 and then 2
 * minutes (`MaximumRetryAttempts`, 0–2, of the function's event invoke config; default 2); a
 * throttled event waits and is not counted; an event older than `MaximumEventAgeInSeconds`
 * (default 6 hours) is not run again. A success goes to the `OnSuccess` destination; a failure to
 * the `OnFailure` destination and the function's dead-letter queue or topic (`DeadLetterConfig`,
 * the event itself with Lambda's RequestID/ErrorCode/ErrorMessage attributes). Events wait in the
 * daemon's memory: a stop drops those waiting for a retry.
 */
export class AsyncInvocations {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly lambda: LocalLambda,
    private readonly options: AsyncInvocationOptions,
  ) {}

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  /** Takes an event and runs it in the background; the request id is the one all attempts share. */
  accept(
    config: FunctionConfiguration,
    event: string,
    extra: { clientContext?: unknown } = {},
    requestId: string = randomUUID(),
  ): string {
    this.run(config, event, extra, requestId).catch((e: unknown) =>
      this.options.log(config.FunctionName, `asynchronous invocation ${requestId}: ${(e as Error).message}`),
    );
    return requestId;
  }

  private sleep(ms: number): Promise<boolean> {
    if (this.stopped) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve(!this.stopped);
      }, ms);
      timer.unref();
      this.timers.add(timer);
    });
  }

  /** The function's event invoke config, or none (a read; moto answers 404 when there is none). */
  private async settings(config: FunctionConfiguration): Promise<EventInvokeConfig> {
    const answer = await this.lambda.signed(
      'lambda',
      'GET',
      `/2019-09-25/functions/${encodeURIComponent(config.FunctionName)}/event-invoke-config`,
      {},
      Buffer.alloc(0),
    );
    if (answer.status !== 200) return {};
    return JSON.parse(answer.body.toString('utf8') || '{}') as EventInvokeConfig;
  }

  private async run(
    config: FunctionConfiguration,
    event: string,
    extra: { clientContext?: unknown },
    requestId: string,
  ): Promise<void> {
    const received = Date.now();
    const settings = await this.settings(config);
    const maxRetries = settings.MaximumRetryAttempts ?? 2;
    const maxAgeMs = (settings.MaximumEventAgeInSeconds ?? DEFAULT_MAX_AGE_S) * 1000;
    const scale = this.options.retryDelayScale ?? 1;
    let attempts = 0;
    let throttles = 0;
    let result: InvokeResult | undefined;
    let failure: string | undefined;
    for (;;) {
      result = undefined;
      failure = undefined;
      try {
        result = await this.lambda.invoke(config, event, { ...extra, requestId });
      } catch (e) {
        const error = e as Error & { code?: string };
        if (error.code === 'TooManyRequestsException') {
          const wait = Math.min(THROTTLE_MAX_MS, THROTTLE_FIRST_MS * 2 ** throttles++) * scale;
          if (Date.now() + wait - received > maxAgeMs) {
            failure = error.code;
            return this.failed(config, requestId, 'EventAgeExceeded', attempts, event, undefined, failure);
          }
          if (!(await this.sleep(wait))) return;
          continue;
        }
        failure = error.code ?? error.message;
      }
      attempts++;
      if (result && !result.error) {
        const destination = settings.DestinationConfig?.OnSuccess?.Destination;
        if (destination)
          await this.send(
            config,
            destination,
            destinationRecord(config, requestId, 'Success', attempts, event, result, undefined),
          );
        return;
      }
      if (attempts > maxRetries)
        return this.failed(config, requestId, 'RetriesExhausted', attempts, event, result, failure, settings);
      const wait = RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1] * scale;
      if (Date.now() + wait - received > maxAgeMs)
        return this.failed(config, requestId, 'EventAgeExceeded', attempts, event, result, failure, settings);
      this.options.log(
        config.FunctionName,
        `asynchronous invocation ${requestId} failed (attempt ${attempts}); it runs again in ${Math.round(wait)} ms`,
      );
      if (!(await this.sleep(wait))) return;
    }
  }

  private async failed(
    config: FunctionConfiguration,
    requestId: string,
    condition: 'RetriesExhausted' | 'EventAgeExceeded',
    attempts: number,
    event: string,
    result: InvokeResult | undefined,
    failure: string | undefined,
    settings: EventInvokeConfig = {},
  ): Promise<void> {
    this.options.log(
      config.FunctionName,
      `asynchronous invocation ${requestId} failed after ${attempts} attempt(s) (${condition})`,
    );
    const destination = settings.DestinationConfig?.OnFailure?.Destination;
    if (destination)
      await this.send(
        config,
        destination,
        destinationRecord(config, requestId, condition, attempts, event, result, failure),
      );
    // Lambda's dead-letter message: the event itself, with why it failed as attributes.
    const fresh = await this.lambda.configuration(config.FunctionArn);
    const deadLetter = ('config' in fresh ? fresh.config : config).DeadLetterConfig?.TargetArn;
    if (deadLetter) {
      let message = failure ?? 'Unhandled';
      if (result?.error) message = result.error.errorMessage ?? message;
      await this.send(config, deadLetter, event, {
        RequestID: { DataType: 'String', StringValue: requestId },
        ErrorCode: { DataType: 'Number', StringValue: '200' },
        ErrorMessage: { DataType: 'String', StringValue: message.slice(0, 1024) || 'Unhandled' },
      });
    }
  }

  private async send(
    config: FunctionConfiguration,
    destination: string,
    record: unknown,
    attributes?: Record<string, { DataType: string; StringValue: string }>,
  ): Promise<void> {
    await sendToDestination(this.lambda, destination, record, attributes).catch((e: unknown) =>
      this.options.log(config.FunctionName, `could not send to ${destination}: ${(e as Error).message}`),
    );
  }
}
