import { spawn, type ChildProcess } from 'node:child_process';

/** What one command of a user step did. */
export interface CommandResult {
  command: string;
  cwd: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr, interleaved as they arrived. */
  output: string;
  durationMs: number;
  timedOut: boolean;
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  /** A command that must fail (e.g. a type error the user should see): a zero exit is the failure then. */
  expectFailure?: boolean;
}

const OUTPUT_LIMIT = 40_000;

/** A failed user step: says which step, the command, where it ran, how it ended and what it printed. */
export class StepFailure extends Error {
  constructor(
    readonly step: string,
    readonly result: CommandResult,
    reason: string,
  ) {
    super(formatFailure(step, result, reason));
    this.name = 'StepFailure';
  }
}

export function describeExit(result: Pick<CommandResult, 'code' | 'signal' | 'timedOut'>): string {
  if (result.timedOut) return 'timed out';
  if (result.signal) return `was killed by ${result.signal}`;
  return `exited with code ${result.code}`;
}

export function formatFailure(step: string, result: CommandResult, reason: string): string {
  const output =
    result.output.length > OUTPUT_LIMIT
      ? `[… ${result.output.length - OUTPUT_LIMIT} earlier characters cut …]\n${result.output.slice(-OUTPUT_LIMIT)}`
      : result.output;
  return [
    `step "${step}" failed: ${reason}`,
    `  command: ${result.command}`,
    `  cwd:     ${result.cwd}`,
    `  result:  ${describeExit(result)} after ${(result.durationMs / 1000).toFixed(1)}s`,
    '--- output ---',
    output.trimEnd() || '(no output)',
    '--- end of output ---',
  ].join('\n');
}

/**
 * Runs `command` through bash (so commands are written exactly as a user types them, as in the docs)
 * in its own process group, and kills the whole group on timeout.
 */
export function runCommand(command: string, options: RunOptions): Promise<CommandResult> {
  const started = Date.now();
  const child = spawn('bash', ['-c', command], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let timedOut = false;
  const timer = options.timeoutMs
    ? setTimeout(() => {
        timedOut = true;
        killGroup(child, 'SIGKILL');
      }, options.timeoutMs)
    : undefined;
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({
        command,
        cwd: options.cwd,
        code,
        signal,
        output,
        durationMs: Date.now() - started,
        timedOut,
      });
    });
  });
}

/** Runs one command of a user step and throws a StepFailure when it does not end as expected. */
export async function runStep(step: string, command: string, options: RunOptions): Promise<CommandResult> {
  process.stderr.write(`[e2e] ${step}: $ ${command}\n`);
  const result = await runCommand(command, options);
  const succeeded = result.code === 0 && !result.timedOut;
  if (options.expectFailure ? succeeded || result.timedOut : !succeeded) {
    throw new StepFailure(
      step,
      result,
      options.expectFailure && succeeded ? 'it succeeded but must fail' : describeExit(result),
    );
  }
  return result;
}

export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}
