#!/usr/bin/env node
// What the nx-sst graph plugin adds to computing the project graph.
//
// For each workspace size (projects) and number of infra apps, a workspace is generated on disk and
// measured in the same run without the plugin in nx.json (the baseline), with a no-op plugin (what any
// plugin costs: Nx runs each plugin in a worker process), and with nx-sst. Reported:
//   - `nx graph --file` wall time (median of --runs, daemon off, graph cache off so it is recomputed),
//     baseline vs no-op vs nx-sst with its parse cache warm, and cold (cache files deleted first, 1 run);
//   - the plugin's own functions (createNodes + createDependencies + createMetadata) timed in a fresh
//     Node process, cold and warm, which isolates them from Nx's own work and process start.
// Needs the built plugin: `npx nx run nx-sst:build` first.
//
// Usage: node bench/graph/run.mjs [--sizes 50,200,500] [--apps 1,5] [--runs 3]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const repoModules = join(repo, 'node_modules');
const nxBin = join(repoModules, 'nx', 'dist', 'bin', 'nx.js');
const pluginDist = join(repo, 'packages', 'nx-sst', 'dist', 'plugin', 'index.js');
if (!existsSync(pluginDist)) {
  console.error('Build the plugin first: npx nx run nx-sst:build');
  process.exit(1);
}

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '50,200,500' },
    apps: { type: 'string', default: '1,5' },
    runs: { type: 'string', default: '3' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const appCounts = values.apps.split(',').map(Number);
const runs = Number(values.runs);
const env = {
  ...process.env,
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  NX_TUI: 'false',
  NX_CACHE_PROJECT_GRAPH: 'false',
  CI: 'true',
};

function write(root, files) {
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), content);
  }
}

/** `projects` projects in all: `apps` infra apps, one Next.js site per app, and libraries; each app binds 10 libraries. */
function generate(projects, apps) {
  const root = mkdtempSync(join(tmpdir(), `nx-sst-bench-${projects}-${apps}-`));
  mkdirSync(join(root, 'node_modules'));
  for (const entry of readdirSync(repoModules))
    symlinkSync(join(repoModules, entry), join(root, 'node_modules', entry));
  const files = {
    'package.json': JSON.stringify({ name: 'bench', private: true, workspaces: ['apps/*', 'libs/*'] }),
    '.gitignore': 'node_modules\n.nx\n.sst\n',
    'tools/noop-plugin.js':
      "exports.createNodes = ['**/sst.config.{ts,js,mjs}', async (files) => files.map((f) => [f, {}])];\n" +
      'exports.createDependencies = () => [];\nexports.createMetadata = () => ({});\n',
  };
  const libs = projects - 2 * apps;
  for (let i = 0; i < libs; i++) {
    files[`libs/lib${i}/project.json`] = JSON.stringify({
      name: `lib${i}`,
      targets: { test: { command: 'echo test' } },
    });
    files[`libs/lib${i}/src/index.ts`] = `export async function handler() { return ${i}; }\n`;
  }
  for (let a = 0; a < apps; a++) {
    files[`apps/web${a}/package.json`] = JSON.stringify({
      name: `web${a}`,
      scripts: { dev: 'nx-sst bind -- next dev', build: 'nx-sst bind -- next build' },
    });
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

/** `none`, `noop` (a local plugin that infers nothing) or `nx-sst`. */
function setPlugin(root, which) {
  const plugins = { none: [], noop: ['./tools/noop-plugin.js'], 'nx-sst': ['nx-sst'] }[which];
  write(root, { 'nx.json': JSON.stringify({ analytics: false, plugins }) });
}

function clearPluginCache(root) {
  const dir = join(root, '.nx', 'workspace-data');
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir)) if (f.startsWith('nx-sst-')) rmSync(join(dir, f));
}

function timeGraph(root) {
  const started = process.hrtime.bigint();
  execFileSync(process.execPath, [nxBin, 'graph', '--file=graph.json'], { cwd: root, env, stdio: 'ignore' });
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The plugin's three functions, in a fresh process (so the in-memory memo starts empty). */
function timePluginInProcess(root) {
  const script = `
    const { performance } = require('node:perf_hooks');
    const { readdirSync, readFileSync, statSync } = require('node:fs');
    const { join, relative, dirname } = require('node:path');
    const { createHash } = require('node:crypto');
    const plugin = require(${JSON.stringify(pluginDist)});
    const root = ${JSON.stringify(root)};
    const walk = (dir, out = []) => { for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
      const p = join(dir, e.name); e.isDirectory() ? walk(p, out) : out.push(relative(root, p)); } return out; };
    const all = walk(root);
    const roots = all.filter((f) => f.endsWith('/project.json') || f.endsWith('/package.json')).map(dirname).filter((d) => d !== '.');
    const projects = {}; const fileMap = {};
    for (const r of roots) { const name = JSON.parse(readFileSync(join(root, r, existsProject(r) ? 'project.json' : 'package.json'), 'utf-8')).name;
      projects[name] = { root: r, name }; fileMap[name] = all.filter((f) => f.startsWith(r + '/')).map((file) => ({ file, hash: createHash('sha1').update(readFileSync(join(root, file))).digest('hex') })); }
    function existsProject(r) { try { return statSync(join(root, r, 'project.json')).isFile(); } catch { return false; } }
    const configs = all.filter((f) => /sst\\.config\\.ts$/.test(f));
    const graph = { nodes: Object.fromEntries(Object.entries(projects).map(([n, p]) => [n, { name: n, type: 'lib', data: p }])), dependencies: {} };
    (async () => {
      const t0 = performance.now();
      await plugin.createNodes[1](configs, undefined, { nxJsonConfiguration: {}, workspaceRoot: root });
      const t1 = performance.now();
      await plugin.createDependencies(undefined, { projects, fileMap: { projectFileMap: fileMap, nonProjectFiles: [] }, filesToProcess: { projectFileMap: fileMap, nonProjectFiles: [] }, externalNodes: {}, nxJsonConfiguration: {}, workspaceRoot: root });
      const t2 = performance.now();
      await plugin.createMetadata(graph, undefined, { nxJsonConfiguration: {}, workspaceRoot: root });
      const t3 = performance.now();
      console.log(JSON.stringify({ nodes: t1 - t0, dependencies: t2 - t1, metadata: t3 - t2, total: t3 - t0 }));
    })();`;
  const out = execFileSync(process.execPath, ['-e', script], {
    cwd: root,
    env: { ...env, NX_WORKSPACE_DATA_DIRECTORY: join(root, '.nx', 'workspace-data') },
    encoding: 'utf-8',
  });
  return JSON.parse(out.trim().split('\n').pop());
}

console.log(
  `nx-sst graph plugin benchmark — Node ${process.version}, ${cpus().length} CPUs, ${runs} runs per figure (median)\n`,
);
const rows = [];
for (const projects of sizes) {
  for (const apps of appCounts) {
    const root = generate(projects, apps);
    try {
      setPlugin(root, 'none');
      timeGraph(root); // warm the OS file cache and Nx's own file index
      const baseline = median(Array.from({ length: runs }, () => timeGraph(root)));
      setPlugin(root, 'noop');
      const noop = median(Array.from({ length: runs }, () => timeGraph(root)));
      setPlugin(root, 'nx-sst');
      clearPluginCache(root);
      const cold = timeGraph(root);
      const warm = median(Array.from({ length: runs }, () => timeGraph(root)));
      clearPluginCache(root);
      const inCold = timePluginInProcess(root);
      const inWarm = median(Array.from({ length: runs }, () => timePluginInProcess(root).total));
      rows.push({ projects, apps, baseline, noop, warm, cold, inCold: inCold.total, inWarm });
      console.log(
        `${String(projects).padStart(4)} projects, ${apps} app(s): nx graph ${baseline.toFixed(0)} ms without, ` +
          `${noop.toFixed(0)} ms with a no-op plugin, ` +
          `${warm.toFixed(0)} ms with nx-sst (×${(warm / baseline).toFixed(2)}; ×${(warm / noop).toFixed(2)} of no-op), ` +
          `cold cache ${cold.toFixed(0)} ms (×${(cold / baseline).toFixed(2)}); plugin functions in-process: ` +
          `${inCold.total.toFixed(1)} ms cold, ${inWarm.toFixed(1)} ms warm`,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
}
console.log(
  '\n| projects | apps | no plugin (ms) | no-op plugin (ms) | nx-sst warm (ms) | ÷ no plugin | ÷ no-op | nx-sst cold (ms) | plugin fns cold (ms) | plugin fns warm (ms) |',
);
console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const r of rows) {
  console.log(
    `| ${r.projects} | ${r.apps} | ${r.baseline.toFixed(0)} | ${r.noop.toFixed(0)} | ${r.warm.toFixed(0)} | ` +
      `${(r.warm / r.baseline).toFixed(2)} | ${(r.warm / r.noop).toFixed(2)} | ${r.cold.toFixed(0)} | ` +
      `${r.inCold.toFixed(1)} | ${r.inWarm.toFixed(1)} |`,
  );
}
