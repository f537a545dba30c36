import type { EventDelivery } from './event-bus';
import { Schedules, eventTime, type ScheduleSource, type ScheduledRule } from './schedules';

/** A cloud of rules in memory: what fired when, and which deliveries ran. */
function fakeSource(rules: ScheduledRule[]) {
  const fired: { arn: string; time: string }[] = [];
  const delivered: EventDelivery[] = [];
  const source: ScheduleSource = {
    list: async () => rules.map((r) => ({ ...r })),
    fire: async (arn, time) => {
      const rule = rules.find((r) => r.arn === arn);
      if (!rule) return undefined;
      fired.push({ arn, time: eventTime(time) });
      return {
        state: rule.state,
        deliveries: [
          { ruleArn: arn, targetId: 't', functionArn: 'fn', eventId: 'e', payload: '{}', error: null },
        ],
      };
    },
    deliver: (d) => void delivered.push(d),
  };
  return { source, fired, delivered };
}

const rule = (name: string, scheduleExpression: string, state = 'ENABLED'): ScheduledRule => ({
  arn: `arn:aws:events:us-east-1:000000000000:rule/${name}`,
  name,
  eventBusName: 'default',
  scheduleExpression,
  state,
  functionTargets: 1,
});

describe('Schedules (mocked clock)', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-12-06T13:58:30Z') }));
  afterEach(() => jest.useRealTimers());

  it('fires a cron at its minutes, a rate every period from when it was first seen (the first tick, 13:58:31), a disabled rule never', async () => {
    const { source, fired, delivered } = fakeSource([
      rule('quarter', 'cron(0/15 * * * ? *)'),
      rule('every-two', 'rate(2 minutes)'),
      rule('off', 'rate(1 minute)', 'DISABLED'),
    ]);
    const log = jest.fn();
    const schedules = new Schedules(source, { log });
    schedules.start();
    await jest.advanceTimersByTimeAsync(17 * 60_000);
    schedules.stop();
    expect(fired.filter((f) => f.arn.endsWith('/quarter')).map((f) => f.time)).toEqual([
      '2026-12-06T14:00:00Z',
      '2026-12-06T14:15:00Z',
    ]);
    expect(fired.filter((f) => f.arn.endsWith('/every-two')).map((f) => f.time)).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
        eventTime(new Date(Date.parse('2026-12-06T14:00:31Z') + i * 120_000)),
      ),
    );
    expect(fired.some((f) => f.arn.endsWith('/off'))).toBe(false);
    expect(delivered).toHaveLength(fired.length);
    expect(log).not.toHaveBeenCalled();
  });

  it('reads the rules again after a write: a rule enabled later counts from then, a deleted one stops', async () => {
    const rules = [rule('later', 'rate(5 minutes)', 'DISABLED'), rule('gone', 'cron(* * * * ? *)')];
    const { source, fired } = fakeSource(rules);
    let version = 1;
    const schedules = new Schedules(source, { log: jest.fn(), version: () => version });
    schedules.start();
    await jest.advanceTimersByTimeAsync(90_000); // ticks from 13:58:31 to 14:00:00: "gone" fires twice
    rules[0].state = 'ENABLED';
    rules.splice(1, 1);
    version = 2;
    await jest.advanceTimersByTimeAsync(6 * 60_000);
    schedules.stop();
    expect(fired.map((f) => `${f.arn.split('/')[1]} ${f.time}`)).toEqual([
      'gone 2026-12-06T13:59:00Z',
      'gone 2026-12-06T14:00:00Z',
      // Seen enabled at the tick of 14:00:01, five minutes on.
      'later 2026-12-06T14:05:01Z',
    ]);
  });

  it('does not make up times missed while asleep, and logs an invalid expression once', async () => {
    const { source, fired } = fakeSource([
      rule('hourly', 'cron(0 * * * ? *)'),
      rule('bad', 'cron(0 10 * * * *)'),
    ]);
    const log = jest.fn();
    const schedules = new Schedules(source, { log });
    await schedules.tick(new Date('2026-12-06T13:58:30Z'));
    await schedules.tick(new Date('2026-12-06T17:20:00Z'));
    await schedules.tick(new Date('2026-12-06T17:30:00Z'));
    expect(fired.map((f) => f.time)).toEqual(['2026-12-06T14:00:00Z']);
    expect(schedules.nextFire(rule('hourly', '').arn)).toEqual(new Date('2026-12-06T18:00:00Z'));
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0][0]).toContain('exactly one of day-of-month and day-of-week');
  });
});
