import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { isatty } from 'node:tty';
import { NxSstError } from '../core/errors';
import { SecretMasker } from './mask';

export interface ChildOptions {
  command: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Run through the platform shell (`sh -c`); off by default so no shell sits between us and the child. */
  shell?: boolean;
  /** Values to mask in the child's stdout/stderr when those are not a terminal. */
  secrets?: string[];
  /**
   * `auto` masks a stream when it is not a terminal (a terminal gets the child's output untouched);
   * `always` also pipes a terminal (for output that is recorded, e.g. by a task runner's cache).
   */
  mask?: 'auto' | 'always' | 'never';
  /** Whether we sit in an interactive terminal; defaults to whether stdin is one. */
  interactive?: boolean;
  /**
   * How long a child may take to stop after a stop signal (SIGTERM, SIGHUP, or SIGINT without a
   * terminal) before its tree gets SIGKILL. Default `KILL_GRACE_MS`.
   */
  killGraceMs?: number;
}

/** The grace period a child gets between a stop signal and SIGKILL (documented in docs/cli.md). */
export const KILL_GRACE_MS = 5000;

/*
 * Without a terminal the command runs in its own process group, started through this script: it
 * leaves a watchdog in the background, in that group, reading the end of a pipe whose other end
 * only bind holds; then it becomes the command (`exec`, same pid). When bind dies in any way, even by
 * SIGKILL, the kernel closes bind's end, the watchdog reads end-of-file and kills its whole group, so
 * the command and everything it started never outlive bind with the secrets in their environment.
 * The watchdog ignores the stop signals the group gets (a graceful stop must not disarm it); bind's
 * SIGKILL of the group ends it with the rest. `sh` rather than a Node process: it starts in about a
 * millisecond (see docs/cli.md for the measured cost).
 */
const WATCHDOG = [
  "( trap '' TERM INT HUP; while read -r _; do :; done; kill -9 0 ) <&3 >/dev/null 2>&1 &",
  'command -v "$1" >/dev/null 2>&1 || { printf \'nx-sst: cannot run %s: command not found\\n\' "$1" >&2; exit 127; }',
  'exec "$@" 3<&-',
].join('\n');

export type ChildExit = { code: number; signal?: NodeJS.Signals };

const FORWARDED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The exit code a shell would report: the child's code, or 128 + the signal number. */
export function exitCodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 1;
}

/**
 * Runs a command the way a user expects a wrapper to: stdio inherited (so colours and prompts
 * work), signals forwarded, the whole process tree stopped on restart and exit, and the child's
 * exit status passed on. Restartable: `restart(env)` stops the tree and starts the command again.
 */
export class ChildRunner {
  private child?: ChildProcess;
  private childExit?: Promise<ChildExit>;
  private stopping = false;
  private interruptCount = 0;
  private killTimer?: NodeJS.Timeout;
  private ended = false;
  private readonly interactive: boolean;
  private readonly handlers = new Map<NodeJS.Signals, () => void>();
  private finished!: (exit: ChildExit) => void;
  /** Settles when the command ends on its own or by a signal we forwarded, not on a restart. */
  readonly done: Promise<ChildExit>;

  constructor(private readonly opts: ChildOptions) {
    // isatty() rather than process.stdin.isTTY: touching process.stdin builds a stream we never read
    // (several ms on bind's start-up path).
    this.interactive = opts.interactive ?? isatty(0);
    this.done = new Promise((resolve) => (this.finished = resolve));
  }

  /** Starts the command; `secrets` replaces the values to mask (they change when secrets do). */
  start(env: NodeJS.ProcessEnv = this.opts.env, secrets: string[] = this.opts.secrets ?? []): void {
    // Once the command has ended for good, a late restart (a refresh racing the exit) starts nothing.
    if (this.ended) return;
    // Our handlers go in before the child exists: a signal that arrives the moment it is spawned (a
    // task runner stopping us at once) must reach its process group, not end us by default and
    // leave the detached group running. The handlers run on the event loop, after `child` is set.
    this.listen();
    this.opts.secrets = secrets;
    // Node refuses such an environment with an error that quotes the value, a secret maybe: say
    // which variable it is instead, and start nothing.
    const withNul = Object.keys(env).filter((name) => env[name]?.includes('\0'));
    if (withNul.length > 0) {
      throw new NxSstError(
        `The value of ${withNul.join(', ')} holds a NUL byte, which an environment variable cannot carry; the command was not started.`,
        `Store the value again without it (nx-sst secrets set NAME${env.NX_SST_APP ? ` --app ${env.NX_SST_APP}` : ''}); to keep binary data, store it base64-encoded.`,
      );
    }
    const [file, ...args] = this.opts.command;
    const grouped = !this.interactive && process.platform !== 'win32';
    const masker = new SecretMasker(secrets);
    const mask = this.opts.mask ?? 'auto';
    const maskOut = masker.active && mask !== 'never' && (mask === 'always' || !isatty(1));
    const maskErr = masker.active && mask !== 'never' && (mask === 'always' || !isatty(2));
    const stdio: ('inherit' | 'pipe')[] = [
      'inherit',
      maskOut ? 'pipe' : 'inherit',
      maskErr ? 'pipe' : 'inherit',
    ];
    // The same argv Node's `shell: true` would run, so the watchdog can go in front of it.
    const argv = this.opts.shell ? ['/bin/sh', '-c', [file, ...args].join(' ')] : [file, ...args];
    const child = grouped
      ? spawn('/bin/sh', ['-c', WATCHDOG, 'nx-sst-bind', ...argv], {
          cwd: this.opts.cwd,
          env,
          // fd 3: the watchdog's pipe (see WATCHDOG).
          stdio: [...stdio, 'pipe'],
          // Without a terminal nobody delivers Ctrl-C to the child for us, so it gets its own process
          // group and we signal the group (which reaches grandchildren too).
          detached: true,
        })
      : spawn(file, args, {
          cwd: this.opts.cwd,
          env,
          shell: this.opts.shell ?? false,
          // In a terminal the child stays in the foreground group to read the keyboard and get Ctrl-C.
          stdio,
        });
    // Held, never written: it keeps the watchdog waiting while bind lives, without keeping bind alive.
    const watchdogPipe = grouped ? (child.stdio[3] as import('node:net').Socket | null) : null;
    watchdogPipe?.unref();
    if (maskOut) pipeMasked(child.stdout!, process.stdout, new SecretMasker(secrets));
    if (maskErr) pipeMasked(child.stderr!, process.stderr, new SecretMasker(secrets));
    this.child = child;
    this.stopping = false;
    this.childExit = new Promise<ChildExit>((resolve) => {
      child.once('error', (error: NodeJS.ErrnoException) => {
        const missing = error.code === 'ENOENT';
        process.stderr.write(
          `nx-sst: cannot run ${file}: ${missing ? 'command not found' : error.message}\n`,
        );
        resolve({ code: missing ? 127 : 126 });
      });
      child.once('exit', (code, signal) =>
        resolve({ code: exitCodeOf(code, signal), signal: signal ?? undefined }),
      );
    });
    void this.childExit.then((exit) => {
      clearTimeout(this.killTimer);
      this.killTimer = undefined;
      // Its watchdog kills what is left of the group; on a stop or restart we do as well.
      watchdogPipe?.destroy();
      if (this.child !== child || this.stopping) return;
      // The child is gone; whatever it left running in its group goes with it.
      this.signalTree(child, 'SIGKILL');
      this.ended = true;
      this.finished(exit);
    });
  }

  /** Stops the current tree (SIGTERM, then SIGKILL after the grace period) and starts again. */
  async restart(env: NodeJS.ProcessEnv, secrets?: string[]): Promise<void> {
    await this.stop();
    this.start(env, secrets);
  }

  /** Stops the tree without settling `done`. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.childExit) return;
    this.stopping = true;
    const tree = this.interactive ? await descendants(child.pid) : [];
    this.signalTree(child, 'SIGTERM', tree);
    const timer = setTimeout(
      () => this.signalTree(child, 'SIGKILL', tree),
      this.opts.killGraceMs ?? KILL_GRACE_MS,
    );
    await this.childExit;
    clearTimeout(timer);
    this.signalTree(child, 'SIGKILL', tree);
  }

  /** Removes our signal handlers; call once the command is over. */
  dispose(): void {
    clearTimeout(this.killTimer);
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.handlers.clear();
  }

  private listen(): void {
    if (this.handlers.size) return;
    for (const signal of FORWARDED) {
      const handler = () => this.onSignal(signal);
      this.handlers.set(signal, handler);
      process.on(signal, handler);
    }
  }

  private onSignal(signal: NodeJS.Signals): void {
    const child = this.child;
    if (!child) return;
    if (signal === 'SIGINT' && this.interactive) {
      // The terminal already sent this Ctrl-C to the child (same foreground group). Sending it again
      // would make tools that treat a second Ctrl-C as "force quit" skip their cleanup. A second
      // Ctrl-C means the child is not stopping: escalate.
      this.interruptCount++;
      if (this.interruptCount === 2)
        void descendants(child.pid).then((t) => this.signalTree(child, 'SIGTERM', t));
      if (this.interruptCount >= 3)
        void descendants(child.pid).then((t) => this.signalTree(child, 'SIGKILL', t));
      return;
    }
    this.signalTree(child, signal);
    // A child that ignores the signal must not keep us (and itself, with the secrets) alive through
    // any number of them: after the grace period its tree gets SIGKILL, terminal or not.
    this.killTimer ??= setTimeout(
      () => void descendants(child.pid).then((tree) => this.signalTree(child, 'SIGKILL', tree)),
      this.opts.killGraceMs ?? KILL_GRACE_MS,
    );
  }

  private signalTree(child: ChildProcess, signal: NodeJS.Signals, tree: number[] = []): void {
    if (child.pid === undefined) return;
    if (!this.interactive && process.platform !== 'win32') {
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group is already gone
      }
      return;
    }
    for (const pid of [child.pid, ...tree]) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    }
  }
}

function pipeMasked(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, masker: SecretMasker): void {
  let idle: NodeJS.Timeout | undefined;
  from.on('data', (chunk: Buffer) => {
    const text = masker.write(chunk);
    if (text) to.write(text);
    clearTimeout(idle);
    // A prefix held back because a secret might follow is released once the child goes quiet.
    idle = setTimeout(() => {
      const rest = masker.flush();
      if (rest) to.write(rest);
    }, 100);
    idle.unref();
  });
  from.on('end', () => {
    clearTimeout(idle);
    const rest = masker.flush();
    if (rest) to.write(rest);
  });
}

/** Every process below `pid`, from one `ps` snapshot (what tree-kill does, without the dependency). */
export function descendants(pid: number | undefined): Promise<number[]> {
  if (pid === undefined || process.platform === 'win32') return Promise.resolve([]);
  return new Promise((resolve) => {
    execFile('ps', ['-A', '-o', 'pid=,ppid='], (error, stdout) => {
      if (error) return resolve([]);
      const children = new Map<number, number[]>();
      for (const line of stdout.split('\n')) {
        const [p, pp] = line.trim().split(/\s+/).map(Number);
        if (!p) continue;
        children.set(pp, [...(children.get(pp) ?? []), p]);
      }
      const out: number[] = [];
      const queue = [pid];
      while (queue.length) {
        for (const c of children.get(queue.shift()!) ?? []) {
          out.push(c);
          queue.push(c);
        }
      }
      resolve(out);
    });
  });
}
