// Joining a running local cloud from a fresh Node process, the way `nx-sst bind` does it on its warm
// path (`joinRunningLocalCloud`: discovery file + `process.kill(pid, 0)` + the pid's command line)
// against the health-checked `startLocalCloud` (one HTTP round trip to the daemon), alternating in
// the same run. Each child times only the call, after loading the package.
// Usage: node bench/bind/join.mjs [runs=21]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './sample.mjs';

const require = createRequire(import.meta.url);
const pkg = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../packages/local-cloud/dist/index.js',
);
const { startTestCloud } = require(pkg);
const runs = Number(process.argv[2] ?? 21);

const child = (call) =>
  [
    `const lc = require(${JSON.stringify(pkg)});`,
    'const t = performance.now();',
    `Promise.resolve(${call}).then((c) => {`,
    '  if (!c) throw new Error("not joined");',
    '  console.log(performance.now() - t);',
    '});',
  ].join('\n');

const cloud = await startTestCloud();
try {
  const cases = {
    'startLocalCloud (health check)': child(
      `lc.startLocalCloud({ stateDir: ${JSON.stringify(cloud.stateDir)} })`,
    ),
    joinRunningLocalCloud: child(`lc.joinRunningLocalCloud(${JSON.stringify(cloud.stateDir)})`),
  };
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, code] of Object.entries(cases)) {
      const out = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`${name}: ${out.stderr}`);
      times[name].push(Number(out.stdout));
    }
  }
  const base = median(times['startLocalCloud (health check)']);
  console.log(
    `${runs} fresh processes each, median ms of the call alone (${process.platform}, node ${process.version}):`,
  );
  for (const [name, t] of Object.entries(times)) {
    const m = median(t);
    console.log(`  ${name.padEnd(32)} ${m.toFixed(2).padStart(7)} ms  ×${(m / base).toFixed(2)}`);
  }
} finally {
  await cloud.stop();
}
