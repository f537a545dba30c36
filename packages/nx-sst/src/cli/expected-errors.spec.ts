/*
 * Failures that are expected in normal use, run through the built CLI as a user meets them (issue
 * "Hardening", items 12 and 16): each is one `✖` line with what to do, never a stack trace of the
 * SDK, of toolkit-lib or of ours.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startLocalCloud, stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { CLI, runCli, tempWorkspace } from '../test-utils/cli';
import { sampleWorkspace } from '../test-utils/sample-workspace';

jest.setTimeout(300_000);

const CONFIG = 'export default { config: () => ({ name: "x" }), stacks() {} };';
const roots: string[] = [];
const clouds: string[] = [];
afterAll(async () => {
  for (const root of clouds) await stopDaemon(localCloudDir(root));
  roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true }));
});

/** No stack frame of anyone: `    at fn (file:line:col)`. */
const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;

describe('secrets', () => {
  it('an empty value says SSM refuses it and what to do, before any cloud is started', async () => {
    const root = tempWorkspace({ 'nx.json': '{}', 'apps/infra/sst.config.ts': CONFIG });
    roots.push(root);
    for (const [args, stdin] of [
      [['secrets', 'set', 'K', ''], undefined],
      [['secrets', 'set', 'K'], '\n'],
    ] as const) {
      const out = await runCli(root, [...args], { stdin });
      expect(out).toMatchObject({ code: 1, stdout: '' });
      expect(out.stderr).toBe(
        '✖ The value of K is empty; SSM refuses empty parameter values, so nothing was stored.\n' +
          '  Give it a value (stdin loses one trailing newline, so `echo | nx-sst secrets set K` is empty too), ' +
          'or unset it: nx-sst secrets remove K\n',
      );
    }
    fs.writeFileSync(path.join(root, 'some.env'), 'A=1\nEMPTY=\n');
    const load = await runCli(root, ['secrets', 'load', 'some.env']);
    expect(load.code).toBe(1);
    expect(load.stderr).toContain('✖ The value of EMPTY is empty');
    expect(fs.existsSync(localCloudDir(root))).toBe(false);
  });

  it('moto missing from PATH names the package to install', async () => {
    const root = tempWorkspace({ 'nx.json': '{}', 'apps/infra/sst.config.ts': CONFIG });
    roots.push(root);
    // Only node on PATH: no python3, no moto_server.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-bin-'));
    roots.push(bin);
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const out = await runCli(root, ['secrets', 'set', 'K', 'v'], { env: { ...process.env, PATH: bin } });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^✖ The local cloud needs moto in server mode \(Python\), and .+\.\n/);
    expect(out.stderr).toContain('  Install it with: pip install "moto[server]"');
    expect(out.stderr).not.toMatch(NO_STACK);
  });

  it('a cloud that keeps throttling gets one line, not the SDK error and its stack', async () => {
    const root = tempWorkspace({ 'nx.json': '{}', 'apps/infra/sst.config.ts': CONFIG });
    roots.push(root);
    clouds.push(root);
    const cloud = await startLocalCloud({ stateDir: localCloudDir(root) });
    await cloud.setFaults({ throttle: { 'ssm:PutParameter': 0 } });
    const out = await runCli(root, ['secrets', 'set', 'K', 'v']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /^✖ AWS throttled the requests \(ThrottlingException: .+\) and the SDK's retries did not get through\.\n {2}Wait a moment and run the command again/,
    );
    expect(out.stderr).not.toMatch(NO_STACK);
  });
});

describe('deploy', () => {
  it("a handler esbuild cannot bundle shows esbuild's errors and the fix, with and without --verbose", async () => {
    const root = sampleWorkspace({
      extraFiles: {
        'apps/api/src/handler.ts':
          'import Stripe from "stripe-not-installed";\nexport const handler = async () => ({ statusCode: 200, body: String(Stripe) });\n',
      },
    });
    roots.push(root);
    clouds.push(root);
    for (const flags of [[], ['--verbose']]) {
      const out = await runCli(root, ['deploy', ...flags]);
      expect(out.code).toBe(1);
      expect(out.stderr).not.toContain('Assembly builder failed');
      expect(out.stderr).toContain(
        '✖ The deploy of shop on the stage "local" failed: Function "api": bundling apps/api/src/handler.ts with esbuild failed:\n' +
          '  apps/api/src/handler.ts:1:20: Could not resolve "stripe-not-installed"\n' +
          '  "stripe-not-installed" is not installed where the handler can import it: install it (npm install stripe-not-installed), ' +
          'or, if a Lambda layer provides it, leave it out of the bundle with nodejs: { esbuild: { external: ["stripe-not-installed"] } }.\n',
      );
      expect(out.stderr).not.toMatch(NO_STACK);
    }
  });

  it('a local cloud killed during the deploy says it stopped and what to run', async () => {
    const root = sampleWorkspace();
    roots.push(root);
    clouds.push(root);
    const child = spawn(process.execPath, [CLI, 'deploy'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let killed = false;
    child.stdout.resume();
    child.stderr.on('data', (d) => {
      stderr += d;
      // Bootstrap done: the app's own stack is next; the daemon dies under it.
      if (!killed && /CDKToolkit \| CREATE_COMPLETE/.test(stderr)) {
        killed = true;
        const info = JSON.parse(fs.readFileSync(path.join(localCloudDir(root), 'daemon.json'), 'utf8'));
        for (const pid of [info.pid, info.motoPid]) process.kill(pid, 'SIGKILL');
      }
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(killed).toBe(true);
    expect(code).toBe(1);
    expect(stderr).toMatch(
      /✖ The deploy of shop on the stage "local" failed: The local cloud stopped answering \(connection to 127\.0\.0\.1:\d+ refused\); its daemon was stopped or killed while the command ran\.\n {2}Run the command again: the local cloud starts by itself\. Check it with: nx-sst local status\n$/,
    );
    expect(stderr).not.toMatch(NO_STACK);
  });
});
