import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { createDiskWorkspace, nx, nxStatus } from '../plugin/test-utils/disk-workspace';

// Real Nx processes on a loaded machine: each command takes seconds.
jest.setTimeout(300_000);

/** The generators as a user runs them: through the nx CLI, from the built package's generators.json. */
describe('generators through the nx CLI', () => {
  let ws: { root: string; dispose(): void };
  beforeAll(() => {
    ws = createDiskWorkspace({
      'package.json': JSON.stringify({ name: 'ws', private: true, workspaces: ['apps/*', 'libs/*'] }),
      'nx.json': JSON.stringify({ analytics: false }),
      'apps/web/package.json': JSON.stringify({ name: 'web', scripts: { dev: 'next dev' } }),
    });
  });
  afterAll(() => ws.dispose());

  const read = (file: string) => readFileSync(join(ws.root, file), 'utf-8');

  it('creates an app, a site, a bound resource; --dry-run writes nothing', () => {
    // --skipPackageJson: the install callback would run npm in the test workspace.
    nx(ws.root, ['g', 'nx-sst:app', 'infra', '--skipPackageJson', '--no-interactive']);
    expect(JSON.parse(read('nx.json')).plugins).toEqual(['nx-sst']);
    nx(ws.root, ['g', 'nx-sst:site', '--project', 'web', '--no-interactive']);
    nx(ws.root, [
      'g',
      'nx-sst:resource',
      '--type',
      'bucket',
      '--name',
      'public',
      '--bind',
      'web',
      '--no-interactive',
    ]);
    const stack = read('apps/infra/stacks/Default.ts');
    expect(stack).toMatch(/const publicBucket = new Bucket\(stack, ["']public["']\);/);
    expect(stack).toMatch(
      /new NextjsSite\(stack, ["']web["'], \{ path: ["']apps\/web["'], bind: \[publicBucket\] \}\)/,
    );
    // The plugin binds web's targets as they are: its scripts are not rewritten.
    expect(JSON.parse(read('apps/web/package.json')).scripts.dev).toBe('next dev');

    const output = nx(ws.root, [
      'g',
      'nx-sst:secret',
      'STRIPE_KEY',
      '--bind',
      'web',
      '--dry-run',
      '--no-interactive',
    ]);
    expect(stripVTControlCharacters(output)).toContain('UPDATE apps/infra/stacks/Default.ts');
    expect(read('apps/infra/stacks/Default.ts')).toBe(stack);
  });

  it('a name the app already has fails with exit 1 and names the construct, --bind or not', () => {
    const stack = read('apps/infra/stacks/Default.ts');
    for (const args of [
      ['nx-sst:resource', '--type', 'bucket', '--name', 'public'],
      ['nx-sst:resource', '--type', 'queue', '--name', 'public', '--bind', 'web'],
      ['nx-sst:secret', 'public'],
    ]) {
      const { status, output } = nxStatus(ws.root, ['g', ...args, '--no-interactive']);
      expect([args, status]).toEqual([args, 1]);
      expect(stripVTControlCharacters(output)).toContain(
        "A construct with id 'public' already exists (Bucket in apps/infra/stacks/Default.ts). Choose another name, " +
          'or, to bind the existing Bucket to a project: nx g nx-sst:bind --resource public --project <project>',
      );
    }
    expect(read('apps/infra/stacks/Default.ts')).toBe(stack);
  });
});
