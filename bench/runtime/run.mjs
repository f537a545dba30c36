// Benchmarks of @nx-sst/runtime (built package). Run: node bench/runtime/run.mjs
//  1. Cost of importing a client and reading a plain value, against reading process.env directly.
//  2. Wall time and GetParameters calls to resolve 1, 10, 25 and 100 secrets against the local
//     cloud with 20 ms of injected SSM latency, against fetching one name per call sequentially.
// Every figure is printed next to its baseline, measured in the same run.
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const run = promisify(execFile);
const runtimeDist = join(here, '../../packages/runtime/dist/cjs/index.js');
if (!existsSync(runtimeDist) || !existsSync(join(here, '../../packages/local-cloud/dist/index.js'))) {
  console.error('Build first: npx nx run-many -t build -p @nx-sst/runtime @nx-sst/local-cloud');
  process.exit(1);
}

// The SDK's notice about future Node versions is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const fmt = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : `${ms.toFixed(1)} ms`);
const env = {
  ...process.env,
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  SST_APP: 'bench',
  SST_STAGE: 'dev',
  SST_Bucket_bucketName_public: 'bench-dev-public',
};

// --- 1. import and plain reads ------------------------------------------------------------------
async function measureInChild(source, type = 'commonjs') {
  const args = type === 'module' ? ['--input-type=module', '-e', source] : ['-e', source];
  const { stdout } = await run(process.execPath, args, { cwd: here, env });
  return JSON.parse(stdout);
}

// A module with nothing in it: what any first import costs (the module loader warming up).
const scratch = mkdtempSync(join(tmpdir(), 'nx-sst-bench-'));
const empty = join(scratch, 'empty.js');
writeFileSync(empty, 'module.exports = {};\n');
const emptyUrl = pathToFileURL(empty).href;

const importRuns = 21;
const cases = {
  env: `const v=process.env.SST_Bucket_bucketName_public;`,
  emptyCjs: `require(${JSON.stringify(empty)});const v=process.env.SST_Bucket_bucketName_public;`,
  runtimeCjs: `const {Bucket}=require('@nx-sst/runtime/bucket');const v=Bucket.public.bucketName;`,
  emptyEsm: `await import(${JSON.stringify(emptyUrl)});const v=process.env.SST_Bucket_bucketName_public;`,
  runtimeEsm: `const {Bucket}=await import('@nx-sst/runtime/bucket');const v=Bucket.public.bucketName;`,
};
const importCost = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let i = 0; i < importRuns; i++) {
  // Interleaved, so a busy moment on the machine hits every case alike. Each child times from just
  // before its import to after the first read.
  for (const [name, body] of Object.entries(cases)) {
    const esm = name.endsWith('Esm');
    const source = `const t=performance.now();${body}console.log(JSON.stringify({ms:performance.now()-t}))`;
    importCost[name].push((await measureInChild(source, esm ? 'module' : 'commonjs')).ms);
  }
}
rmSync(scratch, { recursive: true, force: true });

const reads = await measureInChild(`
  const { Bucket } = require('@nx-sst/runtime/bucket');
  const N = 2_000_000;
  let sink = 0;
  const time = (read) => {
    for (let i = 0; i < N / 10; i++) sink += read().length; // warm-up
    const t = process.hrtime.bigint();
    for (let i = 0; i < N; i++) sink += read().length;
    return Number(process.hrtime.bigint() - t) / N;
  };
  const samples = { env: [], runtime: [] };
  for (let round = 0; round < 5; round++) {
    samples.env.push(time(() => process.env.SST_Bucket_bucketName_public));
    samples.runtime.push(time(() => Bucket.public.bucketName));
  }
  const median = (v) => v.sort((a, b) => a - b)[2];
  console.log(JSON.stringify({ env: median(samples.env), runtime: median(samples.runtime), sink }));
`);

console.log(
  '\n@nx-sst/runtime benchmarks (node ' +
    process.version +
    ', ' +
    (await import('node:os')).cpus().length +
    ' cores)\n',
);
const m = Object.fromEntries(Object.entries(importCost).map(([name, values]) => [name, median(values)]));
console.log(`1. Import a client and read a plain value (median of ${importRuns} fresh processes each)`);
console.log(`   baseline  read process.env directly                   ${fmt(m.env)}`);
console.log(`   baseline  require(an empty module) + process.env read  ${fmt(m.emptyCjs)}`);
console.log(`   require('@nx-sst/runtime/bucket') + Bucket.public.bucketName  ${fmt(m.runtimeCjs)}`);
console.log(`   baseline  import(an empty module) + process.env read   ${fmt(m.emptyEsm)}`);
console.log(`   import('@nx-sst/runtime/bucket') + Bucket.public.bucketName   ${fmt(m.runtimeEsm)}`);
console.log(
  `   -> over an empty module: CJS ${(m.runtimeCjs / m.emptyCjs).toFixed(2)}x (+${fmt(m.runtimeCjs - m.emptyCjs)}), ` +
    `ESM ${(m.runtimeEsm / m.emptyEsm).toFixed(2)}x (+${fmt(m.runtimeEsm - m.emptyEsm)}); ` +
    `over a bare process.env read: CJS +${fmt(m.runtimeCjs - m.env)}, ESM +${fmt(m.runtimeEsm - m.env)}`,
);
console.log('   Plain value read, warm (ns per read, median of 5 rounds of 2M)');
console.log(`   baseline  process.env.SST_Bucket_bucketName_public  ${reads.env.toFixed(1)} ns`);
console.log(`   Bucket.public.bucketName                            ${reads.runtime.toFixed(1)} ns`);
console.log(`   -> ratio runtime / process.env: ${(reads.runtime / reads.env).toFixed(2)}x`);

// --- 2. secrets from SSM --------------------------------------------------------------------------
const { startTestCloud } = require('@nx-sst/local-cloud');
const { SSMClient, PutParameterCommand, GetParameterCommand } = require('@aws-sdk/client-ssm');
const runtime = require('@nx-sst/runtime');
const { Config } = require('@nx-sst/runtime/config');
const { resetBindings } = require('@nx-sst/runtime/testing');

const cloud = await startTestCloud();
try {
  Object.assign(process.env, cloud.env, {
    SST_APP: 'bench',
    SST_STAGE: 'dev',
    SST_SSM_PREFIX: '/sst/bench/dev/',
  });
  const admin = new SSMClient(cloud.clientConfig);
  const sizes = [1, 10, 25, 100];
  for (let i = 0; i < Math.max(...sizes); i++) {
    await admin.send(
      new PutParameterCommand({
        Name: `/sst/bench/dev/Secret/B${i}/value`,
        Value: `v${i}`,
        Type: 'SecureString',
      }),
    );
  }
  await cloud.setFaults({ latencyMs: { ssm: 20 } });
  const client = new SSMClient({ ...cloud.clientConfig, maxAttempts: 1 });
  let calls = 0;
  const counting = { send: (command) => (calls++, client.send(command)) };
  runtime.configure({ ssmClient: counting });
  await client.send(new GetParameterCommand({ Name: '/sst/bench/dev/Secret/B0/value' })); // warm the connection

  console.log('\n2. Resolve N secrets from SSM, 20 ms injected latency (median of 5 runs)');
  console.log(
    '   N     runtime: wall / calls     baseline (1 name per call, sequential): wall / calls    speed-up',
  );
  for (const n of sizes) {
    for (const name of Object.keys(process.env)) if (name.startsWith('SST_Secret_')) delete process.env[name];
    for (let i = 0; i < n; i++) process.env[`SST_Secret_value_B${i}`] = '__FETCH_FROM_SSM__';
    const ours = [];
    const theirs = [];
    let ourCalls = 0;
    for (let round = 0; round < 5; round++) {
      resetBindings(); // forget the values: the next load is a cold start
      calls = 0;
      let t = performance.now();
      await runtime.load();
      ours.push(performance.now() - t);
      ourCalls = calls;
      if (Config[`B${n - 1}`] !== `v${n - 1}`) throw new Error('wrong value');

      t = performance.now();
      for (let i = 0; i < n; i++) {
        await client.send(
          new GetParameterCommand({ Name: `/sst/bench/dev/Secret/B${i}/value`, WithDecryption: true }),
        );
      }
      theirs.push(performance.now() - t);
    }
    const a = median(ours);
    const b = median(theirs);
    console.log(
      `   ${String(n).padEnd(5)} ${fmt(a).padStart(9)} / ${String(ourCalls).padEnd(3)}            ${fmt(b).padStart(9)} / ${String(n).padEnd(3)}                                ${(b / a).toFixed(1)}x`,
    );
  }
} finally {
  await cloud.stop();
}
