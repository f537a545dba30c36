// A no-op `nx-sst deploy` (nothing changed since the last deploy: answered from the deploy record
// after one check of the stacks) against the first deploy of the same app, a forced deploy of the
// unchanged app (synthesis, bundling, toolkit-lib finding nothing to do: what a no-op cost before)
// and `node -e 0`, each in a fresh process, on the workspace's local cloud, in the same run.
// Usage: node bench/deploy/run.mjs [runs=5]   (after npm run build)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { cli, median, sampleWorkspace } from '../bind/sample.mjs';

const runs = Number(process.argv[2] ?? 5);
const root = sampleWorkspace();

function time(args) {
  const start = process.hrtime.bigint();
  const out = spawnSync(args[0], args.slice(1), {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (out.status !== 0) throw new Error(`${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return { ms, out };
}

try {
  // The local cloud runs already, as in a working session; its start is not what is measured.
  time([process.execPath, cli, 'local', 'start']);
  const first = time([process.execPath, cli, 'deploy']).ms;
  const samples = { 'no-op deploy': [], 'deploy --force (unchanged app)': [], 'node -e 0': [] };
  for (let i = 0; i < runs; i++) {
    const noop = time([process.execPath, cli, 'deploy']);
    if (!/Nothing changed since the last deploy/.test(noop.out.stderr))
      throw new Error(`The no-op deploy was not answered from the deploy record:\n${noop.out.stderr}`);
    samples['no-op deploy'].push(noop.ms);
    samples['deploy --force (unchanged app)'].push(time([process.execPath, cli, 'deploy', '--force']).ms);
    samples['node -e 0'].push(time([process.execPath, '-e', '0']).ms);
  }
  const noop = median(samples['no-op deploy']);
  const load = os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
  console.log(
    `${runs} runs each, medians (${process.platform}, node ${process.version}, ${os.cpus().length} cores, load ${load}):`,
  );
  const line = (name, ms) =>
    console.log(
      `  ${name.padEnd(32)} ${ms.toFixed(0).padStart(7)} ms  ×${(ms / noop).toFixed(2)} of a no-op deploy`,
    );
  line('first deploy (once)', first);
  for (const [name, values] of Object.entries(samples)) line(name, median(values));
} finally {
  spawnSync(process.execPath, [cli, 'local', 'stop'], { cwd: root, stdio: 'ignore' });
  fs.rmSync(root, { recursive: true, force: true });
}
