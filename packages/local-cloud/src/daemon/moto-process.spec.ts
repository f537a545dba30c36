import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PATCHES_DIR, resolvePython } from './moto-process';

describe('resolvePython', () => {
  const saved = { PATH: process.env.PATH, NX_SST_PYTHON: process.env.NX_SST_PYTHON };
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-python-'));
    delete process.env.NX_SST_PYTHON;
  });
  afterEach(() => {
    process.env.PATH = saved.PATH;
    if (saved.NX_SST_PYTHON === undefined) delete process.env.NX_SST_PYTHON;
    else process.env.NX_SST_PYTHON = saved.NX_SST_PYTHON;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function fakePython(folder: string, canImportMoto: boolean): string {
    const file = path.join(dir, folder, 'python3');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `#!/bin/sh\nexit ${canImportMoto ? 0 : 1}\n`, { mode: 0o755 });
    return file;
  }

  it('skips a python3 without moto that comes first on PATH (as npm puts node’s directory first)', () => {
    fakePython('system', false);
    const withMoto = fakePython('pyenv', true);
    process.env.PATH = [path.join(dir, 'system'), path.join(dir, 'pyenv')].join(path.delimiter);
    expect(resolvePython()).toBe(withMoto);
  });

  it('prefers NX_SST_PYTHON', () => {
    process.env.NX_SST_PYTHON = '/opt/python/bin/python3';
    expect(resolvePython()).toBe('/opt/python/bin/python3');
  });
});

describe('the moto patches (python/nx_sst_patches)', () => {
  const files = fs
    .readdirSync(path.join(PATCHES_DIR, 'nx_sst_patches'))
    .filter((f) => f.endsWith('.py'))
    .map((f) => path.join(PATCHES_DIR, 'nx_sst_patches', f));

  // What py_compile does, without writing __pycache__ next to the sources.
  const compileAll = `import sys
for f in sys.argv[1:]:
    compile(open(f, encoding="utf-8").read(), f, "exec")
`;

  it('compiles every module with the Python that runs moto', () => {
    expect(files.length).toBeGreaterThan(1);
    const run = spawnSync(resolvePython(), ['-c', compileAll, ...files], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('imports and registers its hooks without loading moto (patches apply when moto imports a module)', () => {
    const script = `import sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
import nx_sst_patches._hooks as h
import nx_sst_patches
print(",".join(sorted(h._nx_hooks)))
print(any(m == "moto" or m.startswith("moto.") for m in sys.modules))
`;
    const run = spawnSync(resolvePython(), ['-c', script, PATCHES_DIR], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.trim().split('\n')).toEqual([
      [
        'moto.apigatewayv2.models',
        'moto.awslambda.models',
        'moto.awslambda.responses',
        'moto.cloudformation.parsing',
        'moto.cloudformation.responses',
        'moto.core.authorization',
        'moto.dynamodb.models.table',
        'moto.dynamodbstreams.models',
        'moto.events.models',
        'moto.iam.access_control',
        'moto.iam.models',
        'moto.kinesis.models',
        'moto.moto_api._internal.urls',
        'moto.s3.models',
        'moto.s3.responses',
        'moto.sns.models',
        'moto.sqs.models',
        'moto.sts.models',
      ].join(','),
      'False',
    ]);
  });
});
