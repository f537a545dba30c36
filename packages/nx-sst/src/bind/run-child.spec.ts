import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

jest.setTimeout(60_000);

// The runner installs process-wide signal handlers, so it is exercised in its own process, as built.
const runner = path.join(__dirname, '../../dist/bind/run-child.js');

function harness(command: string[], secrets: string[] = [], mask = 'auto', preamble = '', shell = false) {
  const script = `${preamble}
    const { ChildRunner } = require(${JSON.stringify(runner)});
    const r = new ChildRunner({ command: ${JSON.stringify(command)}, env: process.env, cwd: process.cwd(),
      secrets: ${JSON.stringify(secrets)}, mask: ${JSON.stringify(mask)}, interactive: false, killGraceMs: 2000,
      shell: ${shell} });
    r.start();
    r.done.then((e) => { r.dispose(); process.exit(e.code); });`;
  const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const line = () =>
    new Promise<string>((resolve) => {
      const check = () => (stdout.includes('\n') ? resolve(stdout.split('\n')[0]) : setTimeout(check, 20));
      check();
    });
  return { proc, exited, line, output: () => stdout, errors: () => stderr };
}

// A zombie is dead: it only waits for its parent to reap it, and an orphan's new parent (PID 1 of a
// container, say) may take its time. Linux tells the state in /proc; elsewhere, signal 0 is enough.
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
};

// Generous: on a loaded CI machine a signalled process can take seconds to be scheduled and die.
async function waitDead(pid: number) {
  for (let i = 0; i < 400 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

describe('ChildRunner', () => {
  it.each([0, 1, 42])('exits with the child exit code %i', async (code) => {
    expect(await harness(['node', '-e', `process.exit(${code})`]).exited).toBe(code);
  });

  it('reports 127 for a command that does not exist', async () => {
    expect(await harness(['no-such-command-nx-sst']).exited).toBe(127);
  });

  it('exits 128+9 when the child is killed', async () => {
    expect(await harness(['node', '-e', 'process.kill(process.pid, "SIGKILL")']).exited).toBe(137);
  });

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)('forwards %s and exits with 128+n', async (signal, expected) => {
    const h = harness(['node', '-e', 'console.log("ready"); setInterval(() => {}, 1000)']);
    await h.line();
    h.proc.kill(signal);
    expect(await h.exited).toBe(expected);
  });

  it('passes on the exit code a child chooses after handling a signal', async () => {
    const h = harness([
      'node',
      '-e',
      'process.on("SIGTERM", () => process.exit(7)); console.log("ready"); setInterval(() => {}, 1000)',
    ]);
    await h.line();
    h.proc.kill('SIGTERM');
    expect(await h.exited).toBe(7);
  });

  it('leaves no grandchild behind when stopped', async () => {
    const h = harness(['sh', '-c', 'sleep 300 & echo $!; wait']);
    const grandchild = Number(await h.line());
    expect(alive(grandchild)).toBe(true);
    h.proc.kill('SIGTERM');
    await h.exited;
    expect(await waitDead(grandchild)).toBe(true);
  });

  it('forwards a signal that arrives the moment the child is spawned', async () => {
    // The signal lands between spawn() returning and anything after it: it must still reach the
    // child's (detached) group, not end the runner by default and leave the child running.
    const signalOnSpawn = `
      const cp = require('node:child_process');
      const spawn = cp.spawn;
      cp.spawn = (...args) => {
        const child = spawn(...args);
        process.stdout.write(child.pid + '\\n');
        process.kill(process.pid, 'SIGTERM');
        return child;
      };`;
    const h = harness(['sleep', '300'], [], 'auto', signalOnSpawn);
    const child = Number(await h.line());
    expect(await h.exited).toBe(143);
    expect(await waitDead(child)).toBe(true);
  });

  it('leaves no grandchild behind when the child exits on its own', async () => {
    const h = harness(['sh', '-c', 'sleep 300 & echo $!']);
    const grandchild = Number(await h.line());
    expect(await h.exited).toBe(0);
    expect(await waitDead(grandchild)).toBe(true);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'kills a child that ignores %s after the grace period, however many signals come (no terminal)',
    async (signal) => {
      const ignoring = `process.on("${signal}", () => {}); console.log(process.pid); setInterval(() => {}, 1000)`;
      const h = harness(['node', '-e', ignoring]);
      const child = Number(await h.line());
      const started = Date.now();
      for (let i = 0; i < 3; i++) {
        h.proc.kill(signal);
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(await h.exited).toBe(137);
      // The harness's grace period is 2 s, counted from the first signal.
      expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
      expect(await waitDead(child)).toBe(true);
    },
  );

  it('leaves no process behind when bind itself is killed with SIGKILL (no terminal)', async () => {
    const tree = `sh -c 'trap "" TERM; sleep 300 & echo $$ $!; wait'`;
    const h = harness(['sh', '-c', tree]);
    const [child, grandchild] = (await h.line()).split(' ').map(Number);
    expect(alive(child) && alive(grandchild)).toBe(true);
    h.proc.kill('SIGKILL');
    await h.exited;
    expect(await waitDead(child)).toBe(true);
    expect(await waitDead(grandchild)).toBe(true);
  });

  it('runs a command line through the shell with the same watchdog', async () => {
    const h = harness(['echo $$; sleep 300'], [], 'auto', '', true);
    const child = Number(await h.line());
    h.proc.kill('SIGKILL');
    await h.exited;
    expect(await waitDead(child)).toBe(true);
    expect(await harness(['exit 3'], [], 'auto', '', true).exited).toBe(3);
  });

  it('names the variable whose value holds a NUL byte, never the value, and starts nothing', async () => {
    // bind's environment is an object built from SSM's answers; process.env would cut at the NUL.
    const script = `
      const { ChildRunner } = require(${JSON.stringify(runner)});
      const env = { ...process.env, NX_SST_APP: 'infra', SST_Secret_value_K: ['sk_live_a', 'tail'].join(String.fromCharCode(0)) };
      const r = new ChildRunner({ command: ['node', '-e', 'console.log("started")'], env, cwd: process.cwd(), interactive: false });
      try { r.start(); } catch (e) { process.stderr.write(e.message + '\\n' + e.hint + '\\n'); process.exit(1); }`;
    const proc = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    proc.stderr.on('data', (d) => (out += d));
    expect(await new Promise((resolve) => proc.on('exit', resolve))).toBe(1);
    expect(out).toBe(
      'The value of SST_Secret_value_K holds a NUL byte, which an environment variable cannot carry; the command was not started.\n' +
        // NX_SST_APP: bind says the workspace has several infra apps, so the command names this one.
        'Store the value again without it (nx-sst secrets set NAME --app infra); to keep binary data, store it base64-encoded.\n',
    );
  });

  it('says which command it cannot run', async () => {
    const h = harness(['no-such-command-nx-sst']);
    expect(await h.exited).toBe(127);
    expect(h.errors()).toBe('nx-sst: cannot run no-such-command-nx-sst: command not found\n');
  });

  it('masks secrets in piped output, also when split across writes', async () => {
    const child = `process.stdout.write("key=sup3r-"); setTimeout(() => process.stdout.write("secret!\\n"), 30)`;
    const h = harness(['node', '-e', child], ['sup3r-secret!']);
    expect(await h.exited).toBe(0);
    expect(h.output()).toBe('key=*****\n');
  });

  it('leaves output alone with mask: never', async () => {
    const h = harness(['node', '-e', 'console.log("key=sup3r-secret!")'], ['sup3r-secret!'], 'never');
    expect(await h.exited).toBe(0);
    expect(h.output()).toBe('key=sup3r-secret!\n');
  });

  // util-linux `script` gives the runner a real pseudo-terminal, as a developer's shell does.
  const inTerminal = fs.existsSync('/usr/bin/script') && process.platform === 'linux' ? it : it.skip;
  inTerminal('in a terminal: the child keeps the terminal, its output is not piped or masked', async () => {
    const child =
      'console.log(JSON.stringify([process.stdin.isTTY, process.stdout.isTTY]) + " sup3r-secret!")';
    const script = `
      const { ChildRunner } = require(${JSON.stringify(runner)});
      const r = new ChildRunner({ command: ['sh', '-c', ${JSON.stringify(`node -e '${child}' && echo group $(ps -o pgid= -o tpgid= -p $$)`)}], env: process.env,
        cwd: process.cwd(), secrets: ['sup3r-secret!'] });
      r.start();
      r.done.then((e) => { r.dispose(); process.exit(e.code); });`;
    const file = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'nx-sst-tty-')), 'run.js');
    fs.writeFileSync(file, script);
    const proc = spawn('script', ['-qec', `${process.execPath} ${file}`, '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d) => (out += d));
    const code = await new Promise((resolve) => proc.on('exit', resolve));
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    expect(code).toBe(0);
    expect(out.replace(/\r/g, '')).toContain('[true,true] sup3r-secret!\n');
    // It stays in the terminal's foreground process group, so Ctrl-C and keyboard input reach it.
    const [pgid, foreground] = /group (\d+) (\d+)/.exec(out)!.slice(1);
    expect(pgid).toBe(foreground);
  });
});
