// Type-checks every spec and the e2e sources: `npm run typecheck`. Jest runs specs through ts-jest with
// isolatedModules (transpile only, no types), and `build` compiles only the library sources, so without
// this a spec could call an API that no longer exists and still be green until the line runs.
// Specs import the other packages as built (their dist/*.d.ts): `npm run typecheck` builds first.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const projects = [
  ...readdirSync(join(root, 'packages'))
    .map((name) => join(root, 'packages', name, 'tsconfig.spec.json'))
    .filter((file) => existsSync(file)),
  join(root, 'e2e', 'tsconfig.json'),
];

function check(tsconfig) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', tsconfig], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (code) =>
      resolve({ tsconfig: relative(root, tsconfig), code, output, seconds: (Date.now() - started) / 1000 }),
    );
  });
}

// Each tsc takes up to ~1 GB and one core; more at once than cores only makes each slower.
const queue = [...projects];
const results = [];
await Promise.all(
  Array.from({ length: Math.min(availableParallelism(), queue.length) }, async () => {
    while (queue.length > 0) results.push(await check(queue.shift()));
  }),
);

let failed = 0;
for (const result of results.sort((a, b) => a.tsconfig.localeCompare(b.tsconfig))) {
  const status = result.code === 0 ? 'ok' : 'FAILED';
  console.log(`${status} ${result.tsconfig} (${result.seconds.toFixed(1)} s)`);
  if (result.code !== 0) {
    failed++;
    process.stdout.write(result.output);
  }
}
console.log(`typecheck: ${projects.length - failed} of ${projects.length} programs without type errors`);
process.exit(failed === 0 ? 0 : 1);
