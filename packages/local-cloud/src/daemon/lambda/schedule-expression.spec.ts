import { parseSchedule, ScheduleExpressionError } from './schedule-expression';

const at = (iso: string) => new Date(iso);

/** The next `n` fire times after `from`, as ISO strings. */
function fires(expression: string, from: string, n = 3, anchor = from): string[] {
  const schedule = parseSchedule(expression);
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < n; i++) {
    const next = schedule.next(t, at(anchor));
    if (!next) break;
    out.push(next.toISOString().replace('.000Z', 'Z'));
    t = next;
  }
  return out;
}

describe('parseSchedule: rate', () => {
  it('counts whole periods from the anchor, strictly after the given time', () => {
    expect(fires('rate(5 minutes)', '2026-12-06T13:33:20Z')).toEqual([
      '2026-12-06T13:38:20Z',
      '2026-12-06T13:43:20Z',
      '2026-12-06T13:48:20Z',
    ]);
    expect(fires('rate(1 hour)', '2026-12-06T14:10:00Z', 2, '2026-12-06T13:00:00Z')).toEqual([
      '2026-12-06T15:00:00Z',
      '2026-12-06T16:00:00Z',
    ]);
    expect(fires('rate(2 days)', '2026-12-06T00:00:00Z', 1)).toEqual(['2026-12-08T00:00:00Z']);
  });

  it('refuses what AWS refuses: a plural for 1, a singular for more, zero, other units', () => {
    for (const bad of [
      'rate(1 minutes)',
      'rate(5 minute)',
      'rate(0 minutes)',
      'rate(5 seconds)',
      'rate(x hours)',
    ])
      expect(() => parseSchedule(bad)).toThrow(ScheduleExpressionError);
    expect(() => parseSchedule('rate(1 minutes)')).toThrow(/singular "minute"/);
  });
});

describe('parseSchedule: cron (UTC, AWS fields)', () => {
  const from = '2026-12-06T13:33:00Z'; // a Sunday

  it('fires daily at a time', () => {
    expect(fires('cron(15 10 * * ? *)', from, 2)).toEqual(['2026-12-07T10:15:00Z', '2026-12-08T10:15:00Z']);
  });

  it('takes AWS steps from a start value (0/15) and from *', () => {
    expect(fires('cron(0/15 * * * ? *)', from)).toEqual([
      '2026-12-06T13:45:00Z',
      '2026-12-06T14:00:00Z',
      '2026-12-06T14:15:00Z',
    ]);
    expect(fires('cron(5/20 * * * ? *)', from, 2)).toEqual(['2026-12-06T13:45:00Z', '2026-12-06T14:05:00Z']);
    expect(fires('cron(*/30 * * * ? *)', from, 1)).toEqual(['2026-12-06T14:00:00Z']);
  });

  it('takes ranges, lists and day names (weekdays only, business hours)', () => {
    expect(fires('cron(0/30 8-9 ? * MON-FRI *)', from, 5)).toEqual([
      '2026-12-07T08:00:00Z',
      '2026-12-07T08:30:00Z',
      '2026-12-07T09:00:00Z',
      '2026-12-07T09:30:00Z',
      '2026-12-08T08:00:00Z',
    ]);
    expect(fires('cron(0 12 ? JAN,JUL SUN 2027)', from, 2)).toEqual([
      '2027-01-03T12:00:00Z',
      '2027-01-10T12:00:00Z',
    ]);
  });

  it('counts day-of-week numbers from 1 = Sunday, as AWS does', () => {
    expect(fires('cron(30 2 ? * 1 *)', from, 1)).toEqual(['2026-12-13T02:30:00Z']);
    expect(fires('cron(0 0 ? * 7 *)', from, 1)).toEqual(['2026-12-12T00:00:00Z']);
    expect(fires('cron(0 0 ? * 2,4,6 *)', from, 3)).toEqual([
      '2026-12-07T00:00:00Z',
      '2026-12-09T00:00:00Z',
      '2026-12-11T00:00:00Z',
    ]);
  });

  it('takes L, W and #', () => {
    expect(fires('cron(0 0 L * ? *)', from, 3)).toEqual([
      '2026-12-31T00:00:00Z',
      '2027-01-31T00:00:00Z',
      '2027-02-28T00:00:00Z',
    ]);
    // The last Friday of the month.
    expect(fires('cron(0 0 ? * 6L *)', from, 2)).toEqual(['2026-12-25T00:00:00Z', '2027-01-29T00:00:00Z']);
    // The weekday nearest the 16th: 2027-01-16 is a Saturday, so Friday the 15th.
    expect(fires('cron(0 9 16W * ? *)', from, 2)).toEqual(['2026-12-16T09:00:00Z', '2027-01-15T09:00:00Z']);
    // The first Monday of the month.
    expect(fires('cron(0 9 ? * 2#1 *)', from, 2)).toEqual(['2026-12-07T09:00:00Z', '2027-01-04T09:00:00Z']);
    expect(fires('cron(0 0 LW * ? *)', from, 2)).toEqual(['2026-12-31T00:00:00Z', '2027-01-29T00:00:00Z']);
  });

  it('ends when its years are over', () => {
    expect(fires('cron(0 0 1 1 ? 2027-2028)', from, 5)).toEqual([
      '2027-01-01T00:00:00Z',
      '2028-01-01T00:00:00Z',
    ]);
  });

  it('refuses a cron without exactly one "?" of day-of-month and day-of-week, a wrong field count, bad fields', () => {
    expect(() => parseSchedule('cron(0 10 * * * *)')).toThrow(/exactly one of day-of-month and day-of-week/);
    expect(() => parseSchedule('cron(0 10 ? * ? *)')).toThrow(/exactly one/);
    expect(() => parseSchedule('cron(0 10 * * ?)')).toThrow(/6 fields, this one 5/);
    expect(() => parseSchedule('cron(61 10 * * ? *)')).toThrow(ScheduleExpressionError);
    expect(() => parseSchedule('every day')).toThrow(/neither rate/);
  });
});
