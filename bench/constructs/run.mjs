// Building the construct tree + bindingModel() (what `nx-sst types` and `bind` pay) versus synthesizing the
// templates (what `deploy` pays), for apps of 10, 100 and 300 resources. Run after building the package:
//   npx nx run @nx-sst/constructs:build && node bench/constructs/run.mjs
// Each size runs in a fresh Node process, so module loading is counted the same way for both paths.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(here, '../../packages/constructs/dist/index.js');
if (!fs.existsSync(dist)) {
  console.error('Build @nx-sst/constructs first: npx nx run @nx-sst/constructs:build');
  process.exit(1);
}

const SIZES = [10, 100, 300];
const REPEAT = Number(process.env.BENCH_REPEAT ?? 3);

/** One measurement in a child process: mode is "tree" (build + bindingModel) or "synth" (build + app.synth()). */
function measure(size, mode, validation) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-bench-'));
  // One Nx project per stack: a project's bind manifest is one SSM parameter (8 KB at most, about 145
  // bound values), so an app of 300 resources does not put all 240 of its bound values in one project.
  for (let k = 0; k * 50 < size; k++) {
    fs.mkdirSync(path.join(root, `packages/fns${k}/src`), { recursive: true });
    fs.writeFileSync(path.join(root, `packages/fns${k}/src/h.ts`), 'export const handler = async () => 1;\n');
  }
  const script = `
    const t0 = performance.now();
    const c = require(${JSON.stringify(dist)});
    const app = new c.App({ name: 'bench', stage: 'dev', region: 'us-east-1', account: '123456789012',
      workspaceRoot: ${JSON.stringify(root)}, builtinCloudFormationValidation: ${validation},
      resolveProject: (abs) => { const name = abs.split('/').at(-3); return { name, root: 'packages/' + name }; } });
    // One stack (and project) per 50 resources; each group: 4 data resources and a function bound to them.
    const size = ${size};
    let made = 0;
    for (let k = 0; made < size; k++) {
      app.stack(function Stack({ stack }) {
        for (let i = 0; i < 50 && made < size; i += 5) {
          const n = made;
          const b = new c.Bucket(stack, 'b' + n);
          const t = new c.Table(stack, 't' + n, { fields: { pk: 'string' }, primaryIndex: { partitionKey: 'pk' } });
          const q = new c.Queue(stack, 'q' + n);
          const p = new c.Config.Parameter(stack, 'P' + n, { value: 'v' + n });
          new c.Function(stack, 'f' + n, { handler: 'packages/fns' + k + '/src/h.handler', bind: [b, t, q, p] });
          made += 5;
        }
      }, { id: 'S' + k });
    }
    const built = performance.now();
    let out;
    if (${JSON.stringify(mode)} === 'tree') out = app.bindingModel().targets.length;
    else out = app.synth().stacks.length;
    const end = performance.now();
    process.stdout.write(JSON.stringify({ total: end - t0, build: built - t0, phase: end - built, out }));`;
  try {
    return JSON.parse(
      execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', maxBuffer: 1 << 26 }),
    );
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;

console.log(
  `node ${process.version}, ${os.cpus().length} cpus, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, median of ${REPEAT}`,
);
console.log(
  'resources | load + build tree | bindingModel() | synth, no schema validation | synth, CDK default | types path | deploy path (no validation) | deploy / types',
);
for (const size of SIZES) {
  const tree = [];
  const synth = [];
  let validated;
  for (let i = 0; i < REPEAT; i++) {
    tree.push(measure(size, 'tree', false));
    synth.push(measure(size, 'synth', false));
    if (i === 0) validated = measure(size, 'synth', true);
  }
  const build = median(tree.map((r) => r.build));
  const model = median(tree.map((r) => r.phase));
  const typesPath = median(tree.map((r) => r.total));
  const synthPhase = median(synth.map((r) => r.phase));
  const deployPath = median(synth.map((r) => r.total));
  console.log(
    [
      String(size).padStart(9),
      fmt(build).padStart(17),
      `${model.toFixed(1)} ms`.padStart(14),
      fmt(synthPhase).padStart(26),
      fmt(validated.phase).padStart(18),
      fmt(typesPath).padStart(10),
      fmt(deployPath).padStart(26),
      `${(deployPath / typesPath).toFixed(1)}x`.padStart(14),
    ].join(' | '),
  );
}
