import * as fs from 'node:fs';
import type { RoleCredentials } from './credentials';
import type { ResolvedValues } from './values';

/** Why a bound command is refreshed: its values may have changed, or its role session ends soon. */
export type RefreshReason = 'values' | 'credentials';

/** The timers the scheduler uses; the global ones by default, a fake clock in specs. */
export interface Timers {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(run: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout | undefined),
  setInterval: (run, ms) => setInterval(run, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout | undefined),
};

/** Calls `changed` whenever `file`'s modification time changes; returns how to stop watching. */
export type WatchFile = (file: string, changed: () => void) => () => void;

/**
 * Polling (`fs.watchFile`, every 250 ms) rather than `fs.watch`: the signal file may not exist yet,
 * and the writers replace it rather than write into it.
 */
export const watchMtime: WatchFile = (file, changed) => {
  const listener = (curr: fs.Stats, prev: fs.Stats) => {
    if (curr.mtimeMs !== prev.mtimeMs) changed();
  };
  fs.watchFile(file, { interval: 250 }, listener);
  return () => fs.unwatchFile(file, listener);
};

export interface RefreshSchedulerOptions {
  /** Called each time a refresh is due; never after `stop()`. */
  onDue(reason: RefreshReason, why: string): void;
  /** Touched by `secrets set|load|remove` and `deploy` in the workspace: a change is due at once. */
  signalFile: string;
  /** How often values are due for a re-read (changes made from another machine); 0 = never. */
  pollIntervalMs: number;
  /** How long before the role credentials expire a refresh is due. */
  refreshBeforeExpiryMs: number;
  timers?: Timers;
  watch?: WatchFile;
}

/**
 * When a bound command's values or credentials are due for a refresh: at once when the workspace's
 * signal file changes, every `pollIntervalMs`, and `refreshBeforeExpiryMs` before the role
 * credentials expire (at least a second from now). It only says when; `BoundRefresher` does it.
 */
export class RefreshScheduler {
  private readonly timers: Timers;
  private expiryTimer: unknown;
  private poll: unknown;
  private unwatch?: () => void;
  private stopped = false;

  constructor(private readonly opts: RefreshSchedulerOptions) {
    this.timers = opts.timers ?? systemTimers;
  }

  /** Watches the signal file and starts the poll. */
  start(): void {
    const due = () => this.due('values', 'bound values changed');
    this.unwatch = (this.opts.watch ?? watchMtime)(this.opts.signalFile, due);
    if (this.opts.pollIntervalMs > 0) this.poll = this.timers.setInterval(due, this.opts.pollIntervalMs);
  }

  /**
   * Replaces the expiry refresh with one for credentials that expire at `expiration` (none without
   * one: the caller's own credentials are not ours to renew).
   */
  scheduleExpiry(expiration: Date | undefined): void {
    this.timers.clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
    const at = expiration?.getTime();
    if (!at || this.stopped) return;
    const delay = Math.max(1000, at - this.timers.now() - this.opts.refreshBeforeExpiryMs);
    this.expiryTimer = this.timers.setTimeout(
      () => this.due('credentials', 'the role credentials are about to expire'),
      delay,
    );
  }

  /** Stops every trigger; nothing is due afterwards. */
  stop(): void {
    this.stopped = true;
    this.timers.clearTimeout(this.expiryTimer);
    this.timers.clearInterval(this.poll);
    this.unwatch?.();
    this.unwatch = undefined;
  }

  private due(reason: RefreshReason, why: string): void {
    if (!this.stopped) this.opts.onDue(reason, why);
  }
}

/** What a refresh needs of the binding: reading the values again and assuming the role again. */
export interface RefreshSource {
  readValues(): Promise<ResolvedValues>;
  /** With `reuse` off: a new role session, never a cached one. */
  assumeRole(reuse: boolean): Promise<RoleCredentials | undefined>;
}

export interface BoundRefresherOptions {
  source: RefreshSource;
  /** What the command was started with. */
  values: ResolvedValues;
  credentials: RoleCredentials | undefined;
  /** Stops the command and starts it again with these; resolves once it runs again. */
  restart(values: ResolvedValues, credentials: RoleCredentials | undefined): Promise<void>;
  /** After each restart, with the credentials the command now has (to schedule their expiry). */
  restarted?(credentials: RoleCredentials | undefined): void;
  /** Our own messages; never given a value. */
  log(line: string): void;
  /** The command, for the log lines. */
  label: string;
}

/**
 * Refreshes a running bound command, one refresh at a time in the order asked for (a secret change
 * arriving during a credential refresh waits its turn):
 * - `values`: reads the values again; restarts only when some variable differs.
 * - `credentials`: reads the values and assumes the role for a new session; always restarts.
 * A refresh that fails is logged and the command keeps running with what it has. After `close()`
 * nothing restarts, not even a refresh already under way.
 */
export class BoundRefresher {
  private chain = Promise.resolve();
  private over = false;
  private current: { values: ResolvedValues; credentials: RoleCredentials | undefined };

  constructor(private readonly opts: BoundRefresherOptions) {
    this.current = { values: opts.values, credentials: opts.credentials };
  }

  /** What the command runs with now. */
  get values(): ResolvedValues {
    return this.current.values;
  }

  get credentials(): RoleCredentials | undefined {
    return this.current.credentials;
  }

  /** Queues a refresh after those already asked for. */
  refresh(reason: RefreshReason, why: string): void {
    this.chain = this.chain.then(() => this.run(reason, why));
  }

  /** No refresh restarts the command from now on; resolves once the one under way has finished. */
  async close(): Promise<void> {
    this.over = true;
    await this.chain;
  }

  private async run(reason: RefreshReason, why: string): Promise<void> {
    if (this.over) return;
    try {
      const { source } = this.opts;
      const values = await source.readValues();
      const credentials =
        reason === 'credentials' ? await source.assumeRole(false) : this.current.credentials;
      if (this.over || (reason === 'values' && sameValues(values, this.current.values))) return;
      this.current = { values, credentials };
      this.opts.log(`${why}; restarting ${this.opts.label}`);
      await this.opts.restart(values, credentials);
      this.opts.restarted?.(credentials);
    } catch (error) {
      this.opts.log(
        `could not refresh (${(error as Error).message}); the command keeps running with the values it has`,
      );
    }
  }
}

/** Whether the command would get the same variables (secrets are variables too). */
export function sameValues(a: ResolvedValues, b: ResolvedValues): boolean {
  const keys = Object.keys(a.env);
  return keys.length === Object.keys(b.env).length && keys.every((k) => a.env[k] === b.env[k]);
}
