import * as http from 'node:http';
import * as https from 'node:https';
import type { IoMessage } from '@aws-cdk/toolkit-lib';
import { NxSstError } from '../core/errors';

/** Seconds a CloudFormation wait may go without a change before the command gives up; 0: no limit. */
export const WAIT_TIMEOUT_ENV = 'NX_SST_WAIT_TIMEOUT';
/**
 * The local cloud answers at once (moto applies a change set while it is executed), so a wait that
 * sees nothing change for two minutes will not end. On AWS a resource may take long without a new
 * event (a CloudFront distribution, a database cluster): an hour.
 */
export const DEFAULT_WAIT_TIMEOUT_S = { local: 120, aws: 3600 } as const;

/** Reads `NX_SST_WAIT_TIMEOUT` (seconds) into milliseconds; 0 turns the limit off. */
export function waitTimeoutMs(env: NodeJS.ProcessEnv, local: boolean): number {
  const raw = env[WAIT_TIMEOUT_ENV];
  if (raw === undefined || raw.trim() === '') return DEFAULT_WAIT_TIMEOUT_S[local ? 'local' : 'aws'] * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new NxSstError(
      `${WAIT_TIMEOUT_ENV}="${raw}" is not a number of seconds.`,
      `Set it to the seconds a CloudFormation wait may go without a change (e.g. ${WAIT_TIMEOUT_ENV}=600), or 0 for no limit.`,
    );
  }
  return Math.round(seconds * 1000);
}

type WaitKind = 'change set creation' | 'change set deletion' | 'stack operation';

interface Wait {
  kind: WaitKind;
  stack: string;
  changeSet?: string;
  status?: string;
  /** When the wait began, or last saw a change (a new status, a stack event). */
  since: number;
  started: number;
  reported: number;
  /** The last sign that toolkit-lib still polls (a poll message, a call for the stack). */
  seen: number;
}

/**
 * toolkit-lib polls every 5 s. A wait it left without a word (a stack found stable at once is
 * returned silently) shows no sign of polling: after this long it is taken as ended.
 */
const SILENT_END_MS = 30_000;
/** A wait polled within this long (two of toolkit-lib's polls, on a slow machine) is still going on. */
const POLLED_MS = 12_000;

// toolkit-lib's own words at the start of each of its waits and at each poll (toolkit-lib 1.x,
// lib/api/change-sets and lib/api/deployments/cfn-api).
const CHANGE_SET_CREATING = /^Waiting for changeset (\S+) on stack (\S+) to finish creating\.\.\.$/;
const CHANGE_SET_STILL_CREATING = /^Changeset (\S+) on stack (\S+) is still creating$/;
const CHANGE_SET_DELETING = /^Waiting for changeset (\S+) on stack (\S+) to finish deleting\.\.\.$/;
const STACK_WAITING = /^Waiting for stack (\S+) to finish creating or updating\.\.\.$/;
const STACK_STILL_BUSY = /^Stack (\S+) has an ongoing operation in progress and is not stable \((\S+)\)$/;
const STACK_STALE_REVIEW = /^Stack (\S+) reported REVIEW_IN_PROGRESS/;

/** SDK call logs (CDK_SDK_I0100) and the stack activity monitor's messages are sent without being awaited. */
const NOT_AWAITED = new Set([
  'CDK_SDK_I0100',
  'CDK_TOOLKIT_I5501',
  'CDK_TOOLKIT_I5502',
  'CDK_TOOLKIT_I5503',
  'CDK_TOOLKIT_E5500',
  'CDK_TOOLKIT_W5500',
]);

interface SdkCall {
  clientName?: string;
  commandName?: string;
  input?: { StackName?: string; ChangeSetName?: string };
  output?: {
    Status?: string;
    ExecutionStatus?: string;
    Stacks?: { StackName?: string; StackStatus?: string }[];
  };
  error?: unknown;
}

/** The stack name in a name or an ARN (`arn:aws:cloudformation:…:stack/NAME/id`). */
function stackName(nameOrArn: string): string {
  return nameOrArn.startsWith('arn:') ? (nameOrArn.split('/')[1] ?? nameOrArn) : nameOrArn;
}

export interface WaitWatchdogOptions {
  /** The stage is the local cloud (the message then says how to restart it). */
  local: boolean;
  /** Default: `NX_SST_WAIT_TIMEOUT`, else {@link DEFAULT_WAIT_TIMEOUT_S}. */
  timeoutMs?: number;
  /** Where "still waiting" lines go. */
  report?: (line: string) => void;
  now?: () => number;
  /**
   * The endpoints toolkit-lib's SDK clients call are plain HTTP: the local cloud, or AWS_ENDPOINT_URL
   * pointing at an emulator. Default: `local`.
   */
  plainHttp?: boolean;
}

/**
 * Whether the watchdog's agent fits every endpoint the SDK will call, and which protocol: one
 * agent serves one protocol (Node refuses the other), so endpoint overrides of both kinds fit none
 * and the agent is then not given to toolkit-lib (its waits still end at the next awaited message).
 */
export function agentProtocol(local: boolean, env: NodeJS.ProcessEnv): 'http' | 'https' | undefined {
  if (local) return 'http';
  const schemes = new Set(
    Object.entries(env)
      .filter(([key, value]) => /^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/.test(key) && value)
      .map(([, value]) => String(value).split(':')[0].toLowerCase()),
  );
  if (schemes.size === 0) return 'https';
  return schemes.size === 1 ? ([...schemes][0] === 'http' ? 'http' : 'https') : undefined;
}

/**
 * Watches the waits toolkit-lib runs inside a deploy, remove or diff — for a change set to be
 * created, for an old one to be deleted, for a stack to settle — which poll every 5 s without an
 * end of their own. It learns of them from toolkit-lib's messages (every message passes through
 * {@link observe}): the start of a wait, each poll, the status the SDK calls returned, the stack's
 * events. A wait that sees no change reports itself every so often; past the timeout the watchdog
 * gives up: {@link failure} is set, every awaited message toolkit-lib sends from then on throws it
 * (so toolkit-lib's loop stops at its next poll), and {@link agent}, the HTTP agent of toolkit-lib's
 * SDK clients, refuses every request.
 */
export class WaitWatchdog {
  readonly timeoutMs: number;
  /** Set when a wait ran out of time: the error the command ends with. */
  failure?: NxSstError;
  /**
   * Set when the local cloud refused a connection: its daemon is gone (it listens on the loopback
   * until stopped), and every later request fails at once with this — an error the SDK does not
   * retry, where toolkit-lib's retry strategy would try a refused call seven times over half a minute.
   */
  stopped?: Error;
  /** For toolkit-lib's `sdkConfig.httpOptions.agent`: fails every request once the watchdog gave up. */
  readonly agent: http.Agent;
  private readonly waits = new Map<string, Wait>();
  private readonly now: () => number;
  private readonly reportEveryMs: number;
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: WaitWatchdogOptions) {
    this.timeoutMs = opts.timeoutMs ?? waitTimeoutMs(process.env, opts.local);
    this.now = opts.now ?? Date.now;
    this.reportEveryMs = Math.min(60_000, Math.max(10_000, this.timeoutMs / 4 || 60_000));
    // The local cloud is plain HTTP on the loopback; AWS endpoints are HTTPS. toolkit-lib uses the one
    // agent for both protocols, and Node refuses an agent of the other protocol. The SDK's own defaults.
    const agent =
      (opts.plainHttp ?? opts.local)
        ? new http.Agent({ keepAlive: true, maxSockets: 50 })
        : new https.Agent({ keepAlive: true, maxSockets: 50 });
    const connect = agent.createConnection.bind(agent);
    agent.createConnection = ((options, callback) => {
      const refusal = this.failure ?? this.stopped;
      if (refusal) {
        callback?.(refusal, undefined as never);
        return undefined;
      }
      const socket = connect(options, callback);
      if (opts.local) socket?.once('error', (error) => this.noteRefused(error));
      return socket;
    }) as typeof agent.createConnection;
    this.agent = agent;
  }

  /** Takes note of one of toolkit-lib's messages. Throws the failure for an awaited one once it gave up. */
  observe(msg: IoMessage<unknown>): void {
    const code = msg.code ?? '';
    if (code === 'CDK_SDK_I0100') this.sdkCall((msg.data as { content?: SdkCall[] })?.content?.[0]);
    else if (code === 'CDK_TOOLKIT_I5502') {
      const event = (msg.data as { event?: { StackName?: string } })?.event;
      const wait = event?.StackName ? this.waits.get(event.StackName) : undefined;
      if (wait) wait.since = this.now();
    } else if (!NOT_AWAITED.has(code)) this.message(msg.message);
    this.schedule();
    if (this.failure && !NOT_AWAITED.has(code)) throw this.failure;
  }

  private noteRefused(error: Error): void {
    if (this.stopped || (error as NodeJS.ErrnoException).code !== 'ECONNREFUSED') return;
    // The message keeps the refused address (the deploy's error names it); no `code` and no `cause`,
    // which would make the SDK retry it.
    this.stopped = new Error(error.message);
    this.stopped.name = 'LocalCloudStopped';
  }

  /** Stops the timer; waits still open are forgotten. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.waits.clear();
  }

  /** Looks at every open wait: reports the long ones, gives up on one past the timeout. */
  check(): void {
    const now = this.now();
    for (const wait of [...this.waits.values()]) {
      if (now - wait.seen > SILENT_END_MS) {
        this.waits.delete(wait.stack);
        continue;
      }
      const still = now - wait.since;
      // Only a wait that is being polled hangs; a silent one may have ended unseen.
      const polled = wait.seen > wait.started && now - wait.seen < POLLED_MS;
      if (this.timeoutMs > 0 && still >= this.timeoutMs && polled) {
        this.giveUp(wait, now);
        return;
      }
      if (now - wait.reported >= this.reportEveryMs) {
        wait.reported = now;
        this.opts.report?.(
          `${wait.stack}: still waiting for ${describeWait(wait)}, ${seconds(now - wait.started)} so far` +
            (this.timeoutMs > 0
              ? `; gives up after ${seconds(this.timeoutMs)} without a change (${WAIT_TIMEOUT_ENV})`
              : ''),
        );
      }
    }
  }

  private schedule(): void {
    if (this.timer || this.failure || this.waits.size === 0) return;
    const tick = () => {
      this.timer = undefined;
      this.check();
      this.schedule();
    };
    this.timer = setTimeout(tick, 1000);
    // A wait that ended without a word from toolkit-lib must not keep the process alive.
    this.timer.unref();
  }

  private message(text: string): void {
    let m: RegExpExecArray | null;
    if ((m = CHANGE_SET_CREATING.exec(text))) this.begin('change set creation', m[2], m[1]);
    else if ((m = CHANGE_SET_DELETING.exec(text))) this.begin('change set deletion', m[2], m[1]);
    else if ((m = STACK_WAITING.exec(text))) this.begin('stack operation', m[1]);
    else if ((m = CHANGE_SET_STILL_CREATING.exec(text))) this.polled(m[2], 'CREATE_IN_PROGRESS');
    else if ((m = STACK_STILL_BUSY.exec(text))) this.polled(m[1], m[2]);
    else if ((m = STACK_STALE_REVIEW.exec(text))) this.polled(m[1], 'REVIEW_IN_PROGRESS');
    else {
      // Anything else toolkit-lib says about a stack means it has moved on from waiting for it.
      for (const name of this.waits.keys()) {
        if (mentions(text, name)) this.waits.delete(name);
      }
    }
  }

  private begin(kind: WaitKind, stack: string, changeSet?: string): void {
    const now = this.now();
    const name = stackName(stack);
    this.waits.set(name, {
      kind,
      stack: name,
      changeSet,
      since: now,
      started: now,
      reported: now,
      seen: now,
    });
  }

  /** A poll message: the status it names counts only when the SDK calls have not told one. */
  private polled(stack: string, status: string): void {
    const wait = this.waits.get(stackName(stack));
    if (!wait) return;
    wait.seen = this.now();
    if (wait.status === undefined) this.status(wait, status);
  }

  private status(wait: Wait, status: string): void {
    wait.seen = this.now();
    if (wait.status === status) return;
    wait.status = status;
    wait.since = wait.seen;
  }

  /**
   * A CloudFormation call of toolkit-lib (its SDK log): the status it returned, or the end of the
   * wait — a change set no longer being created or gone, a stack no longer in progress, an error
   * (the waiter returns or throws on it).
   */
  private sdkCall(call: SdkCall | undefined): void {
    if (call?.clientName !== 'CloudFormationClient') return;
    if (call.commandName === 'DescribeChangeSetCommand' && call.input?.StackName) {
      const wait = this.waits.get(stackName(call.input.StackName));
      if (!wait || wait.kind === 'stack operation') return;
      const { Status, ExecutionStatus } = call.output ?? {};
      const ended =
        call.error !== undefined ||
        (wait.kind === 'change set creation'
          ? Status !== 'CREATE_PENDING' && Status !== 'CREATE_IN_PROGRESS'
          : Status === 'DELETE_COMPLETE' || Status === 'DELETE_FAILED');
      if (ended) this.waits.delete(wait.stack);
      else if (Status)
        this.status(wait, wait.kind === 'change set creation' ? Status : `${Status}/${ExecutionStatus}`);
    } else if (call.commandName === 'DescribeStacksCommand') {
      const asked = call.input?.StackName ? stackName(call.input.StackName) : undefined;
      const stacks =
        call.error !== undefined && asked
          ? [{ StackName: asked, StackStatus: undefined }]
          : (call.output?.Stacks ?? []);
      for (const stack of stacks) {
        const wait = stack.StackName ? this.waits.get(stack.StackName) : undefined;
        if (!wait || wait.kind !== 'stack operation') continue;
        if (!stack.StackStatus?.endsWith('_IN_PROGRESS')) this.waits.delete(wait.stack);
        else this.status(wait, stack.StackStatus);
      }
    }
  }

  private giveUp(wait: Wait, now: number): void {
    const waited = seconds(now - wait.started);
    const what =
      wait.kind === 'stack operation'
        ? `the stack stayed ${wait.status ?? 'in progress'}`
        : wait.kind === 'change set creation'
          ? `the change set ${wait.changeSet} stayed ${wait.status ?? 'CREATE_IN_PROGRESS'} (waiting for it to be created)`
          : `the change set ${wait.changeSet} was still there${wait.status ? ` (${wait.status})` : ''} after the deploy deleted it`;
    const hint = this.opts.local
      ? `The local cloud has lost track of this operation (as after a restart). Restart it with \`nx-sst local stop\` (the next command starts it again) and run the command again; the stack is as the last completed operation left it. ${WAIT_TIMEOUT_ENV}=<seconds> sets the limit (0: none).`
      : `Look at the stack in the CloudFormation console (or \`aws cloudformation describe-stacks --stack-name ${wait.stack}\`) and run the command again once it has settled. If it was only slow, raise ${WAIT_TIMEOUT_ENV}=<seconds> (0: none).`;
    this.failure = new NxSstError(
      `${wait.stack}: ${what}; waited ${waited}, ${seconds(this.timeoutMs)} of them without any change (${WAIT_TIMEOUT_ENV}), and gave up.`,
      hint,
    );
    this.opts.report?.(`${wait.stack}: gave up waiting for ${describeWait(wait)} after ${waited}`);
    this.agent.destroy();
    this.stop();
  }
}

function describeWait(wait: Wait): string {
  const status = wait.status ? ` (${wait.status})` : '';
  if (wait.kind === 'change set creation') return `the change set ${wait.changeSet} to be created${status}`;
  if (wait.kind === 'change set deletion') return `the change set ${wait.changeSet} to be deleted${status}`;
  return `the stack to settle${status}`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** Whether `text` names the stack `name` (not merely a longer name that starts with it). */
function mentions(text: string, name: string): boolean {
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    const after = text[at + name.length];
    const before = at > 0 ? text[at - 1] : '';
    if ((after === undefined || !/[\w-]/.test(after)) && !/[\w-]/.test(before)) return true;
  }
  return false;
}
