#!/usr/bin/env node
// `npm start`: deploys the example workspace (examples/quickstart) to the local cloud and starts its
// Next.js app with its bindings, then prints the URL to open. No AWS account: the `local` stage runs
// on moto, on this machine.
//
//   node scripts/start.mjs            PORT=3001 node scripts/start.mjs
//
// Steps: build and pack our four packages into examples/quickstart/.packs (the example installs them
// from these tarballs, as a user installs them from the registry) → npm install in the example when a
// tarball or its package.json changed → `nx run infra:deploy` → set the demo secret if it is not set
// → `nx run web:dev`. Ctrl-C stops the app; the local cloud keeps running for the next start
// (`npx nx-sst local stop` in examples/quickstart stops it).
//
// NX_SST_EXAMPLE_DIR runs a copy of the example elsewhere (the e2e suite does, to leave the repo alone).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join, resolve } from 'node:path';
import { buildPackages, cleanEnv, packPackages, PACKAGES, repoRoot } from './pack-packages.mjs';

const exampleDir = resolve(process.env.NX_SST_EXAMPLE_DIR ?? join(repoRoot, 'examples/quickstart'));
const packsDir = join(exampleDir, '.packs');
/** The demo value of the example's secret; set only when the stage has none. */
const DEMO_STRIPE_KEY = 'sk_test_nx_sst_quickstart_demo';
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
const say = (line) => process.stdout.write(`${paint(1, '[start]')} ${line}\n`);

class StartError extends Error {}

/**
 * The Python that has moto, for the local cloud (NX_SST_PYTHON). npm puts node's own directory
 * (often /usr/bin) first on the PATH of `npm start` and `npx`, ahead of pyenv or a virtualenv, so the
 * first python3 found may lack moto: ask each python3 on PATH, in order.
 */
function findMotoPython() {
  if (process.env.NX_SST_PYTHON) return process.env.NX_SST_PYTHON;
  const seen = new Set();
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of ['python3', 'python']) {
      const candidate = join(dir, name);
      if (seen.has(candidate) || !existsSync(candidate)) continue;
      seen.add(candidate);
      try {
        execFileSync(candidate, ['-c', 'import moto.server, flask'], { stdio: 'ignore' });
        return candidate;
      } catch {
        // Not this one.
      }
    }
  }
  return undefined;
}

let motoPython;
const exampleEnv = (extra = {}) => cleanEnv({ NX_SST_PYTHON: motoPython, ...extra });

function checkPrerequisites() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 19)) {
    throw new StartError(`Node ${process.versions.node} is too old: nx-sst needs Node 20.19 or later.`);
  }
  motoPython = findMotoPython();
  if (!motoPython) {
    throw new StartError(
      'No Python with moto on PATH: the local cloud runs on moto. Install it with: pip install "moto[server]"',
    );
  }
  if (!existsSync(join(exampleDir, 'package.json'))) {
    throw new StartError(`No example workspace at ${exampleDir}.`);
  }
}

/** Packs the packages to stable names (`nx-sst.tgz`, `nx-sst-runtime.tgz`…) that the example's package.json names. */
function packForExample() {
  const tarballs = packPackages(join(packsDir, 'versioned'));
  const digests = {};
  for (const { name } of PACKAGES) {
    const stable = join(packsDir, `${name.replace(/^@/, '').replace('/', '-')}.tgz`);
    copyFileSync(tarballs[name], stable);
    digests[name] = sha256(readFileSync(stable));
  }
  rmSync(join(packsDir, 'versioned'), { recursive: true, force: true });
  return digests;
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/**
 * Installs the example's dependencies when its package.json or one of our tarballs changed. npm
 * keeps a `file:` tarball it has installed once even when the file changes, so our packages are
 * removed first; everything else is pinned in the example's package.json and comes from the cache.
 */
function installExample(digests) {
  const stampFile = join(exampleDir, 'node_modules/.nx-sst-quickstart.json');
  const stamp = JSON.stringify({ digests, manifest: sha256(readFileSync(join(exampleDir, 'package.json'))) });
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    say('dependencies are up to date');
    return;
  }
  say('installing the example’s dependencies (the first time takes a minute or two)');
  for (const { name } of PACKAGES)
    rmSync(join(exampleDir, 'node_modules', name), { recursive: true, force: true });
  rmSync(join(exampleDir, 'package-lock.json'), { force: true });
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: exampleDir,
    env: cleanEnv(),
    stdio: 'inherit',
  });
  mkdirSync(join(exampleDir, 'node_modules'), { recursive: true });
  writeFileSync(stampFile, stamp);
}

function inExample(args, options = {}) {
  return execFileSync(npx, args, { cwd: exampleDir, env: exampleEnv(), stdio: 'inherit', ...options });
}

function ensureDemoSecret() {
  try {
    execFileSync(npx, ['nx-sst', 'secrets', 'get', 'STRIPE_KEY'], {
      cwd: exampleDir,
      env: exampleEnv(),
      stdio: 'ignore',
    });
    say('the secret STRIPE_KEY is set');
  } catch {
    say('setting the secret STRIPE_KEY to a demo value (npx nx-sst secrets set STRIPE_KEY … to change it)');
    inExample(['nx-sst', 'secrets', 'set', 'STRIPE_KEY', DEMO_STRIPE_KEY], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
}

/** PORT if set, else 3000 when free, else any free port. */
async function choosePort() {
  if (process.env.PORT) return Number(process.env.PORT);
  const tryListen = (port) =>
    new Promise((done) => {
      const server = createServer();
      server.once('error', () => done(undefined));
      server.listen(port, () => {
        const { port: bound } = server.address();
        server.close(() => done(bound));
      });
    });
  return (await tryListen(3000)) ?? (await tryListen(0));
}

/** `nx run web:dev` in the foreground; prints the URL once Next.js is ready; Ctrl-C ends it. */
async function startWeb() {
  const port = await choosePort();
  say(`starting web with its bindings: npx nx run web:dev (port ${port})`);
  const child = spawn(npx, ['nx', 'run', 'web:dev'], {
    cwd: exampleDir,
    env: exampleEnv({ PORT: String(port) }),
    stdio: ['inherit', 'pipe', 'pipe'],
  });
  let announced = false;
  const watch = (stream, out) =>
    stream.on('data', (chunk) => {
      out.write(chunk);
      if (!announced && /Ready in/.test(chunk.toString())) {
        announced = true;
        say(
          `${paint(32, `Open http://localhost:${port}`)} — upload a file; it lands in the local cloud's bucket. Ctrl-C stops.`,
        );
      }
    });
  watch(child.stdout, process.stdout);
  watch(child.stderr, process.stderr);
  // The terminal sends Ctrl-C to the whole foreground group (child included); forward only what
  // a process manager sends to us alone.
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  process.on('SIGINT', () => undefined);
  return new Promise((done) => child.on('close', (code, signal) => done(code ?? (signal ? 128 + 2 : 1))));
}

async function main() {
  checkPrerequisites();
  say(`example workspace: ${exampleDir}`);
  buildPackages({ log: say });
  const digests = packForExample();
  installExample(digests);
  say('deploying the example to the local stage: npx nx run infra:deploy');
  inExample(['nx', 'run', 'infra:deploy']);
  ensureDemoSecret();
  process.exitCode = await startWeb();
}

main().catch((error) => {
  if (error instanceof StartError) process.stderr.write(`${error.message}\n`);
  else if (error.status !== undefined)
    process.stderr.write(`[start] failed: ${error.message.split('\n')[0]}\n`);
  else process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
