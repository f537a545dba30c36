// `nx-sst bind -- node -e 0` against `node -e 0`, measured in the same run, alternating so that
// load on the machine hits both alike. Deploys the sample app to a fresh local cloud first.
// Also measured: a Node script that only spawns the command (the floor for any wrapper written in
// Node: one more Node start-up), and where the time of `bind --target` goes (NX_SST_TIMING=1).
// And the path of the bind executor, where Nx's task process is already running: `runBound` against
// spawning the command directly from the same kind of process, timed inside it (no Node start-up).
// Usage: node bench/bind/run.mjs [runs=15]
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { cli, median, sampleWorkspace } from './sample.mjs';

const runs = Number(process.argv[2] ?? 15);
const root = sampleWorkspace();
const env = { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

const noCa = { NODE_EXTRA_CA_CERTS: undefined };

function time(args, cwd = root, extraEnv = {}) {
  const start = process.hrtime.bigint();
  const runEnv = { ...env, ...extraEnv };
  for (const key of Object.keys(runEnv)) if (runEnv[key] === undefined) delete runEnv[key];
  const out = spawnSync(args[0], args.slice(1), {
    cwd,
    env: runEnv,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (out.status !== 0) throw new Error(`${args.join(' ')} exited ${out.status}: ${out.stderr}`);
  return { ms, stderr: String(out.stderr) };
}

const spawnOnly = path.join(root, 'spawn-only.cjs');
fs.writeFileSync(
  spawnOnly,
  "require('node:child_process').spawn(process.argv[2], process.argv.slice(3), { stdio: 'inherit' }).on('exit', (c) => process.exit(c));\n",
);
const bindTarget = [process.execPath, cli, 'bind', '--target', 'api', '--', process.execPath, '-e', '0'];

// Times, from its own start to the command's exit, what an Nx task process does: spawn the command
// (`nx:run-commands`), or load the engine and run it through `runBound` (the bind executor). Nx 24's
// task process has node:crypto, node:child_process and node:net loaded before the executor runs
// (process.moduleLoadList in an executor, daemon on or off), so the host loads them before timing.
const host = path.join(root, 'host.cjs');
fs.writeFileSync(
  host,
  `require('node:crypto'); require('node:child_process'); require('node:net');
const start = performance.now();
const done = (code) => {
  process.stderr.write('in-process ' + (performance.now() - start).toFixed(2) + '\\n');
  process.exit(code);
};
const command = [process.execPath, '-e', '0'];
if (process.argv[2] === 'direct')
  require('node:child_process').spawn(command[0], command.slice(1), { stdio: 'inherit' }).on('exit', done);
else
  require(${JSON.stringify(path.join(path.dirname(cli), '../bind/bind.js'))})
    .runBound({ workspaceRoot: process.cwd(), cwd: process.cwd(), target: 'api', command, log: () => {} })
    .then(done);
`,
);
const inProcess = (mode) =>
  Number(/^in-process ([\d.]+)$/m.exec(time([process.execPath, host, mode]).stderr)[1]);

try {
  console.log(`workspace ${root}; deploying the sample app to its local cloud…`);
  time([process.execPath, cli, 'deploy', '--stage', 'local']);
  spawnSync(process.execPath, [cli, 'secrets', 'set', 'STRIPE_KEY', 'sk_bench_value'], { cwd: root, env });

  const phases = {};
  const cases = {
    'node -e 0': () => time([process.execPath, '-e', '0']).ms,
    'node spawn-only.cjs node -e 0': () =>
      time([process.execPath, spawnOnly, process.execPath, '-e', '0']).ms,
    'nx-sst bind --target api -- node -e 0': () => {
      const { ms, stderr } = time(bindTarget, root, { NX_SST_TIMING: '1' });
      for (const [, phase, at] of stderr.matchAll(/^nx-sst timing: (\S+) ([\d.]+)$/gm))
        (phases[phase] ??= []).push(Number(at));
      return ms;
    },
    'nx-sst bind --target api, no caches': () => {
      // What the first run after a redeploy and a daemon restart pays: the manifest first, then
      // values and AssumeRole.
      for (const file of ['bind-manifests.json', 'bind-local-credentials.json'])
        fs.rmSync(path.join(root, '.sst', file), { force: true });
      return time(bindTarget).ms;
    },
    // This machine's NODE_EXTRA_CA_CERTS makes every Node start-up read and parse a CA bundle; without
    // it the same three cases show what a machine without such a setting pays.
    ...(env.NODE_EXTRA_CA_CERTS
      ? {
          'node -e 0 [no NODE_EXTRA_CA_CERTS]': () => time([process.execPath, '-e', '0'], root, noCa).ms,
          'node spawn-only.cjs node -e 0 [no NODE_EXTRA_CA_CERTS]': () =>
            time([process.execPath, spawnOnly, process.execPath, '-e', '0'], root, noCa).ms,
          'nx-sst bind --target api [no NODE_EXTRA_CA_CERTS]': () => time(bindTarget, root, noCa).ms,
        }
      : {}),
    'in a running process: spawn node -e 0': () => inProcess('direct'),
    'in a running process: runBound (bind executor)': () => inProcess('bind'),
    'nx-sst bind -- node -e 0 (in apps/api)': () =>
      time([process.execPath, cli, 'bind', '--', process.execPath, '-e', '0'], path.join(root, 'apps/api'))
        .ms,
    'nx-sst bind --script -- node -e 0': () =>
      time([process.execPath, cli, 'bind', '--script', '--', process.execPath, '-e', '0']).ms,
  };
  // One warm-up round: the config bundle, the app index and the OS file cache are warm afterwards.
  for (const run of Object.values(cases)) run();
  for (const phase of Object.keys(phases)) delete phases[phase];
  const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(cases)) samples[name].push(run());

  // Each case against the baseline and floor of its own environment.
  const noCaCase = (name) => name.endsWith('[no NODE_EXTRA_CA_CERTS]');
  console.log(
    `\n${runs} runs each, medians (${process.platform}, node ${process.version}, ${(await import('node:os')).cpus().length} cores):`,
  );
  for (const [name, values] of Object.entries(samples)) {
    if (name.startsWith('in a running process')) continue;
    const suffix = noCaCase(name) ? ' [no NODE_EXTRA_CA_CERTS]' : '';
    const base = median(samples[`node -e 0${suffix}`]);
    const floor = median(samples[`node spawn-only.cjs node -e 0${suffix}`]);
    const m = median(values);
    console.log(
      `  ${name.padEnd(56)} ${m.toFixed(0).padStart(6)} ms  ×${(m / base).toFixed(2)}  (+${(m - base).toFixed(0)} ms over node -e 0, ` +
        `${m - floor >= 0 ? '+' : ''}${(m - floor).toFixed(0)} ms over a spawn-only Node wrapper)`,
    );
  }
  const direct = median(samples['in a running process: spawn node -e 0']);
  const bound = median(samples['in a running process: runBound (bind executor)']);
  console.log(
    `\n  Inside a running Node process (an Nx task process), from its start to the command's exit:\n` +
      `    spawning node -e 0 directly ${direct.toFixed(0).padStart(6)} ms  ×1.00\n` +
      `    runBound (bind executor)    ${bound.toFixed(0).padStart(6)} ms  ×${(bound / direct).toFixed(2)}  (+${(bound - direct).toFixed(0)} ms)`,
  );
  // Medians of when each phase of `bind --target api` ended, in ms since that process started.
  console.log('\n  nx-sst bind --target api, phases (median ms since its process started):');
  let previous = 0;
  for (const [phase, at] of Object.entries(phases)) {
    const m = median(at);
    console.log(`    ${phase.padEnd(10)} at ${m.toFixed(0).padStart(5)} ms  (+${(m - previous).toFixed(0)})`);
    previous = m;
  }
  console.log(
    '    started = Node start-up and loading the CLI; scope = app index and project; cloud = joining the local cloud;\n' +
      '    values = one GetParameters (manifest, values, secrets) and AssumeRole unless a session is reused; spawned = child started; exited = child done',
  );
} finally {
  spawnSync(process.execPath, [cli, 'local', 'stop'], { cwd: root, env });
  fs.rmSync(root, { recursive: true, force: true });
}
