// What the plugin's preload costs a task, measured in the same run, alternating so that load on the
// machine hits every case alike. Deploys the sample app to a fresh local cloud first. Cases, each a
// task's process running `node -e 0` with Nx's task variables:
// - unbound: no preload (what every task cost before);
// - preload, task not bound: what the preload adds to every other task of a run (it returns at once);
// - preload, bound task (warm): values, secret and role read into the process before its code runs;
// - nx-sst bind -- node -e 0: the wrapper, for comparison (a second Node process, restarts on changes).
// Usage: node bench/preload/run.mjs [runs=15]
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cli, median, repoRoot, sampleWorkspace } from '../bind/sample.mjs';

const runs = Number(process.argv[2] ?? 15);
const root = sampleWorkspace();
const preload = pathToFileURL(path.join(repoRoot, 'packages/nx-sst/preload.mjs')).href;
const base = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
for (const key of Object.keys(base))
  if (/^(AWS_(?!SDK_JS)|SST_|NX_SST_|NODE_OPTIONS$)/.test(key)) delete base[key];
const tasks = JSON.stringify({
  workspaceRoot: root,
  projects: { api: { root: 'apps/api', targets: ['test'] } },
});
const taskEnv = (project, withPreload) => ({
  ...base,
  NX_TASK_TARGET_PROJECT: project,
  NX_TASK_TARGET_TARGET: 'test',
  ...(withPreload ? { NODE_OPTIONS: `--import="${preload}"`, NX_SST_BOUND_TASKS: tasks } : {}),
});

function time(args, env) {
  const start = process.hrtime.bigint();
  const out = spawnSync(args[0], args.slice(1), { cwd: root, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (out.status !== 0) throw new Error(`${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return ms;
}

const nodeE0 = [process.execPath, '-e', '0'];
const cases = {
  'unbound task: node -e 0': () => time(nodeE0, taskEnv('api', false)),
  'preload, task not bound': () => time(nodeE0, taskEnv('other', true)),
  'preload, bound task (warm)': () => time(nodeE0, taskEnv('api', true)),
  'nx-sst bind -- node -e 0': () =>
    time([process.execPath, cli, 'bind', '--', ...nodeE0], taskEnv('api', false)),
};

try {
  console.log(`workspace ${root}; deploying the sample app to its local cloud…`);
  time([process.execPath, cli, 'deploy', '--stage', 'local'], base);
  spawnSync(process.execPath, [cli, 'secrets', 'set', 'STRIPE_KEY', 'sk_bench_value'], {
    cwd: root,
    env: base,
  });
  // Warm: the local cloud running, the manifest and role session cached, the OS file cache hot.
  for (const run of Object.values(cases)) run();
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(cases)) samples[name].push(run());

  const baseline = median(samples['unbound task: node -e 0']);
  console.log(
    `\n${runs} runs each, medians (${process.platform}, node ${process.version}, ${os.cpus().length} cores):`,
  );
  for (const [name, values] of Object.entries(samples)) {
    const m = median(values);
    console.log(
      `  ${name.padEnd(30)} ${m.toFixed(1).padStart(7)} ms   ${(m / baseline).toFixed(2)}x unbound   +${(m - baseline).toFixed(1)} ms`,
    );
  }
} finally {
  spawnSync(process.execPath, [cli, 'local', 'stop'], { cwd: root, env: base });
}
