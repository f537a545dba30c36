import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolvePython } from './moto-process';

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
