import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { killGroup, StepFailure, type CommandResult, type RunOptions } from './run';

/**
 * A long-running user command (`nx run web:dev`), in its own process group like a terminal's
 * foreground job: `stop()` sends SIGINT to the whole group, as Ctrl-C does.
 */
export class BackgroundCommand {
  private output = '';
  private exit: Promise<CommandResult>;
  private exited = false;
  private readonly started = Date.now();
  private readonly child: ChildProcess;

  constructor(
    readonly step: string,
    readonly command: string,
    private readonly options: RunOptions,
  ) {
    process.stderr.write(`[e2e] ${step}: $ ${command} &\n`);
    this.child = spawn('bash', ['-c', command], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child.stdout?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.child.stderr?.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    this.exit = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.exited = true;
        resolve(this.result(code, signal, false));
      });
    });
  }

  get text(): string {
    return this.output;
  }

  private result(code: number | null, signal: NodeJS.Signals | null, timedOut: boolean): CommandResult {
    return {
      command: this.command,
      cwd: this.options.cwd,
      code,
      signal,
      output: this.output,
      durationMs: Date.now() - this.started,
      timedOut,
    };
  }

  /** Resolves with the first match of `pattern` in the output; fails the step if the command ends or time runs out. */
  async waitFor(
    pattern: RegExp,
    timeoutMs: number,
    what = `output matching ${pattern}`,
  ): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = this.output.match(pattern);
      if (match) return match;
      if (this.exited) {
        const result = await this.exit;
        throw new StepFailure(this.step, result, `it ended before printing ${what}`);
      }
      if (Date.now() > deadline) {
        throw new StepFailure(
          this.step,
          this.result(null, null, true),
          `no ${what} within ${timeoutMs / 1000}s`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Ctrl-C: SIGINT to the process group; SIGKILL if it has not ended after `graceMs`. */
  async stop(graceMs = 15_000): Promise<{ result: CommandResult; graceful: boolean }> {
    if (this.exited) return { result: await this.exit, graceful: true };
    killGroup(this.child, 'SIGINT');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    const first = await Promise.race([this.exit, timer]);
    if (first !== 'timeout') return { result: first, graceful: true };
    killGroup(this.child, 'SIGKILL');
    return { result: await this.exit, graceful: false };
  }
}

/** A TCP port that was free a moment ago (the OS picks it), for servers whose port must be known up front. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:port (to check nothing was left running). */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(false)));
  });
}
