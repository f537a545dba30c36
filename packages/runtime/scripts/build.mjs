// Builds @nx-sst/runtime three ways from one source:
//   dist/esm   ES modules without top-level await: what bundlers get (the "module" condition), so a
//              bundle may be CJS or target ES2019 and still import the package.
//   dist/node  Node's native ESM entries: dist/esm plus a top-level await that resolves
//              placeholders, only when this process has any for the client's types.
//   dist/cjs   CommonJS for require(): no top-level await; `await load()` resolves placeholders.
// Declarations sit next to the ESM and CJS files, so each resolution mode gets the right format.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');
const run = promisify(execFile);

// ES2019 output: no optional chaining or `??` left for an older bundler target to choke on.
const common = [
  '-p',
  join(root, 'tsconfig.lib.json'),
  '--target',
  'es2019',
  '--lib',
  'es2019',
  '--sourceMap',
  'false',
];

// Built aside and swapped in at the end: processes using the package meanwhile never see half a dist.
const out = join(root, 'tmp', `dist-${process.pid}`);
rmSync(out, { recursive: true, force: true });
await Promise.all([
  tsc_(['--module', 'esnext', '--moduleResolution', 'bundler', '--outDir', join(out, 'esm')]),
  tsc_([
    '--module',
    'commonjs',
    '--moduleResolution',
    'node10',
    '--ignoreDeprecations',
    '5.0',
    '--outDir',
    join(out, 'cjs'),
  ]),
]);
// One file for the core per format: Node loads two small files per client instead of eight. Bundlers
// still tree-shake inside it. The per-file declarations stay for the types.
for (const format of ['esm', 'cjs']) {
  const core = join(out, format, 'core');
  const bundled = await esbuild.build({
    entryPoints: [join(core, 'index.js')],
    bundle: true,
    write: false,
    format,
    platform: 'node',
    target: 'es2019',
    external: ['@aws-sdk/*'],
    logLevel: 'warning',
  });
  for (const file of readdirSync(core)) if (file.endsWith('.js')) rmSync(join(core, file));
  writeFileSync(join(core, 'index.js'), bundled.outputFiles[0].text);
}
writeFileSync(join(out, 'esm/package.json'), '{ "type": "module", "sideEffects": false }\n');
writeFileSync(join(out, 'cjs/package.json'), '{ "type": "commonjs", "sideEffects": false }\n');

const { CLIENT_MODULES } = require(join(out, 'cjs/core/index.js'));
mkdirSync(join(out, 'node'), { recursive: true });
for (const [module, types] of Object.entries(CLIENT_MODULES)) {
  writeFileSync(
    join(out, 'node', `${module}.mjs`),
    [
      `export * from '../esm/${module}.js';`,
      `import { load, needsLoad } from '../esm/core/index.js';`,
      `if (needsLoad(${JSON.stringify(types)})) await load();`,
      '',
    ].join('\n'),
  );
}

// The exports map is written by hand; check it covers every client the way the build lays them out.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const expected = (module, node) => ({
  module: { types: `./dist/esm/${module}.d.ts`, default: `./dist/esm/${module}.js` },
  import: {
    types: `./dist/esm/${module}.d.ts`,
    default: node ? `./dist/node/${module}.mjs` : `./dist/esm/${module}.js`,
  },
  require: { types: `./dist/cjs/${module}.d.ts`, default: `./dist/cjs/${module}.js` },
});
const problems = [];
const check = (subpath, module, node) => {
  if (JSON.stringify(pkg.exports?.[subpath]) !== JSON.stringify(expected(module, node))) {
    problems.push(`"${subpath}": ${JSON.stringify(expected(module, node))}`);
  }
  if (
    subpath !== '.' &&
    JSON.stringify(pkg.typesVersions?.['*']?.[module]) !== JSON.stringify([`./dist/cjs/${module}.d.ts`])
  ) {
    problems.push(`typesVersions["*"]["${module}"]: ["./dist/cjs/${module}.d.ts"]`);
  }
};
check('.', 'index', false);
check('./testing', 'testing', false);
check('./wire', 'wire', false);
for (const module of Object.keys(CLIENT_MODULES)) check(`./${module}`, module, true);
if (problems.length > 0) {
  console.error(
    `packages/runtime/package.json is out of date with the build. Expected:\n  ${problems.join('\n  ')}`,
  );
  rmSync(out, { recursive: true, force: true });
  process.exit(1);
}
rmSync(join(root, 'dist'), { recursive: true, force: true });
renameSync(out, join(root, 'dist'));

async function tsc_(args) {
  try {
    await run(process.execPath, [tsc, ...common, ...args], { cwd: root });
  } catch (error) {
    process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
    rmSync(out, { recursive: true, force: true });
    process.exit(1);
  }
}
