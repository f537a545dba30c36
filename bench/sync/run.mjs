#!/usr/bin/env node
// What the nx-sst:sync sync generator adds to a task run when nothing changed.
//
// Nx runs a task's sync generators before the task (not in CI): without the daemon, in the `nx run`
// process itself, on a tree over the workspace; with it, in the daemon, which keeps the result. For each
// workspace size (projects) and number of infra apps, a workspace is generated on disk, synced once, and
// measured in the same run against a baseline, a sync generator that does nothing:
//   - in-process: Nx's own runSyncGenerator (what `nx run` calls) in a fresh Node process that has
//     already loaded Nx and its file index, as a task run has: the first call, which loads the
//     generator's modules, as a `nx run` without the daemon pays it (median of --runs), and a second
//     call in the same process, as the daemon pays it;
//   - the same first call after the stacks changed (the generator's cache misses, TypeScript loads);
//   - whole `nx run <lib>:<target>` wall time (daemon off, CI=false so sync generators run), a target
//     whose syncGenerators is the no-op against one whose syncGenerators is nx-sst:sync.
// Each figure is given as CPU time (user + system of the process) besides wall time: on a shared
// machine wall time mostly measures the other jobs, while the CPU a step uses does not depend on them.
// Needs the built plugin: `npx nx run nx-sst:build` first (or --package <dir of a built nx-sst>).
//
// Usage: node bench/sync/run.mjs [--sizes 50,200] [--apps 1,5] [--runs 7] [--task-runs 5] [--package dir]
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const repoModules = join(repo, 'node_modules');
const nxBin = join(repoModules, 'nx', 'dist', 'bin', 'nx.js');

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '50,200' },
    apps: { type: 'string', default: '1,5' },
    runs: { type: 'string', default: '7' },
    'task-runs': { type: 'string', default: '5' },
    package: { type: 'string', default: join(repo, 'packages', 'nx-sst') },
  },
});
const pkg = resolve(values.package);
if (!existsSync(join(pkg, 'dist', 'generators', 'sync', 'sync.js'))) {
  console.error(`No built nx-sst in ${pkg}: run npx nx run nx-sst:build first`);
  process.exit(1);
}
const sizes = values.sizes.split(',').map(Number);
const appCounts = values.apps.split(',').map(Number);
const runs = Number(values.runs);
const taskRuns = Number(values['task-runs']);
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', CI: 'false' };
delete env.NX_SKIP_NX_CACHE;

function write(root, files) {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), content);
  }
}

/**
 * `projects` projects: `apps` infra apps each with a Next.js site, and libraries; each app binds its
 * site and 10 libraries (as bench/graph). Every project has a tsconfig.json and tsconfig.lib.json, so
 * the generator's tsconfig check has real files to read.
 */
function generate(projects, apps) {
  const root = mkdtempSync(join(tmpdir(), `nx-sst-sync-bench-${projects}-${apps}-`));
  const modules = join(root, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(repoModules)) {
    if (entry !== 'nx-sst') symlinkSync(join(repoModules, entry), join(modules, entry));
  }
  // Installed as a package (a folder under node_modules), so Nx loads its built generator.
  mkdirSync(join(modules, 'nx-sst'));
  for (const entry of ['dist', 'package.json', 'generators.json', 'executors.json', 'src'])
    if (existsSync(join(pkg, entry))) symlinkSync(join(pkg, entry), join(modules, 'nx-sst', entry));
  const files = {
    'package.json': JSON.stringify({ name: 'bench', private: true, workspaces: ['apps/*', 'libs/*'] }),
    'nx.json': JSON.stringify({ analytics: false }),
    '.gitignore': 'node_modules\n.nx\n.sst\n',
    'node_modules/noop-sync/package.json': JSON.stringify({
      name: 'noop-sync',
      generators: './generators.json',
    }),
    'node_modules/noop-sync/generators.json': JSON.stringify({
      generators: { sync: { factory: './sync.js#syncGenerator', schema: './schema.json' } },
    }),
    'node_modules/noop-sync/schema.json': JSON.stringify({ type: 'object', properties: {} }),
    'node_modules/noop-sync/sync.js': 'exports.syncGenerator = async function syncGenerator() {};\n',
  };
  const tsconfigs = (dir) => ({
    [`${dir}/tsconfig.json`]: JSON.stringify({
      files: [],
      include: [],
      references: [{ path: './tsconfig.lib.json' }],
    }),
    [`${dir}/tsconfig.lib.json`]: JSON.stringify({ include: ['src/**/*.ts'] }, null, 2),
  });
  const libs = projects - 2 * apps;
  for (let i = 0; i < libs; i++) {
    files[`libs/lib${i}/project.json`] = JSON.stringify({
      name: `lib${i}`,
      targets: {
        'with-noop': { command: 'node -e 0', syncGenerators: ['noop-sync:sync'] },
        'with-nx-sst': { command: 'node -e 0', syncGenerators: ['nx-sst:sync'] },
      },
    });
    files[`libs/lib${i}/src/index.ts`] = `export async function handler() { return ${i}; }\n`;
    Object.assign(files, tsconfigs(`libs/lib${i}`));
  }
  for (let a = 0; a < apps; a++) {
    files[`apps/web${a}/package.json`] = JSON.stringify({ name: `web${a}`, scripts: { dev: 'next dev' } });
    files[`apps/web${a}/app/page.tsx`] = 'export default function Page() { return null; }\n';
    Object.assign(files, tsconfigs(`apps/web${a}`));
    files[`apps/infra${a}/project.json`] = JSON.stringify({ name: `infra${a}` });
    files[`apps/infra${a}/sst.config.ts`] =
      `import type { SSTConfig } from '@nx-sst/constructs';\nimport { Default } from './stacks/Default';\n` +
      `export default { config() { return { name: 'app${a}', region: 'us-east-1' }; }, stacks(app) { app.stack(Default); } } satisfies SSTConfig;\n`;
    const fns = Array.from({ length: Math.min(10, libs) }, (_, k) => (a * 10 + k) % libs)
      .map(
        (lib) =>
          `  new Function(stack, 'fn${lib}', { handler: 'libs/lib${lib}/src/index.handler', bind: [files, KEY] });`,
      )
      .join('\n');
    files[`apps/infra${a}/stacks/Default.ts`] =
      `import { Bucket, Config, Function, NextjsSite, type StackContext } from '@nx-sst/constructs';\n\n` +
      `export function Default({ stack }: StackContext) {\n  const files = new Bucket(stack, 'files');\n  const KEY = new Config.Secret(stack, 'KEY');\n` +
      `  new NextjsSite(stack, 'web', { path: 'apps/web${a}', bind: [files, KEY] });\n${fns}\n}\n`;
  }
  write(root, files);
  return root;
}

/**
 * In a fresh Node process with Nx, its file index and the project graph loaded (as a `nx run`
 * process has them before it runs sync generators): Nx's runSyncGenerator for `generator`, twice.
 * `flush` writes what the run changed (to bring the workspace in sync first).
 */
function timeInProcess(root, generator, { flush = false } = {}) {
  const script = `
    const { performance } = require('node:perf_hooks');
    const { runSyncGenerator } = require('nx/src/utils/sync-generators');
    const { FsTree, flushChanges } = require('nx/src/generators/tree');
    const { createProjectGraphAsync, readProjectsConfigurationFromProjectGraph } = require('nx/src/project-graph/project-graph');
    const { globWithWorkspaceContextSync } = require('nx/src/utils/workspace-context');
    (async () => {
      const { projects } = readProjectsConfigurationFromProjectGraph(await createProjectGraphAsync({ exitOnError: true }));
      globWithWorkspaceContextSync(process.cwd(), ['nx.json']);
      const times = [];
      const cpu = [];
      let changes = [];
      for (let i = 0; i < 2; i++) {
        const tree = new FsTree(process.cwd(), false);
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        const result = await runSyncGenerator(tree, ${JSON.stringify(generator)}, projects);
        times.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
        if (result.error) throw new Error(JSON.stringify(result.error));
        changes = result.changes.map((c) => c.type + ' ' + c.path);
        if (${flush}) { flushChanges(process.cwd(), result.changes); break; }
      }
      console.log(JSON.stringify({ first: times[0], second: times[1], firstCpu: cpu[0], secondCpu: cpu[1], changes }));
    })().catch((e) => { console.error(e); process.exit(1); });`;
  const out = execFileSync(process.execPath, ['-e', script], { cwd: root, env, encoding: 'utf-8' });
  return JSON.parse(out.trim().split('\n').pop());
}

/** `nx run lib0:<target>` in a fresh process: wall time, and CPU time of the nx process itself. */
function timeTask(root, target) {
  const cpuFile = join(root, '.nx-cpu');
  // Nx ends with process.exit: the exit handler records the CPU time the nx process used.
  const wrapper =
    `process.on('exit', () => { const c = process.cpuUsage(); require('node:fs').writeFileSync(${JSON.stringify(cpuFile)}, String((c.user + c.system) / 1000)); });` +
    `process.argv.splice(1, 0, ${JSON.stringify(nxBin)}); require(${JSON.stringify(nxBin)});`;
  const started = process.hrtime.bigint();
  execFileSync(process.execPath, ['-e', wrapper, 'run', `lib0:${target}`, '--skip-nx-cache'], {
    cwd: root,
    env,
    stdio: 'ignore',
  });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  return { wall, cpu: Number(readFileSync(cpuFile, 'utf-8')) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x) => x.toFixed(1);

console.log(
  `nx-sst:sync benchmark: Node ${process.version}, ${cpus().length} CPUs, ${runs} runs per in-process figure, ` +
    `${taskRuns} per task figure (medians)\n`,
);
const rows = [];
for (const projects of sizes) {
  for (const apps of appCounts) {
    const root = generate(projects, apps);
    try {
      // Bring the workspace in sync (writes every sst-env.d.ts and tsconfig include), then check it is.
      const synced = timeInProcess(root, 'nx-sst:sync', { flush: true });
      const check = timeInProcess(root, 'nx-sst:sync');
      if (check.changes.length) throw new Error(`not in sync after a sync: ${check.changes.join(', ')}`);
      const noop = [];
      const sst = [];
      for (let i = 0; i < runs; i++) {
        noop.push(timeInProcess(root, 'noop-sync:sync'));
        sst.push(timeInProcess(root, 'nx-sst:sync'));
      }
      if (sst.some((r) => r.changes.length))
        throw new Error('the generator changed files in an unchanged workspace');
      // A stack changed: the cache of static readings misses and the TypeScript compiler loads.
      const cold = [];
      for (let i = 0; i < Math.min(runs, 3); i++) {
        rmSync(join(root, '.nx', 'workspace-data', 'nx-sst-types.json'), { force: true });
        cold.push(timeInProcess(root, 'nx-sst:sync').firstCpu);
      }
      timeTask(root, 'with-noop'); // warm Nx's graph cache and the OS file cache
      const taskNoop = [];
      const taskSst = [];
      for (let i = 0; i < taskRuns; i++) {
        taskNoop.push(timeTask(root, 'with-noop'));
        taskSst.push(timeTask(root, 'with-nx-sst'));
      }
      const pick = (xs, key) => median(xs.map((r) => r[key]));
      const row = {
        projects,
        apps,
        files: synced.changes.length,
        noopFirst: pick(noop, 'first'),
        sstFirst: pick(sst, 'first'),
        noopFirstCpu: pick(noop, 'firstCpu'),
        sstFirstCpu: pick(sst, 'firstCpu'),
        noopSecond: pick(noop, 'second'),
        sstSecond: pick(sst, 'second'),
        sstSecondCpu: pick(sst, 'secondCpu'),
        cold: median(cold),
        taskNoop: pick(taskNoop, 'wall'),
        taskSst: pick(taskSst, 'wall'),
        taskNoopCpu: pick(taskNoop, 'cpu'),
        taskSstCpu: pick(taskSst, 'cpu'),
      };
      rows.push(row);
      console.log(
        `${String(projects).padStart(4)} projects, ${apps} app(s) (${row.files} files synced): first call ` +
          `${ms(row.sstFirst)} ms wall / ${ms(row.sstFirstCpu)} ms CPU vs no-op ${ms(row.noopFirst)} / ` +
          `${ms(row.noopFirstCpu)} ms (+${ms(row.sstFirstCpu - row.noopFirstCpu)} ms CPU); second call ` +
          `${ms(row.sstSecond)} / ${ms(row.sstSecondCpu)} ms; after a stack change ${ms(row.cold)} ms CPU; ` +
          `nx run ${row.taskSst.toFixed(0)} vs ${row.taskNoop.toFixed(0)} ms wall, ` +
          `${row.taskSstCpu.toFixed(0)} vs ${row.taskNoopCpu.toFixed(0)} ms CPU ` +
          `(+${(row.taskSstCpu - row.taskNoopCpu).toFixed(0)} ms, ×${(row.taskSstCpu / row.taskNoopCpu).toFixed(2)})`,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
}
console.log(
  '\n| projects | apps | first call, no-op (ms CPU) | first call, nx-sst (ms CPU) | added (ms CPU) | ÷ no-op | ' +
    'first call, nx-sst (ms wall) | second call, nx-sst (ms CPU) | after a stack change (ms CPU) | ' +
    'nx run, no-op (ms CPU) | nx run, nx-sst (ms CPU) | added (ms CPU) | ÷ no-op | nx run, no-op / nx-sst (ms wall) |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.projects} | ${r.apps} | ${ms(r.noopFirstCpu)} | ${ms(r.sstFirstCpu)} | ${ms(r.sstFirstCpu - r.noopFirstCpu)} | ` +
      `${(r.sstFirstCpu / r.noopFirstCpu).toFixed(1)} | ${ms(r.sstFirst)} | ${ms(r.sstSecondCpu)} | ${ms(r.cold)} | ` +
      `${r.taskNoopCpu.toFixed(0)} | ${r.taskSstCpu.toFixed(0)} | ${(r.taskSstCpu - r.taskNoopCpu).toFixed(0)} | ` +
      `${(r.taskSstCpu / r.taskNoopCpu).toFixed(2)} | ${r.taskNoop.toFixed(0)} / ${r.taskSst.toFixed(0)} |`,
  );
}
