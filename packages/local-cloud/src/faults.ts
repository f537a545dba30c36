/** Faults the front injects, for tests that need a slow, throttling or failing cloud. */
export interface Faults {
  /** Added latency in milliseconds per service signing name (`ssm`, `s3`…); `'*'` applies to all. */
  latencyMs?: Record<string, number>;
  /**
   * Requests per second allowed per `service:Action` (e.g. `'ssm:GetParameters'`), per service
   * (`'ssm'`) or for everything (`'*'`); beyond it the front answers the service's throttling error.
   */
  throttle?: Record<string, number>;
  /** CloudFormation resource types (e.g. `'AWS::SQS::Queue'`) whose creation or update fails during a deploy. */
  failResourceTypes?: string[];
  /**
   * CloudFormation waits that never end: `'changeSets'` describes every change set as still being
   * created (`CREATE_IN_PROGRESS`), `'stacks'` every stack as in the middle of its last operation
   * (`UPDATE_COMPLETE` → `UPDATE_IN_PROGRESS`). Only the answers change; the state does not.
   */
  stall?: StallTarget[];
}

export type StallTarget = 'changeSets' | 'stacks';
const STALL_TARGETS: readonly StallTarget[] = ['changeSets', 'stacks'];

/** Checks faults sent by a caller so a typo fails loudly instead of silently injecting nothing. */
export function validateFaults(input: unknown): Faults {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new Error(
      'Faults must be an object like { latencyMs: { ssm: 20 }, throttle: { "ssm:GetParameters": 40 } }',
    );
  }
  const known = new Set(['latencyMs', 'throttle', 'failResourceTypes', 'stall']);
  for (const key of Object.keys(input)) {
    if (!known.has(key))
      throw new Error(`Unknown fault "${key}": use latencyMs, throttle, failResourceTypes or stall`);
  }
  const faults = input as Faults;
  for (const field of ['latencyMs', 'throttle'] as const) {
    const map = faults[field];
    if (map === undefined) continue;
    if (typeof map !== 'object' || map === null)
      throw new Error(`Fault ${field} must be an object of numbers`);
    for (const [key, value] of Object.entries(map)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw new Error(`Fault ${field}["${key}"] must be a number >= 0, got ${JSON.stringify(value)}`);
      }
    }
  }
  const types = faults.failResourceTypes;
  if (
    types !== undefined &&
    (!Array.isArray(types) || types.some((t) => typeof t !== 'string' || !t.includes('::')))
  ) {
    throw new Error('Fault failResourceTypes must be resource types such as "AWS::SQS::Queue"');
  }
  const stall = faults.stall;
  if (
    stall !== undefined &&
    (!Array.isArray(stall) || stall.some((t) => !STALL_TARGETS.includes(t as StallTarget)))
  ) {
    throw new Error(`Fault stall must list some of ${STALL_TARGETS.map((t) => `"${t}"`).join(', ')}`);
  }
  return faults;
}

/** Sliding one-second windows of request times per throttle key. */
export class Throttler {
  private readonly windows = new Map<string, number[]>();

  /** Returns whether a request may pass now; counts it when it does. */
  admit(
    limits: Record<string, number> | undefined,
    service: string,
    action: string,
    now = Date.now(),
  ): boolean {
    if (!limits) return true;
    for (const key of [`${service}:${action}`, service, '*']) {
      const limit = limits[key];
      if (limit === undefined) continue;
      const window = (this.windows.get(key) ?? []).filter((t) => now - t < 1000);
      if (window.length >= limit) {
        this.windows.set(key, window);
        return false;
      }
      window.push(now);
      this.windows.set(key, window);
    }
    return true;
  }

  reset(): void {
    this.windows.clear();
  }
}

export function latencyFor(faults: Faults, service: string): number {
  return faults.latencyMs?.[service] ?? faults.latencyMs?.['*'] ?? 0;
}
