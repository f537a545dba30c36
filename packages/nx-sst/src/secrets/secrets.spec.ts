import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { bindSignalFile } from '../core/app-index';
import { formatSecrets, getSecret, listSecrets, loadSecrets, removeSecret, setSecret } from './secrets';

jest.setTimeout(180_000);

// A workspace whose stage `local` runs on its own local cloud (started on demand by the first call).
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-secrets-'));
fs.writeFileSync(path.join(root, 'nx.json'), '{}');
fs.mkdirSync(path.join(root, 'apps/infra'), { recursive: true });
fs.writeFileSync(
  path.join(root, 'apps/infra/sst.config.ts'),
  'export default { config: () => ({ name: "shop" }), stacks() {} };',
);
const base = { workspaceRoot: root, appRoot: path.join(root, 'apps/infra'), stage: 'local' };

afterAll(async () => {
  await stopDaemon(localCloudDir(root));
  fs.rmSync(root, { recursive: true, force: true });
});

describe('secrets on the local cloud', () => {
  it('sets, gets, lists and removes, with and without fallback', async () => {
    await setSecret({ ...base, name: 'STRIPE_KEY', value: 'sk_stage' });
    await setSecret({ ...base, name: 'STRIPE_KEY', value: 'sk_fallback', fallback: true });
    await setSecret({ ...base, name: 'ONLY_FALLBACK', value: 'line1\nline2', fallback: true });

    expect(await getSecret({ ...base, name: 'STRIPE_KEY' })).toBe('sk_stage');
    expect(await getSecret({ ...base, name: 'STRIPE_KEY', fallback: true })).toBe('sk_fallback');
    expect(await getSecret({ ...base, name: 'MISSING' })).toBeUndefined();

    const all = await listSecrets(base);
    expect(all).toEqual([
      { name: 'ONLY_FALLBACK', value: undefined, fallback: 'line1\nline2' },
      { name: 'STRIPE_KEY', value: 'sk_stage', fallback: 'sk_fallback' },
    ]);
    expect(formatSecrets(all, 'table')).toBe(
      [
        'Name           Value',
        'ONLY_FALLBACK  "line1\\nline2" (fallback)',
        'STRIPE_KEY     sk_stage',
        '',
      ].join('\n'),
    );
    expect(formatSecrets(all, 'env')).toBe("ONLY_FALLBACK='line1\nline2'\nSTRIPE_KEY='sk_stage'\n");
    expect(JSON.parse(formatSecrets(all, 'json'))).toEqual({
      ONLY_FALLBACK: 'line1\nline2',
      STRIPE_KEY: 'sk_stage',
    });
    expect((await listSecrets({ ...base, fallback: true })).map((e) => e.name)).toEqual(['ONLY_FALLBACK']);

    expect(await removeSecret({ ...base, name: 'STRIPE_KEY' })).toBe(true);
    expect(await removeSecret({ ...base, name: 'STRIPE_KEY' })).toBe(false);
    expect((await listSecrets(base)).find((e) => e.name === 'STRIPE_KEY')).toEqual({
      name: 'STRIPE_KEY',
      value: undefined,
      fallback: 'sk_fallback',
    });
  });

  it('stores values above 4 KB in the Advanced tier and refuses values above 8 KB', async () => {
    const big = 'x'.repeat(5000);
    await setSecret({ ...base, name: 'BIG', value: big });
    expect(await getSecret({ ...base, name: 'BIG' })).toBe(big);
    await setSecret({ ...base, name: 'BIG', value: 'small again' });
    expect(await getSecret({ ...base, name: 'BIG' })).toBe('small again');
    await expect(setSecret({ ...base, name: 'HUGE', value: 'y'.repeat(8193) })).rejects.toThrow(
      /The value of HUGE is 8193 bytes; SSM holds at most 8192 bytes/,
    );
  });

  it('loads a .env file, signals running bind processes, and sets nothing when a line is bad', async () => {
    const good = path.join(root, 'good.env');
    fs.writeFileSync(good, 'A_KEY=alpha\nB_KEY="multi\nline"\n');
    const before = fs.existsSync(bindSignalFile(root)) ? fs.readFileSync(bindSignalFile(root), 'utf8') : '';
    expect(await loadSecrets({ ...base, file: good })).toEqual({ names: ['A_KEY', 'B_KEY'] });
    expect(await getSecret({ ...base, name: 'B_KEY' })).toBe('multi\nline');
    expect(fs.readFileSync(bindSignalFile(root), 'utf8')).not.toBe(before);

    const bad = path.join(root, 'bad.env');
    fs.writeFileSync(bad, 'C_KEY=gamma\nnot a line\n');
    await expect(loadSecrets({ ...base, file: bad })).rejects.toThrow(
      /bad\.env has lines that are not KEY=value:\n {2}line 2/,
    );
    expect(await getSecret({ ...base, name: 'C_KEY' })).toBeUndefined();
  });

  it('refuses a value with a NUL byte (no command could get it), without printing the value', async () => {
    const error = await setSecret({ ...base, name: 'NUL_KEY', value: 'sk_live_a\0tail' }).catch(
      (e: Error) => e,
    );
    expect(error).toMatchObject({
      message: 'The value of NUL_KEY holds a NUL byte (character 10 of 14); nothing was stored.',
      hint: expect.stringContaining('base64'),
    });
    expect(JSON.stringify(error)).not.toContain('sk_live_a');
    expect(await getSecret({ ...base, name: 'NUL_KEY' })).toBeUndefined();
    const file = path.join(root, 'nul.env');
    fs.writeFileSync(file, 'OK_KEY=fine\nNUL_KEY=a\0b\n');
    await expect(loadSecrets({ ...base, file })).rejects.toThrow(/The value of NUL_KEY holds a NUL byte/);
    expect(await getSecret({ ...base, name: 'OK_KEY' })).toBeUndefined();
  });

  it('refuses an invalid secret name', async () => {
    await expect(setSecret({ ...base, name: 'bad name', value: 'v' })).rejects.toThrow(
      /Invalid secret name "bad name"/,
    );
  });
});
