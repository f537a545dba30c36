import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RoleCredentials } from './credentials';
import {
  BoundRefresher,
  RefreshScheduler,
  sameValues,
  watchMtime,
  type RefreshReason,
  type Timers,
} from './refresh';
import type { ResolvedValues } from './values';

/** A clock that moves only when told; timers fire in time order as it passes them. */
class FakeClock implements Timers {
  private at = 1_000_000;
  private next = 1;
  private readonly pending = new Map<number, { at: number; run: () => void; every?: number }>();

  now = () => this.at;
  setTimeout = (run: () => void, ms: number) => this.add(run, ms);
  setInterval = (run: () => void, ms: number) => this.add(run, ms, ms);
  clearTimeout = (handle: unknown) => void this.pending.delete(handle as number);
  clearInterval = (handle: unknown) => void this.pending.delete(handle as number);

  /** How many timers are armed. */
  get armed(): number {
    return this.pending.size;
  }

  advance(ms: number): void {
    const end = this.at + ms;
    for (;;) {
      const [id, timer] = [...this.pending].sort(([, a], [, b]) => a.at - b.at)[0] ?? [];
      if (!timer || timer.at > end) break;
      this.at = timer.at;
      if (timer.every) timer.at += timer.every;
      else this.pending.delete(id!);
      timer.run();
    }
    this.at = end;
  }

  private add(run: () => void, ms: number, every?: number): number {
    const id = this.next++;
    this.pending.set(id, { at: this.at + ms, run, every });
    return id;
  }
}

function scheduler(opts: { pollIntervalMs?: number; refreshBeforeExpiryMs?: number } = {}) {
  const clock = new FakeClock();
  const due: [RefreshReason, string, number][] = [];
  const watched: { file: string; changed: () => void; stopped: boolean }[] = [];
  const s = new RefreshScheduler({
    onDue: (reason, why) => due.push([reason, why, clock.now()]),
    signalFile: '/ws/.sst/bind-signal',
    pollIntervalMs: opts.pollIntervalMs ?? 0,
    refreshBeforeExpiryMs: opts.refreshBeforeExpiryMs ?? 60_000,
    timers: clock,
    watch: (file, changed) => {
      const w = { file, changed, stopped: false };
      watched.push(w);
      return () => (w.stopped = true);
    },
  });
  return { s, clock, due, watched };
}

describe('RefreshScheduler', () => {
  it('makes the credentials due refreshBeforeExpiryMs before they expire, and each new schedule replaces the last', () => {
    const { s, clock, due } = scheduler({ refreshBeforeExpiryMs: 60_000 });
    const start = clock.now();
    s.scheduleExpiry(new Date(start + 3_600_000));
    clock.advance(3_540_000 - 1);
    expect(due).toEqual([]);
    clock.advance(1);
    expect(due).toEqual([['credentials', 'the role credentials are about to expire', start + 3_540_000]]);

    // A restart with new credentials: only the new expiry counts.
    s.scheduleExpiry(new Date(clock.now() + 600_000));
    s.scheduleExpiry(new Date(clock.now() + 120_000));
    clock.advance(3_600_000);
    expect(due.map(([, , at]) => at - start)).toEqual([3_540_000, 3_540_000 + 60_000]);
  });

  it('waits at least a second for credentials about to expire, and schedules nothing without an expiry', () => {
    const { s, clock, due } = scheduler({ refreshBeforeExpiryMs: 60_000 });
    s.scheduleExpiry(new Date(clock.now() + 5_000));
    clock.advance(999);
    expect(due).toEqual([]);
    clock.advance(1);
    expect(due).toHaveLength(1);
    s.scheduleExpiry(undefined);
    expect(clock.armed).toBe(0);
  });

  it('makes the values due when the signal file changes and on every poll, once started', () => {
    const { s, clock, due, watched } = scheduler({ pollIntervalMs: 60_000 });
    clock.advance(120_000);
    expect(watched).toEqual([]);
    s.start();
    expect(watched.map((w) => w.file)).toEqual(['/ws/.sst/bind-signal']);
    watched[0].changed();
    clock.advance(120_000);
    expect(due.map(([reason, why]) => `${reason}: ${why}`)).toEqual([
      'values: bound values changed',
      'values: bound values changed',
      'values: bound values changed',
    ]);
  });

  it('does not poll with a poll interval of 0', () => {
    const { s, clock, due } = scheduler({ pollIntervalMs: 0 });
    s.start();
    clock.advance(24 * 3_600_000);
    expect(due).toEqual([]);
    expect(clock.armed).toBe(0);
  });

  it('once stopped, has nothing armed or watched and makes nothing due', () => {
    const { s, clock, due, watched } = scheduler({ pollIntervalMs: 1_000 });
    s.start();
    s.scheduleExpiry(new Date(clock.now() + 3_600_000));
    s.stop();
    expect(clock.armed).toBe(0);
    expect(watched[0].stopped).toBe(true);
    watched[0].changed();
    s.scheduleExpiry(new Date(clock.now() + 3_600_000));
    clock.advance(24 * 3_600_000);
    expect(due).toEqual([]);
  });
});

describe('watchMtime', () => {
  it('reports a change of the file, also one created after the watch began, until stopped', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-watch-'));
    const file = path.join(dir, 'bind-signal');
    let changes = 0;
    const stop = watchMtime(file, () => changes++);
    try {
      const changed = async () => {
        const seen = changes;
        for (let i = 0; i < 100 && changes === seen; i++) await new Promise((r) => setTimeout(r, 50));
        return changes > seen;
      };
      // The watch takes its first look at the file asynchronously: create it after that.
      await new Promise((r) => setTimeout(r, 500));
      fs.writeFileSync(file, '');
      expect(await changed()).toBe(true);
      const later = new Date(Date.now() + 10_000);
      fs.utimesSync(file, later, later);
      expect(await changed()).toBe(true);
      stop();
      const seen = changes;
      fs.utimesSync(file, new Date(), new Date());
      await new Promise((r) => setTimeout(r, 700));
      expect(changes).toBe(seen);
    } finally {
      stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

const valuesOf = (env: Record<string, string>, secrets: string[] = []): ResolvedValues =>
  ({ env, secrets }) as ResolvedValues;
const role = (key: string): RoleCredentials => ({
  accessKeyId: key,
  secretAccessKey: `${key}-secret`,
  expiration: new Date(Date.UTC(2030, 0, 1)),
  source: 'the role',
});

/** A binding whose reads answer from queues the spec fills, and a command that records restarts. */
function refresher(start = valuesOf({ SST_A: '1' }), credentials: RoleCredentials | undefined = role('k1')) {
  const reads: (() => Promise<ResolvedValues>)[] = [];
  const roles: RoleCredentials[] = [];
  const log: string[] = [];
  const restarts: { values: ResolvedValues; credentials?: RoleCredentials }[] = [];
  const restarted: (RoleCredentials | undefined)[] = [];
  const assumed: boolean[] = [];
  let restart = async () => undefined as void;
  const r = new BoundRefresher({
    source: {
      readValues: () => reads.shift()?.() ?? Promise.reject(new Error('no read expected')),
      assumeRole: async (reuse) => {
        assumed.push(reuse);
        return roles.shift();
      },
    },
    values: start,
    credentials,
    restart: async (values, c) => {
      restarts.push({ values, credentials: c });
      await restart();
    },
    restarted: (c) => restarted.push(c),
    log: (line) => log.push(line),
    label: 'node server.js',
  });
  const settled = async () => {
    for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    r,
    reads,
    roles,
    log,
    restarts,
    restarted,
    assumed,
    settled,
    holdRestart: (hold: () => Promise<void>) => (restart = hold),
  };
}

describe('BoundRefresher', () => {
  it('restarts on changed values with the credentials it has, and not when they are the same', async () => {
    const t = refresher();
    t.reads.push(async () => valuesOf({ SST_A: '1' }));
    t.r.refresh('values', 'bound values changed');
    await t.settled();
    expect(t.restarts).toEqual([]);
    expect(t.log).toEqual([]);

    const changed = valuesOf({ SST_A: '2' }, ['2']);
    t.reads.push(async () => changed);
    t.r.refresh('values', 'bound values changed');
    await t.settled();
    expect(t.restarts).toEqual([{ values: changed, credentials: role('k1') }]);
    expect(t.restarted).toEqual([role('k1')]);
    expect(t.log).toEqual(['bound values changed; restarting node server.js']);
    expect(t.assumed).toEqual([]);
    expect(t.r.values).toBe(changed);
  });

  it('on credentials, asks for a new role session and restarts even with the same values', async () => {
    const t = refresher();
    t.reads.push(async () => valuesOf({ SST_A: '1' }));
    t.roles.push(role('k2'));
    t.r.refresh('credentials', 'the role credentials are about to expire');
    await t.settled();
    expect(t.assumed).toEqual([false]);
    expect(t.restarts).toEqual([{ values: valuesOf({ SST_A: '1' }), credentials: role('k2') }]);
    expect(t.restarted).toEqual([role('k2')]);
    expect(t.r.credentials).toEqual(role('k2'));
    expect(t.log).toEqual(['the role credentials are about to expire; restarting node server.js']);
  });

  it('runs one refresh at a time, in the order asked for', async () => {
    const t = refresher();
    let release!: () => void;
    t.holdRestart(() => new Promise<void>((resolve) => (release = resolve)));
    let secondReadStarted = false;
    t.reads.push(async () => valuesOf({ SST_A: '2' }));
    t.reads.push(async () => {
      secondReadStarted = true;
      return valuesOf({ SST_A: '3' });
    });
    t.r.refresh('values', 'first');
    t.r.refresh('values', 'second');
    await t.settled();
    expect(t.restarts).toHaveLength(1);
    expect(secondReadStarted).toBe(false);
    release();
    await t.settled();
    release();
    await t.settled();
    expect(t.restarts.map((r) => r.values.env.SST_A)).toEqual(['2', '3']);
    expect(t.log).toEqual(['first; restarting node server.js', 'second; restarting node server.js']);
  });

  it('keeps the command running when a refresh fails, and the next refresh still works', async () => {
    const t = refresher();
    t.reads.push(async () => {
      throw new Error('ThrottlingException: Rate exceeded');
    });
    t.reads.push(async () => valuesOf({ SST_A: '2' }));
    t.r.refresh('values', 'bound values changed');
    t.r.refresh('values', 'bound values changed');
    await t.settled();
    expect(t.log).toEqual([
      'could not refresh (ThrottlingException: Rate exceeded); the command keeps running with the values it has',
      'bound values changed; restarting node server.js',
    ]);
    expect(t.restarts).toHaveLength(1);
  });

  it('restarts nothing once closed, not even a refresh already under way, and close waits for it', async () => {
    const t = refresher();
    let answer!: (v: ResolvedValues) => void;
    t.reads.push(() => new Promise((resolve) => (answer = resolve)));
    t.r.refresh('values', 'bound values changed');
    await t.settled();
    let closed = false;
    const closing = t.r.close().then(() => (closed = true));
    await t.settled();
    expect(closed).toBe(false);
    answer(valuesOf({ SST_A: '2' }));
    await closing;
    t.r.refresh('values', 'bound values changed');
    await t.settled();
    expect(t.restarts).toEqual([]);
    expect(t.log).toEqual([]);
  });
});

describe('sameValues', () => {
  it('compares every variable, the number of them included', () => {
    expect(sameValues(valuesOf({ A: '1', B: '2' }), valuesOf({ B: '2', A: '1' }))).toBe(true);
    expect(sameValues(valuesOf({ A: '1' }), valuesOf({ A: '1', B: '2' }))).toBe(false);
    expect(sameValues(valuesOf({ A: '1' }), valuesOf({ A: '2' }))).toBe(false);
  });
});
