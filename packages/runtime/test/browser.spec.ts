// The package in a browser bundle, where nothing is bound: reading a value must fail with the runtime's own
// client-side error, not with "process is not defined" from deep inside it.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vm from 'node:vm';
import * as esbuild from 'esbuild';
import { chromium as launcher, type Browser } from 'playwright-core';

jest.setTimeout(120_000);

// The callbacks given to the page run in the browser; this spec's program has Node's types, not the DOM's.
declare const document: { getElementById(id: string): { textContent: string | null } | null };

const packageRoot = join(__dirname, '..');
const CLIENT_SIDE =
  /^Cannot access bound resources: "@nx-sst\/runtime" is used on the client side \(this code runs in a browser/;
const chromium = process.env.NX_SST_E2E_CHROMIUM ?? '/usr/bin/chromium';
let work: string;

// What a page does with the runtime: read a plain value, a Config value, load(); print each outcome.
const PAGE = `
import { Bucket } from '@nx-sst/runtime/bucket';
import { Config, load } from '@nx-sst/runtime/config';
const lines = [];
const attempt = (label, read) => {
  try { lines.push(label + ' = ' + read()); } catch (e) { lines.push(label + ' threw ' + e.name + ': ' + e.message); }
};
attempt('Bucket.public.bucketName', () => Bucket.public.bucketName);
attempt('Config.API_URL', () => Config.API_URL);
attempt('JSON.stringify(Bucket)', () => JSON.stringify(Bucket));
load().then(
  () => lines.push('load() resolved'),
  (e) => lines.push('load() rejected ' + e.name + ': ' + e.message),
).then(() => { globalThis.__report(lines.join('\\n')); });
`;

const SERVE = `
import { build, createServer, preview } from 'vite';
const [mode, root] = process.argv.slice(2);
const options = { root, logLevel: 'silent', configFile: false };
let server;
if (mode === 'dev') {
  server = await createServer({ ...options, server: { host: '127.0.0.1', port: 0 } });
  await server.listen();
} else {
  await build({ ...options, build: { outDir: root + '/dist', emptyOutDir: true } });
  server = await preview({ ...options, preview: { host: '127.0.0.1', port: 0 } });
}
console.log(server.resolvedUrls.local[0]);
process.stdin.on('end', () => server.close().then(() => process.exit(0)));
process.stdin.resume();
`;

function expectClientSideErrors(report: string): void {
  const lines = report.split('\n');
  expect(lines).toHaveLength(4);
  expect(lines[0]).toMatch(/^Bucket\.public\.bucketName threw Error: /);
  expect(lines[0].replace(/^.*? threw Error: /, '')).toMatch(CLIENT_SIDE);
  expect(lines[1].replace(/^.*? threw Error: /, '')).toMatch(CLIENT_SIDE);
  expect(lines[2]).toBe('JSON.stringify(Bucket) = {}');
  expect(lines[3].replace(/^load\(\) rejected Error: /, '')).toMatch(CLIENT_SIDE);
  expect(report).not.toContain('process is not defined');
}

beforeAll(() => {
  mkdirSync(join(packageRoot, 'tmp'), { recursive: true });
  work = mkdtempSync(join(packageRoot, 'tmp', 'browser-'));
  writeFileSync(join(work, 'main.js'), PAGE);
  writeFileSync(
    join(work, 'index.html'),
    '<!doctype html><html><body><pre id="out">pending</pre><script type="module" src="./main.js"></script></body></html>',
  );
  writeFileSync(join(work, 'serve.mjs'), SERVE);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The page bundled for browsers as esbuild does it (the `module` export condition: dist/esm), as one script. */
async function browserBundle(): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [join(work, 'main.js')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

/** Runs a script in a fresh context holding only what a page has (no `process` unless given). */
function runInPage(script: string, globals: Record<string, unknown> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const context = vm.createContext({ console, setTimeout, queueMicrotask, ...globals, __report: resolve });
    try {
      vm.runInContext(script, context, { filename: 'page.js' });
    } catch (error) {
      reject(error);
    }
  });
}

describe('in a browser bundle (evaluated without Node globals)', () => {
  it('throws the client-side error where there is no process at all (Vite, esbuild, Rollup)', async () => {
    const report = await runInPage(await browserBundle());
    expectClientSideErrors(report);
  });

  it("throws the client-side error under webpack's process stand-in (Next.js client components)", async () => {
    // next/dist/compiled/process: an empty env and browser: true.
    const report = await runInPage(await browserBundle(), { process: { env: {}, browser: true } });
    expectClientSideErrors(report);
  });
});

// A real Vite (the version the repo's Vitest uses) and a real browser, when Chromium is installed (CI installs it).
(existsSync(chromium) ? describe : describe.skip)(`in Chromium, served by Vite (${chromium})`, () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launcher.launch({ executablePath: chromium });
  });
  afterAll(() => browser?.close());

  async function pageText(url: string): Promise<{ text: string; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.addInitScript(() => {
      (globalThis as unknown as { __report: (t: string) => void }).__report = (text) => {
        document.getElementById('out')!.textContent = text;
      };
    });
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'pending', null, {
      timeout: 30_000,
    });
    const text = (await page.textContent('#out')) ?? '';
    await page.close();
    return { text, errors };
  }

  /** Vite (ESM only) in a process of its own: `dev` serves the page, `build` builds it and serves the build. */
  async function vite(mode: 'dev' | 'build'): Promise<{ url: string; stop: () => Promise<void> }> {
    const child = spawn(process.execPath, [join(work, 'serve.mjs'), mode, work], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(out.trim());
      });
      child.on('exit', (code) => reject(new Error(`vite ${mode} exited with ${code}`)));
    });
    const stop = () =>
      new Promise<void>((resolve) => {
        child.on('exit', () => resolve());
        child.stdin.end();
      });
    return { url, stop };
  }

  for (const mode of ['dev', 'build'] as const) {
    it(`vite ${mode}: the client-side error, not "process is not defined"`, async () => {
      const server = await vite(mode);
      try {
        const { text, errors } = await pageText(server.url);
        expect(errors).toEqual([]);
        expectClientSideErrors(text);
      } finally {
        await server.stop();
      }
    });
  }
});
