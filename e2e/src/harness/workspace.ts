import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { BackgroundCommand } from './background';
import { runStep, type CommandResult } from './run';

export const repoRoot = resolve(__dirname, '../../..');

/** Versions the fresh workspace installs from the registry (Node 20 compatible, pinned for repeatable runs). */
export const VERSIONS = {
  nx: '24.0.6',
  typescript: '5.9.3',
  '@types/node': '20.19.43',
  next: '16.4.6',
  react: '19.3.1',
  'react-dom': '19.3.1',
  '@types/react': '19.3.0',
  vitest: '4.1.12',
  '@aws-sdk/client-s3': '3.1175.0',
  '@aws-sdk/s3-request-presigner': '3.1169.0',
} as const;

/**
 * The environment of every user command: no Nx daemon, cloud or TUI, CI behaviour, no telemetry, and
 * nothing inherited that could point a command at a real AWS account or leak an outer `nx run`/`npm
 * run` task context into the workspace's own Nx. NX_SST_PYTHON (which Python has moto) is the
 * machine's own setting, so it passes.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key !== 'NX_SST_PYTHON' && /^(NX|AWS|SST|CDK)_/.test(key)) continue;
    if (['INIT_CWD', 'JEST_WORKER_ID', 'NODE_OPTIONS', 'TS_NODE_PROJECT'].includes(key)) continue;
    if (
      /^npm_/.test(key) &&
      !/^npm_config_(cache|registry|cafile|proxy|https_proxy|noproxy|strict_ssl)$/i.test(key)
    ) {
      continue;
    }
    env[key] = value;
  }
  return {
    ...env,
    NX_DAEMON: 'false',
    NX_NO_CLOUD: 'true',
    NX_TUI: 'false',
    CI: 'true',
    NEXT_TELEMETRY_DISABLED: '1',
    // Plain output: a failed step's output is read in a CI log.
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    // The workspace's git commits must not depend on the machine's git identity.
    GIT_AUTHOR_NAME: 'e2e',
    GIT_AUTHOR_EMAIL: 'e2e@example.com',
    GIT_COMMITTER_NAME: 'e2e',
    GIT_COMMITTER_EMAIL: 'e2e@example.com',
    ...extra,
  };
}

/** A workspace on disk in a temporary directory, driven through the commands a user types. */
export class Workspace {
  readonly env = userEnv();
  private readonly running = new Set<BackgroundCommand>();

  constructor(readonly root: string) {}

  /** A fresh temporary directory holding `workspace/` (the Nx workspace) and `packs/` (the tarballs). */
  static createTempDir(resume?: { workspace: string }): {
    base: string;
    workspace: Workspace;
    packs: string;
  } {
    if (resume) {
      const base = dirname(resolve(resume.workspace));
      return { base, workspace: new Workspace(resolve(resume.workspace)), packs: join(base, 'packs') };
    }
    const base = mkdtempSync(join(tmpdir(), 'nx-sst-e2e-'));
    const root = join(base, 'workspace');
    mkdirSync(root);
    return { base, workspace: new Workspace(root), packs: join(base, 'packs') };
  }

  path(relative: string): string {
    return join(this.root, relative);
  }

  write(relative: string, content: string): void {
    const file = this.path(relative);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
  }

  writeJson(relative: string, value: unknown): void {
    this.write(relative, `${JSON.stringify(value, null, 2)}\n`);
  }

  read(relative: string): string {
    return readFileSync(this.path(relative), 'utf8');
  }

  readJson<T = Record<string, unknown>>(relative: string): T {
    return JSON.parse(this.read(relative)) as T;
  }

  exists(relative: string): boolean {
    return existsSync(this.path(relative));
  }

  remove(relative: string): void {
    rmSync(this.path(relative), { recursive: true, force: true });
  }

  run(
    step: string,
    command: string,
    options: { timeoutMs?: number; expectFailure?: boolean; env?: NodeJS.ProcessEnv } = {},
  ): Promise<CommandResult> {
    return runStep(step, command, {
      cwd: this.root,
      env: { ...this.env, ...options.env },
      timeoutMs: options.timeoutMs ?? 5 * 60_000,
      expectFailure: options.expectFailure,
    });
  }

  background(step: string, command: string, options: { env?: NodeJS.ProcessEnv } = {}): BackgroundCommand {
    const job = new BackgroundCommand(step, command, {
      cwd: this.root,
      env: { ...this.env, ...options.env },
    });
    this.running.add(job);
    return job;
  }

  /** Commits everything (the base `nx affected` compares against). */
  commit(message: string): void {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: this.root, env: this.env, stdio: 'pipe' });
    if (!existsSync(this.path('.git'))) git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', message);
  }

  /** Stops whatever this suite left running; the local cloud through the user's own command. */
  async dispose(): Promise<void> {
    for (const job of this.running) await job.stop(10_000);
    this.running.clear();
    if (existsSync(this.path('node_modules/.bin/nx-sst'))) {
      await this.run('clean up', 'npx nx-sst local stop', { timeoutMs: 60_000 }).catch((error: Error) => {
        process.stderr.write(`[e2e] could not stop the local cloud: ${error.message}\n`);
      });
    }
  }
}
