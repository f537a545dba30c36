// `nx-sst types` against a full synthesis of the same app (tree + templates + function bundles), for
// apps of 10, 100 and 300 resources, each command in a fresh process, alternating, in the same run:
//   - types, unchanged: what the last run read and wrote is as it was (answered from its record);
//   - types, tree built: the record removed first, as after a change to the stacks;
//   - node -e 0: the floor of any command.
// Our packages are installed in each sample workspace as npm installs them (copies), not linked.
// Usage: node bench/types/run.mjs [runs=5]   (after npm run build; BENCH_TYPES_SIZES=10,100 for fewer sizes)
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median, repoRoot } from '../bind/sample.mjs';

const runs = Number(process.argv[2] ?? 5);
const SIZES = (process.env.BENCH_TYPES_SIZES ?? '10,100,300').split(',').map(Number);

/** A workspace whose infra app has `size` resources: per 5, a bucket, table, queue, parameter and a function bound to them. */
function workspace(size) {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-bench-types-')));
  const files = {
    'nx.json': '{}',
    'package.json': JSON.stringify({ name: 'bench', private: true }),
    'apps/infra/project.json': JSON.stringify({ name: 'infra' }),
    'apps/infra/sst.config.ts': [
      "import type { SSTConfig } from '@nx-sst/constructs';",
      "import { stacks } from './stacks';",
      "export default { config() { return { name: 'bench', region: 'us-east-1' }; }, stacks } satisfies SSTConfig;",
    ].join('\n'),
    'apps/infra/stacks.ts': [
      "import { Bucket, Config, Function, Queue, Table, type StackContext } from '@nx-sst/constructs';",
      `const SIZE = ${size};`,
      'export function stacks(app: any) {',
      '  let made = 0;',
      // One stack and one Nx project per 50 resources: a project's bind manifest is one SSM parameter.
      '  for (let k = 0; made < SIZE; k++) {',
      '    app.stack(function Stack({ stack }: StackContext) {',
      '      for (let i = 0; i < 50 && made < SIZE; i += 5) {',
      '        const n = made;',
      "        const b = new Bucket(stack, 'b' + n);",
      "        const t = new Table(stack, 't' + n, { fields: { pk: 'string' }, primaryIndex: { partitionKey: 'pk' } });",
      "        const q = new Queue(stack, 'q' + n);",
      "        const p = new Config.Parameter(stack, 'P' + n, { value: 'v' + n });",
      "        new Function(stack, 'f' + n, { handler: 'packages/fns' + k + '/src/h.handler', bind: [b, t, q, p] });",
      '        made += 5;',
      '      }',
      "    }, { id: 'S' + k });",
      '  }',
      '}',
    ].join('\n'),
  };
  for (let k = 0; k * 50 < size; k++) {
    files[`packages/fns${k}/project.json`] = JSON.stringify({ name: `fns${k}` });
    files[`packages/fns${k}/src/h.ts`] = 'export const handler = async () => 1;\n';
  }
  for (const [file, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), content);
  }
  installPackages(root);
  return root;
}

/**
 * node_modules as an install from the registry leaves it: our packages are copies (package.json and
 * dist), their dependencies links to the repo's installed ones. Links to packages/* would make the
 * engine fingerprint walk our dist folders on every run (how a workspace developing nx-sst itself
 * is treated), which no user's workspace pays.
 */
function installPackages(root) {
  const modules = path.join(root, 'node_modules');
  const ours = { 'nx-sst': 'nx-sst', '@nx-sst/constructs': 'constructs', '@nx-sst/runtime': 'runtime' };
  const links = new Set(['aws-cdk-lib', 'constructs', 'nx', 'typescript']);
  for (const [name, dir] of Object.entries(ours)) {
    const from = path.join(repoRoot, 'packages', dir);
    const to = path.join(modules, name);
    fs.mkdirSync(to, { recursive: true });
    fs.copyFileSync(path.join(from, 'package.json'), path.join(to, 'package.json'));
    fs.cpSync(path.join(from, 'dist'), path.join(to, 'dist'), { recursive: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(from, 'package.json'), 'utf8'));
    for (const dep of Object.keys(manifest.dependencies ?? {})) if (!(dep in ours)) links.add(dep);
  }
  for (const name of links) {
    const target = path.join(repoRoot, 'node_modules', name);
    if (!fs.existsSync(target)) continue;
    fs.mkdirSync(path.dirname(path.join(modules, name)), { recursive: true });
    fs.symlinkSync(target, path.join(modules, name), 'dir');
  }
}

function time(root, args) {
  const start = process.hrtime.bigint();
  const out = spawnSync(args[0], args.slice(1), {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (out.status !== 0) throw new Error(`${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return ms;
}

const load = os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(' ');
console.log(
  `${runs} runs each, medians (${process.platform}, node ${process.version}, ${os.cpus().length} cores, load ${load}):`,
);
for (const size of SIZES) {
  const root = workspace(size);
  const appRoot = path.join(root, 'apps/infra');
  const record = path.join(appRoot, '.sst/types/inputs.json');
  // Both run nx-sst as installed in the workspace.
  const cli = path.join(root, 'node_modules/nx-sst/dist/cli/main.js');
  const loadApp = path.join(root, 'node_modules/nx-sst/dist/synth/load-app.js');
  const synth = `require(${JSON.stringify(loadApp)}).loadApp({ workspaceRoot: ${JSON.stringify(root)}, appRoot: ${JSON.stringify(
    appRoot,
  )}, stage: 'local' }).then(({ app }) => app.synth())`;
  try {
    const cases = {
      'full synth (loadApp + app.synth())': () => time(root, [process.execPath, '-e', synth]),
      'nx-sst types, tree built': () => {
        fs.rmSync(record, { force: true });
        return time(root, [process.execPath, cli, 'types']);
      },
      'nx-sst types, unchanged': () => time(root, [process.execPath, cli, 'types']),
      'node -e 0': () => time(root, [process.execPath, '-e', '0']),
    };
    for (const run of Object.values(cases)) run(); // warm: config bundle, record, OS file cache
    const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(cases)) samples[name].push(run());
    const base = median(samples['full synth (loadApp + app.synth())']);
    console.log(`  ${size} resources:`);
    for (const [name, values] of Object.entries(samples)) {
      const m = median(values);
      console.log(
        `    ${name.padEnd(36)} ${m.toFixed(0).padStart(7)} ms  ×${(m / base).toFixed(2)} of full synth`,
      );
    }
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}
