import { BackgroundCommand, freePort, isListening } from './background';
import { runCommand, runStep, StepFailure } from './run';

const options = { cwd: __dirname, env: { ...process.env, LC_ALL: 'C' } };

describe('runStep', () => {
  it('returns the interleaved output of a command that succeeds', async () => {
    const result = await runStep('say hi', 'echo out; echo err >&2', options);
    expect(result.code).toBe(0);
    expect(result.output.split('\n').sort()).toEqual(['', 'err', 'out']);
  });

  it('fails naming the step, the command, how it ended and what it printed', async () => {
    const error = await runStep('a step', 'echo "the reason"; exit 3', options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailure);
    const message = (error as Error).message;
    expect(message).toMatch(/^step "a step" failed: exited with code 3\n/);
    expect(message).toContain('  command: echo "the reason"; exit 3\n');
    expect(message).toContain(`  cwd:     ${__dirname}\n`);
    expect(message).toContain('--- output ---\nthe reason\n--- end of output ---');
  });

  it('fails a command that must fail when it succeeds', async () => {
    await expect(runStep('type error', 'true', { ...options, expectFailure: true })).rejects.toThrow(
      'step "type error" failed: it succeeded but must fail',
    );
    await expect(runStep('type error', 'false', { ...options, expectFailure: true })).resolves.toMatchObject({
      code: 1,
    });
  });

  it('kills the whole process group on timeout', async () => {
    const port = await freePort();
    const server = `node -e "require('net').createServer().listen(${port}, '127.0.0.1')"`;
    const result = await runCommand(`${server} & wait`, { ...options, timeoutMs: 1500 });
    expect(result.timedOut).toBe(true);
    // The grandchild died with the group: its port is free again.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await isListening(port)).toBe(false);
  }, 20_000);
});

describe('BackgroundCommand', () => {
  it('waits for a line, then stops the group with SIGINT like Ctrl-C', async () => {
    const job = new BackgroundCommand(
      'serve',
      `trap 'echo bye; exit 0' INT; echo ready; while true; do sleep 0.1; done`,
      options,
    );
    await expect(job.waitFor(/ready/, 10_000)).resolves.toBeTruthy();
    const { result, graceful } = await job.stop(5_000);
    expect(graceful).toBe(true);
    expect(result.output).toContain('bye');
  }, 20_000);

  it('fails the step when the command ends before the line appears', async () => {
    const job = new BackgroundCommand('serve', 'echo crashed; exit 1', options);
    await expect(job.waitFor(/ready/, 10_000, 'the ready line')).rejects.toThrow(
      /step "serve" failed: it ended before printing the ready line[\s\S]*crashed/,
    );
  });

  it('kills a command that ignores SIGINT and says it was not graceful', async () => {
    const job = new BackgroundCommand(
      'stubborn',
      `trap '' INT; echo up; while true; do sleep 0.1; done`,
      options,
    );
    await job.waitFor(/up/, 10_000);
    const { result, graceful } = await job.stop(500);
    expect(graceful).toBe(false);
    expect(result.signal).toBe('SIGKILL');
  }, 20_000);
});
