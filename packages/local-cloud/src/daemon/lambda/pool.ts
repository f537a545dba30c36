import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ContextFields, FromWorker, InvokeMessage, LambdaErrorBody } from './protocol';

// The worker always runs as built JavaScript (specs load this file from src/ and use the build).
const WORKER_ENTRY =
  [
    path.join(__dirname, 'worker.js'),
    path.join(__dirname, '..', '..', '..', 'dist', 'daemon', 'lambda', 'worker.js'),
  ].find((file) => fs.existsSync(file)) ?? path.join(__dirname, 'worker.js');

/** What makes two execution environments interchangeable: same code, configuration and credentials. */
export interface EnvironmentSpec {
  /** Changes whenever code, configuration or credentials change: environments of an old key retire. */
  key: string;
  functionArn: string;
  taskRoot: string;
  env: Record<string, string>;
  memoryMb: number;
  /** Output of the handler outside an invocation (a timer that fires after it answered). */
  idleLog: LogSink;
}

export interface LogSink {
  write(text: string): void;
}

export interface Outcome {
  /** The handler's answer (JSON text), or its error as Lambda reports it. */
  payload: string;
  error?: LambdaErrorBody;
  /** Lambda's error type for failures of the environment rather than the handler (timeout, exit). */
  cold: boolean;
  initMs?: number;
  durationMs: number;
  maxMemoryMb: number;
}

/** One execution environment: a worker process running one invocation at a time. */
class Environment {
  readonly child: ChildProcess;
  readonly ready: Promise<{ ok: true; ms: number } | { ok: false; error: LambdaErrorBody; ms: number }>;
  private current?: {
    id: string;
    resolve: (m: FromWorker | { type: 'exit'; detail: string }) => void;
  };
  exited = false;
  lastUsed = Date.now();
  /** Where the handler's output goes: the current invocation's log, or the function's between them. */
  sink: LogSink;

  constructor(readonly spec: EnvironmentSpec) {
    this.sink = spec.idleLog;
    this.child = fork(WORKER_ENTRY, [], {
      cwd: spec.taskRoot,
      env: spec.env,
      // Lambda's Node.js runtime sizes the heap from the memory setting the same way.
      execArgv: [`--max-old-space-size=${Math.max(32, Math.floor(spec.memoryMb * 0.9))}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
    });
    // Output that bypasses the worker's console and stream hooks (a native addon, a crash report).
    this.child.stdout?.on('data', (c: Buffer) => this.sink.write(c.toString('utf8')));
    this.child.stderr?.on('data', (c: Buffer) => this.sink.write(c.toString('utf8')));
    let initDone: (v: { ok: true; ms: number } | { ok: false; error: LambdaErrorBody; ms: number }) => void;
    this.ready = new Promise((resolve) => (initDone = resolve));
    this.child.on('message', (message: FromWorker) => {
      if (message.type === 'log') this.sink.write(message.text);
      else if (message.type === 'init') initDone(message);
      else if (this.current && message.id === this.current.id) this.current.resolve(message);
    });
    this.child.once('exit', (code, signal) => {
      this.exited = true;
      const detail = signal ? `signal: ${signal}` : `exit status ${code}`;
      initDone({
        ok: false,
        ms: 0,
        error: {
          errorType: 'Runtime.ExitError',
          errorMessage: `Runtime exited with error: ${detail}`,
          trace: [],
        },
      });
      this.current?.resolve({ type: 'exit', detail });
    });
    this.child.on('error', () => undefined);
  }

  run(event: string, context: ContextFields): Promise<FromWorker | { type: 'exit'; detail: string }> {
    return new Promise((resolve) => {
      this.current = { id: context.awsRequestId, resolve };
      const message: InvokeMessage = { type: 'invoke', id: context.awsRequestId, event, context };
      this.child.send(message, (error) => {
        if (error) resolve({ type: 'exit', detail: `could not reach the runtime: ${error.message}` });
      });
    }).finally(() => (this.current = undefined)) as Promise<FromWorker | { type: 'exit'; detail: string }>;
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

export interface PoolOptions {
  /** Warm environments idle longer than this end. */
  idleMs: number;
  /** Environments of all functions together; invocations beyond wait for one to finish. */
  maxEnvironments: number;
}

/**
 * Execution environments of every function: an invocation takes an idle one of its spec's key (warm)
 * or starts one (cold), one invocation per environment at a time, as Lambda does. An environment
 * that timed out, crashed or failed its init is discarded.
 */
export class EnvironmentPool {
  private readonly idle = new Map<string, Environment[]>();
  private readonly busy = new Set<Environment>();
  private readonly waiting: (() => void)[] = [];
  private readonly sweeper: NodeJS.Timeout;
  /** Live environments per function ARN: reserved concurrency counts these. */
  private readonly perFunction = new Map<string, number>();
  private closed = false;

  constructor(private readonly options: PoolOptions) {
    this.sweeper = setInterval(() => this.sweep(), Math.min(options.idleMs, 30_000));
    this.sweeper.unref();
  }

  private get size(): number {
    let n = this.busy.size;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** Busy environments of a function (for its reserved concurrency). */
  running(functionArn: string): number {
    return this.perFunction.get(functionArn) ?? 0;
  }

  /** Ends the idle environments of a function whose code or configuration changed. */
  private retireOthers(spec: EnvironmentSpec): void {
    for (const [key, list] of this.idle) {
      if (key === spec.key || list[0]?.spec.functionArn !== spec.functionArn) continue;
      for (const env of list) env.kill();
      this.idle.delete(key);
    }
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, list] of this.idle) {
      const keep = list.filter((env) => {
        const stale = env.exited || now - env.lastUsed > this.options.idleMs;
        if (stale) env.kill();
        return !stale;
      });
      if (keep.length === 0) this.idle.delete(key);
      else this.idle.set(key, keep);
    }
    this.wakeOne();
  }

  private wakeOne(): void {
    if (this.size < this.options.maxEnvironments) this.waiting.shift()?.();
  }

  private async acquire(spec: EnvironmentSpec): Promise<{ env: Environment; cold: boolean }> {
    this.retireOthers(spec);
    for (;;) {
      const list = this.idle.get(spec.key);
      while (list && list.length > 0) {
        const env = list.pop()!;
        if (!env.exited) return { env, cold: false };
      }
      if (this.size < this.options.maxEnvironments) break;
      // The machine's limit, not Lambda's: wait for an environment to free up. An idle one of
      // another function makes room at once.
      const victim = [...this.idle.values()].flat()[0];
      if (victim) {
        victim.kill();
        for (const [key, l] of this.idle) {
          const i = l.indexOf(victim);
          if (i >= 0) l.splice(i, 1);
          if (l.length === 0) this.idle.delete(key);
        }
        continue;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    return { env: new Environment(spec), cold: true };
  }

  /**
   * Runs one event. `timeoutMs` is the function's timeout: past it the environment is killed and the
   * answer is Lambda's timeout error. `logs` gets every line the handler logs meanwhile.
   */
  async invoke(
    spec: EnvironmentSpec,
    event: string,
    context: ContextFields,
    timeoutMs: number,
    logs: LogSink,
  ): Promise<Outcome> {
    if (this.closed) throw new Error('the local cloud is stopping');
    const { env, cold } = await this.acquire(spec);
    env.sink = logs;
    const sink = logs;
    this.busy.add(env);
    this.perFunction.set(spec.functionArn, this.running(spec.functionArn) + 1);
    let keep = false;
    const started = Date.now();
    try {
      const init = await env.ready;
      if (!init.ok) {
        return {
          payload: JSON.stringify(init.error),
          error: init.error,
          cold,
          initMs: init.ms,
          durationMs: Date.now() - started,
          maxMemoryMb: 0,
        };
      }
      const begun = Date.now();
      // The timeout counts from the start of the invocation; the init phase has its own limit in
      // Lambda (10 s) which a local process does not need.
      context.deadlineMs = begun + timeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutMs);
      });
      const answer = await Promise.race([env.run(event, context), timedOut]);
      clearTimeout(timer);
      const durationMs = Date.now() - begun;
      if (answer === 'timeout') {
        const seconds = (timeoutMs / 1000).toFixed(2);
        sink.write(
          `${new Date().toISOString()} ${context.awsRequestId} Task timed out after ${seconds} seconds\n`,
        );
        const error: LambdaErrorBody = {
          errorType: 'Sandbox.Timedout',
          errorMessage: `RequestId: ${context.awsRequestId} Error: Task timed out after ${seconds} seconds`,
          trace: [],
        };
        return {
          payload: JSON.stringify(error),
          error,
          cold,
          initMs: cold ? init.ms : undefined,
          durationMs,
          maxMemoryMb: 0,
        };
      }
      if (answer.type === 'exit') {
        const error: LambdaErrorBody = {
          errorType: 'Runtime.ExitError',
          errorMessage: `RequestId: ${context.awsRequestId} Error: Runtime exited with error: ${answer.detail}`,
          trace: [],
        };
        return {
          payload: JSON.stringify(error),
          error,
          cold,
          initMs: cold ? init.ms : undefined,
          durationMs,
          maxMemoryMb: 0,
        };
      }
      if (answer.type === 'result') {
        keep = true;
        return {
          payload: answer.payload,
          cold,
          initMs: cold ? init.ms : undefined,
          durationMs,
          maxMemoryMb: answer.rssMb,
        };
      }
      if (answer.type === 'error') {
        keep = true;
        return {
          payload: JSON.stringify(answer.error),
          error: answer.error,
          cold,
          initMs: cold ? init.ms : undefined,
          durationMs,
          maxMemoryMb: answer.rssMb,
        };
      }
      throw new Error(`unexpected message from the function's runtime: ${answer.type}`);
    } finally {
      this.busy.delete(env);
      this.perFunction.set(spec.functionArn, this.running(spec.functionArn) - 1);
      env.sink = spec.idleLog;
      if (keep && !env.exited && !this.closed) {
        env.lastUsed = Date.now();
        const list = this.idle.get(spec.key) ?? [];
        list.push(env);
        this.idle.set(spec.key, list);
      } else {
        env.kill();
      }
      this.wakeOne();
    }
  }

  /** Ends every environment (the daemon is stopping). */
  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const env of this.busy) env.kill();
    for (const list of this.idle.values()) for (const env of list) env.kill();
    this.idle.clear();
    for (const wake of this.waiting.splice(0)) wake();
  }
}
