#!/usr/bin/env node
// Builds the four published packages and packs them with `npm pack`, so that the e2e suite and the
// example install exactly what a user would get from the registry (the `files` lists, the `bin`
// entries, no workspace symlinks) — a file missing from a tarball fails here, not in production.
//
//   node scripts/pack-packages.mjs --out <dir> [--no-build]
//
// Prints one JSON object on stdout: { "<package name>": "<absolute path of its .tgz>", … }.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The published packages, in dependency order. */
export const PACKAGES = [
  { name: '@nx-sst/local-cloud', dir: 'packages/local-cloud' },
  { name: '@nx-sst/runtime', dir: 'packages/runtime' },
  { name: '@nx-sst/constructs', dir: 'packages/constructs' },
  { name: 'nx-sst', dir: 'packages/nx-sst' },
];

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

/** Environment for the nested tools: an outer `nx run` or `npm run` must not leak its task context. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    // NX_SST_PYTHON (which Python has moto) is the user's own setting, not task context.
    if ((key.startsWith('NX_') && key !== 'NX_SST_PYTHON') || key === 'INIT_CWD') continue;
    if (
      key.startsWith('npm_') &&
      !/^npm_config_(cache|registry|cafile|proxy|https_proxy|noproxy|strict_ssl)$/i.test(key)
    )
      continue;
    env[key] = value;
  }
  return { ...env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', ...extra };
}

/** Builds the packages through Nx (so the build order follows the graph and the cache applies). */
export function buildPackages({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  log(`building ${PACKAGES.map((p) => p.name).join(', ')}`);
  execFileSync(
    npx,
    ['nx', 'run-many', '-t', 'build', '-p', ...PACKAGES.map((p) => p.name), '--outputStyle=stream'],
    {
      cwd: repoRoot,
      env: cleanEnv(),
      stdio: ['ignore', process.stderr, process.stderr],
    },
  );
}

/** Packs every package into `outDir`; returns (and writes to `outDir/tarballs.json`) { name: absolute tarball path }. */
export function packPackages(outDir) {
  mkdirSync(outDir, { recursive: true });
  const tarballs = {};
  for (const { name, dir } of PACKAGES) {
    const packageDir = join(repoRoot, dir);
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    if (manifest.name !== name)
      throw new Error(`${dir}/package.json is named "${manifest.name}", expected "${name}"`);
    const entry = manifest.main ?? manifest.exports?.['.']?.require ?? manifest.exports?.['.']?.default;
    if (!existsSync(join(packageDir, 'dist'))) {
      throw new Error(`${name} has no dist/ in ${dir}: build it first (npx nx run ${name}:build)`);
    }
    if (typeof entry === 'string' && !existsSync(join(packageDir, entry))) {
      throw new Error(`${name}: its entry ${entry} does not exist after the build`);
    }
    const out = execFileSync(npm, ['pack', '--json', '--pack-destination', resolve(outDir)], {
      cwd: packageDir,
      env: cleanEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [packed] = JSON.parse(out);
    tarballs[name] = join(resolve(outDir), packed.filename);
  }
  writeFileSync(join(outDir, 'tarballs.json'), `${JSON.stringify(tarballs, null, 2)}\n`);
  return tarballs;
}

function main(argv) {
  const outIndex = argv.indexOf('--out');
  if (outIndex === -1 || !argv[outIndex + 1]) {
    process.stderr.write('usage: node scripts/pack-packages.mjs --out <dir> [--no-build]\n');
    process.exit(2);
  }
  if (!argv.includes('--no-build')) buildPackages();
  process.stdout.write(`${JSON.stringify(packPackages(argv[outIndex + 1]), null, 2)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
}
