import { migrateScript } from './scripts';

describe('migrateScript', () => {
  it('drops `sst bind` and keeps the command, its flags and env prefixes', () => {
    expect(migrateScript('sst bind vitest')).toEqual({ kind: 'rewrite', value: 'vitest' });
    expect(migrateScript('sst bind --script vitest run --coverage')).toEqual({
      kind: 'rewrite',
      value: 'vitest run --coverage',
    });
    expect(migrateScript('NODE_ENV=test npx sst bind next build')).toEqual({
      kind: 'rewrite',
      value: 'NODE_ENV=test next build',
    });
    expect(migrateScript('tsc --noEmit && sst bind vitest run')).toEqual({
      kind: 'rewrite',
      value: 'tsc --noEmit && vitest run',
    });
  });

  it('deletes scripts that only run sst commands an Nx target replaces, saying which', () => {
    expect(migrateScript('sst deploy --stage prod')).toEqual({
      kind: 'delete',
      replacedBy: ['nx run {app}:deploy'],
    });
    expect(migrateScript('sst build && sst remove')).toMatchObject({ kind: 'delete' });
    for (const command of ['sst dev', 'sst diff', 'sst secrets list', 'sst types', 'pnpm sst console'])
      expect(migrateScript(command)).toMatchObject({ kind: 'delete' });
  });

  it('keeps scripts without sst', () => {
    expect(migrateScript('tsc --noEmit')).toEqual({ kind: 'keep' });
    expect(migrateScript('echo sst deploy')).toEqual({ kind: 'keep' });
    expect(migrateScript('vitest --sst')).toEqual({ kind: 'keep' });
  });

  it('refuses what only its author can split: sst commands mixed with others, unknown sst commands', () => {
    expect(migrateScript('sst deploy --stage prod && ./notify.sh')).toEqual({
      kind: 'refuse',
      reason: 'it mixes sst commands with others: replace the sst part with nx run {app}:deploy',
    });
    expect(migrateScript('sst frobnicate')).toMatchObject({ kind: 'refuse' });
    expect(migrateScript('sst bind')).toMatchObject({ kind: 'refuse' });
  });
});
