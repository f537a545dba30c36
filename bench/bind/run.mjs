// `nx-sst bind -- node -e 0` against `node -e 0`, measured in the same run, alternating so that
// load on the machine hits both alike. Deploys the sample app to a fresh local cloud first.
// Usage: node bench/bind/run.mjs [runs=15]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, median, sampleWorkspace } from './sample.mjs';

const runs = Number(process.argv[2] ?? 15);
const root = sampleWorkspace();
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

function time(args, cwd = root) {
  const start = process.hrtime.bigint();
  const out = spawnSync(args[0], args.slice(1), { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (out.status !== 0) throw new Error(`${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return ms;
}

try {
  console.log(`workspace ${root}; deploying the sample app to its local cloud…`);
  time([process.execPath, cli, 'deploy', '--stage', 'local']);
  spawnSync(process.execPath, [cli, 'secrets', 'set', 'STRIPE_KEY', 'sk_bench_value'], { cwd: root, env });

  const cases = {
    'node -e 0': () => time([process.execPath, '-e', '0']),
    'nx-sst bind --target api -- node -e 0': () =>
      time([process.execPath, cli, 'bind', '--target', 'api', '--', process.execPath, '-e', '0']),
    'nx-sst bind -- node -e 0 (in apps/api)': () =>
      time([process.execPath, cli, 'bind', '--', process.execPath, '-e', '0'], path.join(root, 'apps/api')),
    'nx-sst bind --script -- node -e 0': () =>
      time([process.execPath, cli, 'bind', '--script', '--', process.execPath, '-e', '0']),
  };
  // One warm-up round: the config bundle, the app index and the OS file cache are warm afterwards.
  for (const run of Object.values(cases)) run();
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(cases)) samples[name].push(run());

  const base = median(samples['node -e 0']);
  console.log(
    `\n${runs} runs each, medians (${process.platform}, node ${process.version}, ${(await import('node:os')).cpus().length} cores):`,
  );
  for (const [name, values] of Object.entries(samples)) {
    const m = median(values);
    console.log(
      `  ${name.padEnd(42)} ${m.toFixed(0).padStart(6)} ms  ×${(m / base).toFixed(2)}  (+${(m - base).toFixed(0)} ms)`,
    );
  }
} finally {
  spawnSync(process.execPath, [cli, 'local', 'stop'], { cwd: root, env });
  fs.rmSync(root, { recursive: true, force: true });
}
