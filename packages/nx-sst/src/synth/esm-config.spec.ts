import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CLI } from '../test-utils/cli';
import { sampleWorkspace } from '../test-utils/sample-workspace';

// ES module bundles are loaded with import(), which Jest's CommonJS sandbox cannot run: these tests
// drive the built CLI, as a user's shell or an Nx executor does.
jest.setTimeout(120_000);

const cli = CLI;
const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

function types(root: string) {
  const out = spawnSync(process.execPath, [cli, 'types'], { cwd: root, encoding: 'utf8' });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

const bundles = (root: string) =>
  fs.readdirSync(path.join(root, 'apps/infra/.sst/config')).filter((f) => f.startsWith('bundle-'));

describe('sst.config.ts as an ES module', () => {
  it('loads a config with top-level await that imports CommonJS workspace code and installed packages', () => {
    const root = sampleWorkspace({
      extraFiles: {
        'apps/infra/sst.config.ts': [
          "import type { SSTConfig } from '@nx-sst/constructs';",
          "import { createRequire } from 'node:module';",
          "import { Default } from './stacks/Default';",
          "import naming from '../../libs/naming/index.cjs';",
          // A user's own `require` must not clash with the one the bundle needs.
          'const require = createRequire(import.meta.url);',
          "const { marker } = require('left-pad-ish');",
          "const name: string = await Promise.resolve(naming.appName('shop'));",
          'export default {',
          "  config() { return { name, region: marker === 'installed' ? 'us-east-1' : 'nowhere' }; },",
          '  stacks(app) { app.stack(Default); },',
          '} satisfies SSTConfig;',
        ].join('\n'),
        'libs/naming/index.cjs':
          "const pad = require('left-pad-ish');\nmodule.exports = { appName: (s) => `${s}-${pad.marker.length}` };",
        'node_modules/left-pad-ish/package.json': '{"name":"left-pad-ish","main":"index.js"}',
        'node_modules/left-pad-ish/index.js': 'module.exports = { marker: "installed" };',
      },
    });
    roots.push(root);
    const out = types(root);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(bundles(root)).toEqual([expect.stringMatching(/^bundle-[0-9a-f]{16}\.mjs$/)]);
    expect(fs.readFileSync(path.join(root, 'apps/api/sst-env.d.ts'), 'utf8')).toMatch(/"public"/);
    const index = JSON.parse(fs.readFileSync(path.join(root, '.sst/apps.json'), 'utf8'));
    expect(index.apps[0]).toMatchObject({ name: 'shop-9', region: 'us-east-1' });
    // Cached by content: a second run reuses the bundle.
    const before = fs.statSync(path.join(root, 'apps/infra/.sst/config', bundles(root)[0])).mtimeMs;
    expect(types(root).code).toBe(0);
    expect(fs.statSync(path.join(root, 'apps/infra/.sst/config', bundles(root)[0])).mtimeMs).toBe(before);
  });

  it('keeps CommonJS for a config without top-level await, and shows the user`s frames when an ESM one throws', () => {
    const root = sampleWorkspace();
    roots.push(root);
    expect(types(root).code).toBe(0);
    expect(bundles(root)).toEqual([expect.stringMatching(/\.cjs$/)]);
    fs.writeFileSync(
      path.join(root, 'apps/infra/sst.config.ts'),
      [
        'await Promise.resolve();',
        'export default {',
        '  config() {',
        '    throw new Error("boom in an ESM config");',
        '  },',
        '  stacks() {},',
        '};',
      ].join('\n'),
    );
    const out = types(root);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /apps\/infra\/sst\.config\.ts failed: Error: boom in an ESM config\n\s+at .*apps\/infra\/sst\.config\.ts:4:\d+/,
    );
    expect(bundles(root)).toEqual([expect.stringMatching(/\.mjs$/)]);
  });
});
