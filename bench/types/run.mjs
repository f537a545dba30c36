// `nx-sst types` (construct tree only) against a full synthesis of the same app (tree + templates +
// function bundles), each in a fresh process, alternating, in the same run; and what merely loading
// the constructs (aws-cdk-lib) costs, the floor of both.
// Usage: node bench/types/run.mjs [runs=5]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cli, median, repoRoot, sampleWorkspace } from '../bind/sample.mjs';

const runs = Number(process.argv[2] ?? 5);
const root = sampleWorkspace();
const loadApp = path.join(repoRoot, 'packages/nx-sst/dist/synth/load-app.js');
const synth = `require(${JSON.stringify(loadApp)}).loadApp({ workspaceRoot: ${JSON.stringify(root)}, appRoot: ${JSON.stringify(
  path.join(root, 'apps/infra'),
)}, stage: 'local' }).then(({ app }) => app.synth())`;

function time(args) {
  const start = process.hrtime.bigint();
  const out = spawnSync(args[0], args.slice(1), { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (out.status !== 0) throw new Error(`${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return ms;
}

try {
  const cases = {
    'nx-sst types': () => time([process.execPath, cli, 'types']),
    'full synth (loadApp + app.synth())': () => time([process.execPath, '-e', synth]),
    // The floor of both: Node and the modules any construct tree needs (aws-cdk-lib through ours).
    'only require @nx-sst/constructs': () => time([process.execPath, '-e', "require('@nx-sst/constructs')"]),
  };
  for (const run of Object.values(cases)) run(); // warm: config bundle, OS file cache
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(cases)) samples[name].push(run());
  const types = median(samples['nx-sst types']);
  console.log(
    `${runs} runs each, medians (${process.platform}, node ${process.version}, ${os.cpus().length} cores):`,
  );
  for (const [name, values] of Object.entries(samples)) {
    const m = median(values);
    console.log(`  ${name.padEnd(36)} ${m.toFixed(0).padStart(7)} ms  ×${(m / types).toFixed(2)} of types`);
  }
} finally {
  fs.rmSync(root, { recursive: true, force: true });
}
