import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProjectGraph } from '@nx/devkit';
import { boundTasks, PRELOAD_PATH, withPreload } from '../plugin/pre-tasks';
import { setSecret } from '../secrets/secrets';
import { deployedSampleWorkspace } from '../test-utils/local-stage';
import { boundTaskOf, BOUND_TASKS_VAR } from './bind-task';

jest.setTimeout(600_000);

describe('which processes the preload binds', () => {
  const tasks = JSON.stringify({
    workspaceRoot: '/ws',
    projects: { web: { root: 'apps/web', targets: ['dev', 'test'] } },
  });
  const of = (env: NodeJS.ProcessEnv) => boundTaskOf({ [BOUND_TASKS_VAR]: tasks, ...env });

  it('a listed target of a listed project, unless NX_SST_BIND turns it off', () => {
    expect(of({ NX_TASK_TARGET_PROJECT: 'web', NX_TASK_TARGET_TARGET: 'test' })).toEqual({
      workspaceRoot: '/ws',
      project: 'web',
      target: 'test',
      root: 'apps/web',
      continuous: false,
    });
    expect(of({ NX_TASK_TARGET_PROJECT: 'web', NX_TASK_TARGET_TARGET: 'lint' })).toBeUndefined();
    expect(of({ NX_TASK_TARGET_PROJECT: 'api', NX_TASK_TARGET_TARGET: 'test' })).toBeUndefined();
    expect(of({ NX_TASK_TARGET_TARGET: 'test' })).toBeUndefined();
    expect(
      of({ NX_TASK_TARGET_PROJECT: 'web', NX_TASK_TARGET_TARGET: 'test', NX_SST_BIND: '0' }),
    ).toBeUndefined();
    expect(boundTaskOf({ NX_TASK_TARGET_PROJECT: 'web', NX_TASK_TARGET_TARGET: 'test' })).toBeUndefined();
  });

  it('NODE_OPTIONS keeps what the user set and holds the preload once', () => {
    const once = withPreload('--max-old-space-size=4096', PRELOAD_PATH);
    expect(once).toMatch(/^--max-old-space-size=4096 --import="file:\/\/.*\/nx-sst\/preload\.mjs"$/);
    expect(withPreload(once, PRELOAD_PATH)).toBe(once);
    expect(withPreload(undefined, PRELOAD_PATH)).toMatch(/^--import="file:/);
  });

  it("lists bound projects' bound targets, leaving out those that bind themselves", () => {
    const node = (name: string, targets: Record<string, object>, bound = true) => ({
      name,
      type: 'app' as const,
      data: {
        root: `apps/${name}`,
        targets,
        metadata: bound ? { sst: { bindings: [{ app: 'infra', targets: [name], resources: [] }] } } : {},
      },
    });
    const graph = {
      nodes: {
        web: node('web', {
          dev: { executor: 'nx:run-commands', options: { command: 'next dev' } },
          build: { executor: 'nx:run-commands', options: { command: 'nx-sst bind -- next build' } },
          serve: { executor: 'nx-sst:bind', options: { command: 'next start' } },
          lint: { executor: 'nx:run-commands', options: { command: 'eslint .' } },
          test: { executor: '@nx/jest:jest', options: {} },
          'test-ci--src/a.spec.ts': { executor: 'nx:run-commands', options: { command: 'jest src/a' } },
          'test-cix': { executor: 'nx:run-commands', options: { command: 'jest' } },
          storybook: { executor: 'nx:run-commands', options: { command: 'storybook dev' }, continuous: true },
        }),
        utils: node('utils', { test: { executor: 'nx:run-commands', options: { command: 'jest' } } }, false),
      },
      dependencies: {},
    } as unknown as ProjectGraph;
    expect(boundTasks(graph, '/ws', ['dev', 'serve', 'test', 'build', 'test-ci--*', 'storybook'])).toEqual({
      workspaceRoot: '/ws',
      projects: {
        web: {
          root: 'apps/web',
          targets: ['dev', 'storybook', 'test', 'test-ci--src/a.spec.ts'],
          continuous: ['storybook'],
        },
      },
    });
  });
});

/**
 * The preload in real Node processes, against a stage deployed to the local cloud: what a task's
 * process (and its children) see, and what the fingerprint Nx hashes does and does not change with.
 */
describe('a bound task process on the local stage', () => {
  const root = deployedSampleWorkspace({ stripeKey: 'sk_preload_first' });
  const probe = path.join(root, 'probe.js');
  const fingerprintCli = path.resolve(__dirname, '../../dist/cli/fingerprint.js');

  beforeAll(() => {
    // The task's process reports what it sees, prints the secret (masked), and so does its child.
    fs.writeFileSync(
      probe,
      `const { execFileSync } = require('node:child_process');
const env = process.env;
console.log(JSON.stringify({
  bucket: env.SST_Bucket_bucketName_public ?? null,
  table: env.SST_Table_tableName_orders ?? null,
  endpoint: env.AWS_ENDPOINT_URL ?? null,
  key: env.AWS_ACCESS_KEY_ID ?? null,
}));
console.log('secret: ' + env.SST_Secret_value_STRIPE_KEY);
process.stdout.write(execFileSync(process.execPath, ['-e', 'console.log("child: " + process.env.SST_Secret_value_STRIPE_KEY)']));
`,
    );
  });
  const taskEnv = (project: string, extra: NodeJS.ProcessEnv = {}) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(env)) if (/^(AWS_|SST_|NX_SST_)/.test(key)) delete env[key];
    return {
      ...env,
      NODE_OPTIONS: withPreload(undefined, PRELOAD_PATH),
      NX_TASK_TARGET_PROJECT: project,
      NX_TASK_TARGET_TARGET: 'test',
      [BOUND_TASKS_VAR]: JSON.stringify({
        workspaceRoot: root,
        projects: {
          api: { root: 'apps/api', targets: ['test'] },
          worker: { root: 'apps/worker', targets: ['test'] },
        },
      }),
      ...extra,
    };
  };
  const run = (project: string, extra?: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [probe], { cwd: root, env: taskEnv(project, extra), encoding: 'utf-8' });

  it("gives the task's process, before its own code, what is bound to its project, and masks the secret", () => {
    const api = run('api');
    expect(api.status).toBe(0);
    const seen = JSON.parse(api.stdout.split('\n')[0]);
    expect(seen.bucket).toMatch(/public/);
    expect(seen.table).toBeNull(); // bound to worker, not to api
    expect(seen.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(seen.key).toBeTruthy();
    expect(api.stdout).toContain('secret: *****');
    expect(api.stdout).toContain('child: *****');
    expect(api.stdout + api.stderr).not.toContain('sk_preload_first');
    expect(api.stderr).toMatch(
      /nx-sst: project api on stage "local" .*, 1 secret, as the role arn:aws:iam::/,
    );

    const worker = JSON.parse(run('worker').stdout.split('\n')[0]);
    expect(worker.table).toMatch(/orders/);
    expect(worker.bucket).toBeNull();
  });

  it('leaves a process of a task that is not bound, or bound off, as it was', () => {
    for (const result of [run('web'), run('api', { NX_SST_BIND: 'off' })]) {
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout.split('\n')[0])).toEqual({
        bucket: null,
        table: null,
        endpoint: null,
        key: null,
      });
      expect(result.stderr).not.toContain('nx-sst:');
    }
  });

  it('stops a task whose bindings cannot be read, with the reason and the way to run it unbound', () => {
    const result = run('api', { SST_STAGE: 'nowhere' });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      'nx-sst: api:test runs with the bindings of api, and they could not be read',
    );
    expect(result.stderr).toContain('To run it without bindings: NX_SST_BIND=0 nx run api:test');
  });

  it('tells a dev server (a continuous target) once when its values change under it', async () => {
    const env = taskEnv('api', { NX_TASK_TARGET_TARGET: 'dev' });
    env[BOUND_TASKS_VAR] = JSON.stringify({
      workspaceRoot: root,
      projects: { api: { root: 'apps/api', targets: ['dev'], continuous: ['dev'] } },
    });
    const server = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { cwd: root, env });
    let stderr = '';
    server.stderr.on('data', (d) => (stderr += d));
    const until = async (check: () => boolean, ms = 60_000) => {
      for (const end = Date.now() + ms; !check();) {
        if (Date.now() > end) throw new Error(`timed out; stderr so far:\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      await until(() => stderr.includes('nx-sst: project api'));
      await setSecret({
        workspaceRoot: root,
        stage: 'local',
        appRoot: path.join(root, 'apps/infra'),
        name: 'STRIPE_KEY',
        value: 'sk_preload_dev_change',
      });
      await until(() => stderr.includes('changed; this process still has the old ones'));
      expect(stderr).toContain('Restart it (nx run api:dev) to use them.');
      expect(stderr).not.toContain('sk_preload');
    } finally {
      server.kill();
    }
  });

  it('has a fingerprint that changes with a secret and a stage, never shows a value, and is stable otherwise', async () => {
    const fingerprint = (extra: NodeJS.ProcessEnv = {}) => {
      const out = spawnSync(process.execPath, [fingerprintCli, 'apps/api'], {
        cwd: root,
        env: { ...taskEnv('api'), NODE_OPTIONS: '', ...extra },
        encoding: 'utf-8',
      });
      expect(out.status).toBe(0);
      return out.stdout.trim();
    };
    const first = fingerprint();
    expect(first).toMatch(/^local [0-9a-f]{64}$/);
    expect(fingerprint()).toBe(first);
    await setSecret({
      workspaceRoot: root,
      stage: 'local',
      appRoot: path.join(root, 'apps/infra'),
      name: 'STRIPE_KEY',
      value: 'sk_preload_second',
    });
    const second = fingerprint();
    expect(second).not.toBe(first);
    expect(fingerprint()).toBe(second);
    expect(fingerprint({ SST_STAGE: 'nowhere' })).toMatch(/^unavailable [0-9a-f]{16}$/);
    expect(`${first}${second}`).not.toMatch(/sk_preload/);
    // A project's fingerprint follows its own bindings: the worker's does not move with api's secret.
    const worker = spawnSync(process.execPath, [fingerprintCli, 'apps/worker'], {
      cwd: root,
      env: { ...taskEnv('worker'), NODE_OPTIONS: '' },
      encoding: 'utf-8',
    }).stdout;
    expect(worker).toMatch(/^local [0-9a-f]{64}\n$/);
    expect(worker.trim()).not.toBe(second.trim());
  });
});
