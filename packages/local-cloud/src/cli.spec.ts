import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

jest.setTimeout(60_000);

// The bin as published: the built file, run by node (the test target builds first).
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
const run = (...args: string[]) => {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('nx-sst-local command line', () => {
  it.each([[['--help']], [['-h']], [['help']], [['start', '--help']], [['status', '-h', '--port', '1']]])(
    'prints the usage and exits 0 for %j',
    (args: string[]) => {
      const result = run(...args);
      expect(result).toEqual({
        status: 0,
        stdout: expect.stringMatching(/^Usage: nx-sst-local /),
        stderr: '',
      });
      expect(result.stdout).toContain('--state-dir DIR');
    },
  );

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['start', '--state'], "Unknown option '--state'"],
    [['frobnicate'], 'Unknown command "frobnicate" (commands: start, stop, status, reset, recover)'],
    [[], 'No command given.'],
    [['status', 'extra'], 'Unexpected argument "extra" after "status"'],
    [['start', '--port', 'abc'], '--port needs a port number from 0 to 65535, not "abc"'],
    [['start', '--port'], "'--port <value>' argument missing"],
  ])('refuses %j naming what is wrong, with the usage (exit 2)', (args, message) => {
    const result = run(...args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('Usage: nx-sst-local ');
  });

  it('runs a command with its options', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-cli-'));
    try {
      expect(run('status', '--state-dir', dir)).toEqual({
        status: 3,
        stdout: `Not running (state in ${dir}).\n`,
        stderr: '',
      });
      expect(run('stop', `--state-dir=${dir}`)).toEqual({ status: 0, stdout: 'Not running.\n', stderr: '' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
