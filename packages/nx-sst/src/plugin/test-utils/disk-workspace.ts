import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The monorepo's installed packages, our own packages among them (as built, through npm workspaces). */
const REPO_NODE_MODULES = resolve(__dirname, '../../../../../node_modules');
const NX_BIN = join(REPO_NODE_MODULES, 'nx', 'dist', 'bin', 'nx.js');

export const NX_ENV = {
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  NX_SKIP_NX_CACHE: 'true',
  NX_CACHE_PROJECT_GRAPH: 'false',
  CI: 'false',
};

/**
 * A workspace on disk that uses the built plugin: its node_modules links every package of the
 * monorepo's node_modules, and `.bin/nx-sst` the built CLI (as `npm install nx-sst` would).
 */
export function createDiskWorkspace(files: Record<string, string>): { root: string; dispose(): void } {
  const root = mkdtempSync(join(tmpdir(), 'nx-sst-plugin-'));
  const modules = join(root, 'node_modules');
  mkdirSync(join(modules, '.bin'), { recursive: true });
  linkPackages(REPO_NODE_MODULES, modules);
  for (const entry of readdirSync(join(REPO_NODE_MODULES, '.bin'))) {
    symlinkSync(join(REPO_NODE_MODULES, '.bin', entry), join(modules, '.bin', entry));
  }
  // npm links the bin only when the package was built at install time, and tsc writes main.js
  // without the execute bit (a fresh clone has neither): a shim runs it with node, as npm's would.
  if (!existsSync(join(modules, '.bin', 'nx-sst'))) {
    const main = join(REPO_NODE_MODULES, 'nx-sst', 'dist', 'cli', 'main.js');
    writeFileSync(join(modules, '.bin', 'nx-sst'), `#!/bin/sh\nexec node "${main}" "$@"\n`, { mode: 0o755 });
  }
  writeFiles(root, files);
  return { root, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * Links each package, one by one (scopes are real folders holding links), so that a package manager
 * run in the test workspace by mistake can only remove links, never the monorepo's own packages.
 */
export function linkPackages(from: string, to: string): void {
  for (const entry of readdirSync(from)) {
    if (entry === '.bin' || entry.startsWith('.')) continue;
    if (entry.startsWith('@')) {
      mkdirSync(join(to, entry), { recursive: true });
      for (const scoped of readdirSync(join(from, entry)))
        symlinkSync(join(from, entry, scoped), join(to, entry, scoped));
    } else {
      symlinkSync(join(from, entry), join(to, entry));
    }
  }
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), content);
  }
}

export function nx(root: string, args: string[]): string {
  return execFileSync(process.execPath, [NX_BIN, ...args], {
    cwd: root,
    env: { ...process.env, ...NX_ENV },
    encoding: 'utf-8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
  });
}

export function nxStatus(
  root: string,
  args: string[],
  env: Record<string, string> = {},
): { status: number | null; output: string } {
  const result = spawnSync(process.execPath, [NX_BIN, ...args], {
    cwd: root,
    env: { ...process.env, ...NX_ENV, ...env },
    encoding: 'utf-8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

export function git(root: string, args: string[]): void {
  execFileSync('git', args, {
    cwd: root,
    stdio: 'ignore',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
  });
}
