import { Cron } from 'croner';

/** A rule's `ScheduleExpression`, understood: when it fires next. */
export interface Schedule {
  readonly expression: string;
  /**
   * The first time strictly after `after` at which the rule fires (UTC, whole minutes), or undefined
   * when it never fires again (a cron whose years are over). A rate counts from `anchor`, the time
   * the rule was first seen (AWS counts from its creation).
   */
  next(after: Date, anchor: Date): Date | undefined;
}

const RATE = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/;
const CRON = /^cron\((.*)\)$/;
const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** The largest value of each of AWS's six cron fields: minutes, hours, day of month, month, day of week, year. */
const FIELD_MAX = [59, 23, 31, 12, 7, 2199];

export class ScheduleExpressionError extends Error {}

function refuse(expression: string, why: string): never {
  throw new ScheduleExpressionError(
    `Schedule expression "${expression}" is not valid: ${why}. Use rate(5 minutes) or cron(15 10 * * ? *) (minutes hours day-of-month month day-of-week year, UTC).`,
  );
}

/**
 * Parses EventBridge's `rate(…)` and `cron(…)` as AWS does: a rate of 1 takes the singular unit and
 * any other the plural; a cron has six fields, and exactly one of day-of-month and day-of-week is
 * `?`. The cron fields themselves (lists, ranges, steps, names, `L`, `W`, `#`) are croner's, in its
 * Quartz weekday numbering (1 = Sunday, as AWS counts).
 */
export function parseSchedule(expression: string): Schedule {
  const rate = RATE.exec(expression.trim());
  if (rate) {
    const value = Number(rate[1]);
    const unit = rate[2];
    if (value < 1) refuse(expression, 'the rate must be 1 or more');
    if ((value === 1) !== !unit.endsWith('s'))
      refuse(
        expression,
        value === 1 ? `use the singular "${unit.replace(/s$/, '')}" for 1` : `use "${unit}s"`,
      );
    const periodMs = value * UNIT_MS[unit.replace(/s$/, '') as keyof typeof UNIT_MS];
    return {
      expression,
      next(after, anchor) {
        const elapsed = after.getTime() - anchor.getTime();
        const periods = elapsed < 0 ? 0 : Math.floor(elapsed / periodMs) + 1;
        return new Date(anchor.getTime() + periods * periodMs);
      },
    };
  }
  const cron = CRON.exec(expression.trim());
  if (!cron) refuse(expression, 'it is neither rate(…) nor cron(…)');
  const fields = cron[1].trim().split(/\s+/);
  if (fields.length !== 6) refuse(expression, `a cron has 6 fields, this one ${fields.length}`);
  const [, , dom, , dow] = fields;
  if ((dom === '?') === (dow === '?'))
    refuse(expression, 'exactly one of day-of-month and day-of-week must be "?"');
  // AWS's "5/15" (from 5, every 15) is croner's "5-59/15".
  const croner = fields.map((field, i) =>
    field
      .split(',')
      .map((part) => part.replace(/^(\d+)\/(\d+)$/, `$1-${FIELD_MAX[i]}/$2`))
      .join(','),
  );
  let job: Cron;
  try {
    job = new Cron(['0', ...croner].join(' '), {
      mode: '7-part',
      alternativeWeekdays: true,
      timezone: 'UTC',
      paused: true,
    });
  } catch (e) {
    refuse(expression, (e as Error).message.replace(/^CronPattern: /, ''));
  }
  return {
    expression,
    next(after) {
      return job.nextRun(after) ?? undefined;
    },
  };
}
