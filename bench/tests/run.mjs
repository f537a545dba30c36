// `npm test` without the end-to-end suites, against the same specs run as they were before the
// packages' suites ran in parallel: each package's Jest with one worker (Jest's default on two cores),
// one package after the other, then the local cloud's Python tests. Both in the same run, on the same
// machine, with the builds done first (not timed). About 17 minutes on an idle 2-core machine.
// Usage: node bench/tests/run.mjs   (after npm run build; `npm run bench -- tests`)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { repoRoot } from '../bind/sample.mjs';

const PACKAGES = ['runtime', 'local-cloud', 'constructs', 'nx-sst'];
const env = { ...process.env, CI: 'true', NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' };
delete env.NX_SST_E2E;

function run(label, command, args, cwd) {
  const started = performance.now();
  const result = spawnSync(command, args, {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) {
    const log = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-bench-tests-')), 'output.log');
    fs.writeFileSync(log, `${result.stdout}\n${result.stderr}`);
    throw new Error(`${label} failed (exit ${result.status}); its output: ${log}`);
  }
  return seconds;
}

const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build'], { cwd: repoRoot, env, stdio: 'ignore' });
if (build.status !== 0) throw new Error('npm run build failed');

console.log(
  `load average at start: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${os.cpus().length} cores`,
);
let serial = 0;
for (const name of PACKAGES) {
  const cwd = path.join(repoRoot, 'packages', name);
  let seconds = run(`jest in ${name}`, 'npx', ['jest', '--maxWorkers=1'], cwd);
  if (name === 'local-cloud')
    seconds += run(
      'pytest',
      'python3',
      ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'python/tests'],
      cwd,
    );
  console.log(`  serial, one worker: ${name} ${seconds.toFixed(1)} s`);
  serial += seconds;
}
console.log(`serial, one worker:  ${serial.toFixed(1)} s`);
const parallel = run('npm test', 'npm', ['test'], repoRoot);
console.log(`npm test:            ${parallel.toFixed(1)} s  (x${(parallel / serial).toFixed(2)} of serial)`);
console.log(
  `load average at end: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
