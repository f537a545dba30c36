import type { InvokeResult, LocalLambda } from './functions';

/**
 * One function target's event, as moto (patched, nx_sst_patches/events.py) shapes it: the rule's
 * pattern matched (PutEvents) or its schedule is due, and the target's Input, InputPath or
 * InputTransformer has been applied. `error` says why no payload could be made.
 */
export interface EventDelivery {
  ruleArn: string;
  targetId: string;
  functionArn: string;
  eventId: string;
  payload: string | null;
  error: string | null;
}

/** Runs the function of a delivery once and waits for it. Throws when it cannot run at all. */
export async function runDelivery(lambda: LocalLambda, delivery: EventDelivery): Promise<InvokeResult> {
  if (delivery.payload === null) throw new Error(`no input for the target: ${delivery.error ?? 'unknown'}`);
  const found = await lambda.configuration(delivery.functionArn);
  if ('answer' in found) throw new Error(`its function is not there (HTTP ${found.answer.status})`);
  return lambda.invoke(found.config, delivery.payload);
}

/**
 * Runs a delivery as EventBridge does: an asynchronous invocation of the function, with Lambda's
 * retries, destinations and dead-letter queue (`LocalLambda.events`). What cannot be handed over
 * (no input, no function) is a line in the daemon log; how the function went is in its own log.
 */
export function deliverInBackground(
  lambda: LocalLambda,
  delivery: EventDelivery,
  log: (line: string) => void,
): void {
  const what = `event ${delivery.eventId} of ${delivery.ruleArn} to ${delivery.functionArn}`;
  const payload = delivery.payload;
  if (payload === null) {
    log(`${what}: no input for the target: ${delivery.error ?? 'unknown'}`);
    return;
  }
  lambda.configuration(delivery.functionArn).then(
    (found) => {
      if ('answer' in found) log(`${what}: its function is not there (HTTP ${found.answer.status})`);
      else lambda.events.accept(found.config, payload);
    },
    (e: unknown) => log(`${what}: ${(e as Error).message}`),
  );
}

export interface EventBusTargetsOptions {
  /** How often moto's recorded deliveries are drained. Default 250 ms. */
  intervalMs?: number;
  log: (line: string) => void;
}

/**
 * The function targets of EventBridge rules for events put on a bus: moto matches the events
 * (PutEvents) and records a delivery per function target of each matching, enabled rule; this
 * drains them and runs each function once, as an asynchronous invocation.
 */
export class EventBusTargets {
  private timer?: NodeJS.Timeout;
  private draining = false;

  constructor(
    private readonly lambda: LocalLambda,
    private readonly options: EventBusTargetsOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 250);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Drops the deliveries moto recorded while the journal was replayed: they ran (or not) before the
   * restart. Call once, after the replay and before clients can put events.
   */
  async discardReplayed(): Promise<void> {
    await this.drain();
  }

  private async drain(): Promise<EventDelivery[]> {
    const answer = await this.lambda.internalCall({
      method: 'GET',
      url: '/moto-api/nx-sst/event-deliveries',
      headers: {},
      body: Buffer.alloc(0),
    });
    if (answer.status !== 200)
      throw new Error(`moto answered HTTP ${answer.status} for its EventBridge deliveries`);
    return JSON.parse(answer.body.toString('utf8')) as EventDelivery[];
  }

  private async tick(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      for (const delivery of await this.drain()) deliverInBackground(this.lambda, delivery, this.options.log);
    } catch (e) {
      this.options.log(`EventBridge deliveries: ${(e as Error).message}`);
    } finally {
      this.draining = false;
    }
  }
}
