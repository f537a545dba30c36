import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig, loadConfigForStage } from './load-app';
import { tempWorkspace } from '../test-utils/cli';

jest.setTimeout(60_000);

const workspace = (files: Record<string, string>) => tempWorkspace(files, 'nx-sst-load-');

describe('loadConfig', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

  it('bundles a TypeScript config with workspace imports, path aliases and installed packages', async () => {
    const root = workspace({
      'nx.json': '{}',
      'tsconfig.base.json': JSON.stringify({
        compilerOptions: { baseUrl: '.', paths: { '@acme/naming': ['libs/naming/src/index.ts'] } },
      }),
      'apps/infra/tsconfig.json': JSON.stringify({ extends: '../../tsconfig.base.json' }),
      'libs/naming/src/index.ts': 'export const appName = (s: string): string => `shop-${s}`;',
      'node_modules/left-pad-ish/package.json': '{"name":"left-pad-ish","main":"index.js"}',
      'node_modules/left-pad-ish/index.js': 'module.exports = { marker: "installed" };',
      'apps/infra/region.ts': 'export const region: string = "eu-west-1";',
      'apps/infra/sst.config.ts': [
        "import { appName } from '@acme/naming';",
        "import { region } from './region';",
        "import { marker } from 'left-pad-ish';",
        'const here: string = import.meta.url;',
        'export default {',
        '  config(input: { stage?: string }) { return { name: appName(input.stage ?? "x"), region, ssmPrefix: marker + ":" + here.slice(0, 7) }; },',
        '  stacks() {},',
        '};',
      ].join('\n'),
    });
    roots.push(root);
    const appRoot = path.join(root, 'apps/infra');
    const { config } = await loadConfig({ workspaceRoot: root, appRoot, stage: 'dev' });
    expect(config).toEqual({ name: 'shop-dev', region: 'eu-west-1', ssmPrefix: 'installed:file://' });
    // The installed package is required at run time, not copied into the bundle.
    const bundle = fs.readdirSync(path.join(appRoot, '.sst/config')).find((f) => f.startsWith('bundle-'))!;
    expect(fs.readFileSync(path.join(appRoot, '.sst/config', bundle), 'utf8')).toMatch(
      /require\("left-pad-ish"\)/,
    );
  });

  it('keeps the names of stack functions, which are their stack ids', async () => {
    const root = workspace({
      'apps/infra/stacks/a.ts': 'export function Default() {}',
      'apps/infra/stacks/b.ts': 'export function Default() {}',
      'apps/infra/sst.config.ts': [
        "import { Default as A } from './stacks/a';",
        "import { Default as B } from './stacks/b';",
        'export default { config: () => ({ name: [A.name, B.name].join("-") }), stacks() {} };',
      ].join('\n'),
    });
    roots.push(root);
    const { config } = await loadConfig({
      workspaceRoot: root,
      appRoot: path.join(root, 'apps/infra'),
      stage: 'dev',
    });
    expect(config).toEqual({ name: 'Default-Default' });
  });

  it('reuses the bundle while inputs are unchanged and rebuilds when one changes', async () => {
    const root = workspace({
      'apps/infra/name.ts': 'export const name = "one";',
      'apps/infra/sst.config.ts':
        'import { name } from "./name"; export default { config: () => ({ name }), stacks() {} };',
    });
    roots.push(root);
    const appRoot = path.join(root, 'apps/infra');
    expect((await loadConfig({ workspaceRoot: root, appRoot })).config.name).toBe('one');
    const record = path.join(appRoot, '.sst/config/bundle.json');
    const before = fs.statSync(record).mtimeMs;
    fs.utimesSync(path.join(appRoot, 'name.ts'), new Date(), new Date());
    await loadConfig({ workspaceRoot: root, appRoot });
    expect(fs.statSync(record).mtimeMs).toBe(before);
    fs.writeFileSync(path.join(appRoot, 'name.ts'), 'export const name = "two";');
    expect((await loadConfig({ workspaceRoot: root, appRoot })).config.name).toBe('two');
  });

  it('uses the stage config() returns unless one is asked for, and gives config() only the one asked for', async () => {
    const root = workspace({
      'apps/infra/sst.config.ts': [
        'export default {',
        '  config(input: { stage?: string }) {',
        '    return { name: "shop", stage: "dev", profile: input.stage === "prod" ? "acme-prod" : "acme-dev" };',
        '  },',
        '  stacks() {},',
        '};',
      ].join('\n'),
      '.sst/stage': 'alice\n',
    });
    roots.push(root);
    const appRoot = path.join(root, 'apps/infra');
    const load = (stage?: string, env: NodeJS.ProcessEnv = {}) =>
      loadConfigForStage({ workspaceRoot: root, appRoot, stage, env });
    expect(await load()).toMatchObject({ stage: 'dev', input: { stage: undefined } });
    expect(await load(undefined, { SST_STAGE: 'ci' })).toMatchObject({ stage: 'ci', input: { stage: 'ci' } });
    expect(await load('prod', { SST_STAGE: 'ci' })).toMatchObject({
      stage: 'prod',
      input: { stage: 'prod' },
      config: { profile: 'acme-prod' },
    });
    fs.writeFileSync(
      path.join(appRoot, 'sst.config.ts'),
      'export default { config: () => ({ name: "shop", stage: "dev/1" }), stacks() {} };',
    );
    await expect(load()).rejects.toThrow('Invalid stage "dev/1" (from config() in sst.config.ts).');
    fs.writeFileSync(
      path.join(appRoot, 'sst.config.ts'),
      'export default { config: () => ({ name: "shop" }), stacks() {} };',
    );
    expect((await load()).stage).toBe('alice');
  });

  it("shows the user's stack trace when the config throws", async () => {
    const root = workspace({
      'apps/infra/stacks/Default.ts': [
        'export function check(): never {',
        '  throw new Error("region is required");',
        '}',
      ].join('\n'),
      'apps/infra/sst.config.ts': [
        'import { check } from "./stacks/Default";',
        'export default {',
        '  config() {',
        '    return check();',
        '  },',
        '  stacks() {},',
        '};',
      ].join('\n'),
    });
    roots.push(root);
    const error = await loadConfig({ workspaceRoot: root, appRoot: path.join(root, 'apps/infra') }).catch(
      (e) => e,
    );
    expect(error.name).toBe('NxSstError');
    expect(error.message).toMatch(/^apps\/infra\/sst\.config\.ts failed: Error: region is required\n/);
    expect(error.message).toMatch(/apps\/infra\/stacks\/Default\.ts:2:\d+/);
    expect(error.message).toMatch(/apps\/infra\/sst\.config\.ts:4:\d+/);
    expect(error.message).not.toMatch(/load-app|nx-sst\/dist|node:internal/);
  });

  it('names the file and line of a syntax error', async () => {
    const root = workspace({
      'apps/infra/sst.config.ts': 'export default {\n  config() { return { name: "x" } \n',
    });
    roots.push(root);
    await expect(loadConfig({ workspaceRoot: root, appRoot: path.join(root, 'apps/infra') })).rejects.toThrow(
      /Could not compile apps\/infra\/sst\.config\.ts:\napps\/infra\/sst\.config\.ts:3:\d+: /,
    );
  });

  it('refuses a folder without sst.config.ts and a config without stacks()', async () => {
    const root = workspace({
      'apps/a/index.ts': '',
      'apps/b/sst.config.ts': 'export default { config: () => ({ name: "b" }) };',
    });
    roots.push(root);
    await expect(loadConfig({ workspaceRoot: root, appRoot: path.join(root, 'apps/a') })).rejects.toThrow(
      /No sst\.config\.ts in/,
    );
    await expect(loadConfig({ workspaceRoot: root, appRoot: path.join(root, 'apps/b') })).rejects.toThrow(
      /must export default an object with config\(\) and stacks\(app\)/,
    );
  });
});
