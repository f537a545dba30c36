import type { IIoHost, IoMessage, IoRequest } from '@aws-cdk/toolkit-lib';
import type { WaitWatchdog } from './wait-watchdog';

export interface ProgressOptions {
  /** Where lines go; default stderr. */
  write?: (text: string) => void;
  /** Live view (one rewritten status line per stack) instead of timestamped lines; default: stderr is a TTY. */
  live?: boolean;
  /** Also print toolkit-lib's debug messages. */
  verbose?: boolean;
}

export interface ResourceFailure {
  stack: string;
  logicalId: string;
  type: string;
  status: string;
  reason: string;
}

interface ActivityEvent {
  StackName?: string;
  LogicalResourceId?: string;
  ResourceType?: string;
  ResourceStatus?: string;
  ResourceStatusReason?: string;
  Timestamp?: Date;
}

/**
 * Shows toolkit-lib's deploy as it happens: one line per resource event when not on a terminal
 * (CI logs, timestamped), a live status line per stack on a terminal. Collects failed resources
 * with their reason for the final error.
 */
export class ProgressHost implements IIoHost {
  readonly failures: ResourceFailure[] = [];
  /** Stacks that toolkit-lib skipped because nothing changed. */
  readonly skipped = new Set<string>();
  readonly diffs: string[] = [];
  private readonly write: (text: string) => void;
  private readonly live: boolean;
  private readonly status = new Map<string, string>();
  private liveLines = 0;

  constructor(
    private readonly opts: ProgressOptions = {},
    /** Sees every message first: it ends a wait that hangs (see wait-watchdog.ts). */
    readonly watchdog?: WaitWatchdog,
  ) {
    this.write = opts.write ?? ((text) => process.stderr.write(text));
    this.live = opts.live ?? Boolean(process.stderr.isTTY);
  }

  /** A line of our own among toolkit-lib's (the watchdog's reports). */
  say(text: string): void {
    this.line(text);
  }

  async notify(msg: IoMessage<unknown>): Promise<void> {
    this.watchdog?.observe(msg);
    const code = msg.code ?? '';
    if (code === 'CDK_TOOLKIT_I5502' || code === 'CDK_TOOLKIT_I7100' || code === 'CDK_TOOLKIT_I6100') {
      const event = (msg.data as { event?: ActivityEvent })?.event;
      if (event) return this.activity(event);
    }
    if (code === 'CDK_TOOLKIT_I5900') {
      const data = msg.data as { noOp?: boolean; stackArn?: string };
      const name = data.stackArn?.split('/')[1];
      if (data.noOp && name) this.skipped.add(name);
    }
    if (code === 'CDK_TOOLKIT_I4002' || code === 'CDK_TOOLKIT_I4001') {
      this.diffs.push(msg.message);
      return this.line(msg.message);
    }
    if (msg.level === 'error' || msg.level === 'warn') return this.line(msg.message);
    if (msg.level === 'info' && /^(CDK_TOOLKIT_I5000|CDK_TOOLKIT_I7000|CDK_TOOLKIT_I9100)$/.test(code))
      return this.line(msg.message);
    if (this.opts.verbose && msg.level !== 'trace') return this.line(msg.message);
  }

  async requestResponse<T>(msg: IoRequest<unknown, T>): Promise<T> {
    if (this.watchdog?.failure) throw this.watchdog.failure;
    // Non-interactive like CI: security-sensitive changes and destroys are confirmed by running the command.
    if (msg.code === 'CDK_TOOLKIT_I5060' || msg.code === 'CDK_TOOLKIT_I7010') return true as T;
    return msg.defaultResponse;
  }

  /** Leaves the live view so later output starts on a fresh line. */
  end(): void {
    this.watchdog?.stop();
    this.liveLines = 0;
    this.status.clear();
  }

  private activity(event: ActivityEvent): void {
    const stack = event.StackName ?? '?';
    const status = event.ResourceStatus ?? '';
    const reason = event.ResourceStatusReason ?? '';
    if (/FAILED$/.test(status) && reason && !/cancelled|Resource creation cancelled/i.test(reason)) {
      this.failures.push({
        stack,
        logicalId: event.LogicalResourceId ?? '?',
        type: event.ResourceType ?? '?',
        status,
        reason,
      });
    }
    const text = `${stack} | ${status} | ${event.ResourceType ?? ''} ${event.LogicalResourceId ?? ''}${/FAILED/.test(status) && reason ? ` | ${reason}` : ''}`;
    if (!this.live) return this.line(text);
    if (/FAILED/.test(status)) return this.line(text);
    this.status.set(stack, text);
    this.redraw();
  }

  private line(text: string): void {
    if (this.live && this.liveLines) {
      // Clear the live block, print the permanent line above it, then draw the block again.
      this.write(`\x1b[${this.liveLines}F\x1b[J`);
      this.liveLines = 0;
      this.write(`${text}\n`);
      this.redraw();
      return;
    }
    this.write(this.live ? `${text}\n` : `${new Date().toISOString()} ${text}\n`);
  }

  private redraw(): void {
    if (this.liveLines) this.write(`\x1b[${this.liveLines}F\x1b[J`);
    const columns = process.stderr.columns ?? 120;
    const lines = [...this.status.values()].map((l) =>
      l.length > columns - 1 ? l.slice(0, columns - 2) + '…' : l,
    );
    this.write(lines.map((l) => `${l}\n`).join(''));
    this.liveLines = lines.length;
  }
}
