import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FsTree } from 'nx/src/generators/tree';
import { appGenerator } from './app/app';
import { bindGenerator } from './bind/bind';
import { initGenerator } from './init/init';
import { syncGenerator } from './sync/sync';
import { addSampleResources } from './test-utils/workspace';

jest.setTimeout(60_000);

/** `nx g … --dry-run` runs the generator on a tree over the real disk and never flushes it. */
describe('every generator is dry-run safe', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'nx-sst-dry-run-'));
    const files: Record<string, string> = {
      'nx.json': '{}\n',
      'package.json': JSON.stringify({ name: 'ws', private: true, workspaces: ['apps/*', 'libs/*'] }),
      'apps/web/package.json': JSON.stringify({ name: 'web', scripts: { dev: 'next dev' } }),
      'libs/functions/project.json': JSON.stringify({
        name: 'functions',
        targets: { test: { command: 'vitest run' } },
      }),
      'libs/functions/src/index.ts': 'export async function handler() {}\n',
    };
    for (const [file, content] of Object.entries(files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), content);
    }
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('writes nothing to disk and leaves installs to the callback', async () => {
    const before = snapshot(root);
    const tree = new FsTree(root, false);
    const install = await initGenerator(tree, { skipFormat: true });
    await appGenerator(tree, { name: 'infra', skipFormat: true });
    await addSampleResources(tree, ['web']);
    await bindGenerator(tree, { resource: 'public', project: 'functions', skipFormat: true });
    await syncGenerator(tree);
    expect(typeof install).toBe('function');
    expect(
      tree
        .listChanges()
        .map((c) => c.path)
        .sort(),
    ).toEqual([
      '.gitignore',
      'apps/infra/project.json',
      'apps/infra/sst.config.ts',
      'apps/infra/stacks/Default.ts',
      'apps/infra/tsconfig.json',
      'apps/web/sst-env.d.ts',
      'libs/functions/sst-env.d.ts',
      'nx.json',
      'package.json',
    ]);
    expect(snapshot(root)).toEqual(before);
  });
});

function snapshot(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(join(dir, prefix))) {
    // Nx's own file index (written by any Nx command that globs the workspace), not ours.
    if (name === '.nx') continue;
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(join(dir, rel)).isDirectory()) Object.assign(out, snapshot(dir, rel));
    else out[rel] = readFileSync(join(dir, rel), 'utf-8');
  }
  return out;
}
