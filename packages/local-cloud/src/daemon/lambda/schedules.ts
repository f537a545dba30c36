import { deliverInBackground, runDelivery, type EventDelivery } from './event-bus';
import type { LocalLambda } from './functions';
import { parseSchedule, type Schedule } from './schedule-expression';

/** A rule with a `ScheduleExpression`, as moto (patched) lists it. */
export interface ScheduledRule {
  arn: string;
  name: string;
  eventBusName: string;
  scheduleExpression: string;
  state: string;
  functionTargets: number;
}

/** What a schedule needs from the cloud: its rules, and the deliveries of one rule's Scheduled Event. */
export interface ScheduleSource {
  list(): Promise<ScheduledRule[]>;
  /** The function deliveries of the rule's Scheduled Event at `time`; undefined when the rule is gone. */
  fire(ruleArn: string, time: Date): Promise<{ state: string; deliveries: EventDelivery[] } | undefined>;
  /** Runs a delivery asynchronously (nobody waits). */
  deliver(delivery: EventDelivery): void;
}

/** The outcome of one target of a schedule fired now. */
export interface TargetRun {
  targetId: string;
  functionArn: string;
  ok: boolean;
  /** The handler's answer (JSON text) when it succeeded. */
  payload?: string;
  /** The handler's error, or why it could not run. */
  error?: { errorType: string; errorMessage: string };
  requestId?: string;
  durationMs?: number;
}

export interface ScheduleRun {
  ruleArn: string;
  ruleName: string;
  state: string;
  time: string;
  targets: TargetRun[];
}

export interface SchedulesOptions {
  /** How often due schedules are looked for. Default 1 s (AWS itself fires within its minute). */
  intervalMs?: number;
  /** Changes with every write (the journal's next sequence number): the rule list is reused until then. */
  version?: () => number;
  log: (line: string) => void;
}

interface Tracked {
  rule: ScheduledRule;
  schedule?: Schedule;
  /** When the daemon first saw the rule: rates count from here. */
  anchor: Date;
  next?: Date;
}

/** ISO 8601 to the second, as EventBridge writes an event's `time`. */
export function eventTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const enabled = (state: string) => state.startsWith('ENABLED');

/**
 * EventBridge's scheduler for the local cloud: each enabled rule with a `ScheduleExpression` fires
 * its function targets at its times (UTC) with the Scheduled Event, asynchronously. A time missed
 * while the daemon was down or the machine asleep is not made up (the next one is kept). Rules are
 * read again after each write to the cloud, so a deployed, changed, disabled or deleted rule counts
 * from the next tick.
 */
export class Schedules {
  private timer?: NodeJS.Timeout;
  private readonly tracked = new Map<string, Tracked>();
  private seenVersion?: number;
  private ticking = false;
  private readonly warned = new Set<string>();

  constructor(
    private readonly source: ScheduleSource,
    private readonly options: SchedulesOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The rules with a schedule now known. */
  async rules(): Promise<ScheduledRule[]> {
    await this.refresh(new Date());
    return [...this.tracked.values()].map((t) => t.rule);
  }

  /** When a rule fires next (undefined: disabled, invalid or over). */
  nextFire(ruleArn: string): Date | undefined {
    const t = this.tracked.get(ruleArn);
    return t && enabled(t.rule.state) ? t.next : undefined;
  }

  private async refresh(now: Date): Promise<void> {
    const version = this.options.version?.();
    if (version !== undefined && version === this.seenVersion) return;
    const rules = await this.source.list();
    this.seenVersion = version;
    const present = new Set(rules.map((r) => r.arn));
    for (const arn of this.tracked.keys()) if (!present.has(arn)) this.tracked.delete(arn);
    for (const rule of rules) {
      const known = this.tracked.get(rule.arn);
      if (
        known &&
        known.rule.scheduleExpression === rule.scheduleExpression &&
        enabled(known.rule.state) === enabled(rule.state)
      ) {
        known.rule = rule;
        continue;
      }
      let schedule: Schedule | undefined;
      try {
        schedule = parseSchedule(rule.scheduleExpression);
      } catch (e) {
        const key = `${rule.arn}\n${rule.scheduleExpression}`;
        if (!this.warned.has(key)) this.options.log(`rule ${rule.arn}: ${(e as Error).message}`);
        this.warned.add(key);
      }
      // New, changed or enabled again: a rate counts from now.
      this.tracked.set(rule.arn, { rule, schedule, anchor: now, next: schedule?.next(now, now) });
    }
  }

  /** Fires the schedules that are due at `now` (the timer's clock by default). */
  async tick(now = new Date()): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.refresh(now);
      for (const t of this.tracked.values()) {
        if (!t.schedule || !t.next || t.next.getTime() > now.getTime()) continue;
        const due = t.next;
        t.next = t.schedule.next(now, t.anchor);
        if (!enabled(t.rule.state) || t.rule.functionTargets === 0) continue;
        await this.fireInBackground(t.rule, due);
      }
    } catch (e) {
      this.options.log(`schedules: ${(e as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  private async fireInBackground(rule: ScheduledRule, time: Date): Promise<void> {
    const fired = await this.source.fire(rule.arn, time);
    for (const delivery of fired?.deliveries ?? []) this.source.deliver(delivery);
  }

  /**
   * Fires a rule's Scheduled Event now, whatever its schedule and state, and waits for each function
   * target: what `nx-sst cron run` shows. Undefined when there is no such rule.
   */
  async runNow(
    ruleArn: string,
    run: (d: EventDelivery) => Promise<TargetRun>,
  ): Promise<ScheduleRun | undefined> {
    const now = new Date();
    const fired = await this.source.fire(ruleArn, now);
    if (!fired) return undefined;
    const targets = await Promise.all(fired.deliveries.map(run));
    return {
      ruleArn,
      ruleName: ruleArn.slice(ruleArn.lastIndexOf('/') + 1),
      state: fired.state,
      time: eventTime(now),
      targets,
    };
  }
}

/** A delivery run to its end, as `runNow` reports it. */
export async function runTarget(lambda: LocalLambda, delivery: EventDelivery): Promise<TargetRun> {
  const base = { targetId: delivery.targetId, functionArn: delivery.functionArn };
  try {
    const result = await runDelivery(lambda, delivery);
    if (result.error) {
      return {
        ...base,
        ok: false,
        error: { errorType: result.error.errorType, errorMessage: result.error.errorMessage },
        requestId: result.requestId,
        durationMs: result.durationMs,
      };
    }
    return {
      ...base,
      ok: true,
      payload: result.payload,
      requestId: result.requestId,
      durationMs: result.durationMs,
    };
  } catch (e) {
    return { ...base, ok: false, error: { errorType: 'NotRun', errorMessage: (e as Error).message } };
  }
}

/** The schedules of the local cloud's moto, through the daemon's gate (reads only: nothing is journaled). */
export function motoScheduleSource(
  lambda: LocalLambda,
  where: { accountId: string; region: string },
  log: (line: string) => void,
): ScheduleSource {
  const get = async (route: string, query: Record<string, string>) =>
    lambda.internalCall({
      method: 'GET',
      url: `/moto-api/nx-sst/${route}?${new URLSearchParams({ account: where.accountId, region: where.region, ...query }).toString()}`,
      headers: {},
      body: Buffer.alloc(0),
    });
  return {
    async list() {
      const answer = await get('schedules', {});
      if (answer.status !== 200) throw new Error(`moto answered HTTP ${answer.status} for its schedules`);
      return JSON.parse(answer.body.toString('utf8')) as ScheduledRule[];
    },
    async fire(ruleArn, time) {
      const answer = await get('schedule-fire', { arn: ruleArn, time: eventTime(time) });
      if (answer.status === 404) return undefined;
      if (answer.status !== 200) throw new Error(`moto answered HTTP ${answer.status} firing ${ruleArn}`);
      return JSON.parse(answer.body.toString('utf8')) as { state: string; deliveries: EventDelivery[] };
    },
    deliver: (delivery) => deliverInBackground(lambda, delivery, log),
  };
}
