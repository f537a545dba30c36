// SST v2's classic layout: sst.config.ts at the workspace root, here beside apps/infra/sst.config.ts.
// Every command picks the app the same way, and every hint naming an nx-sst command says --app, so
// following it from another folder acts on the app it was about.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stopDaemon } from '@nx-sst/local-cloud';
import { resolveScope } from '../bind/bind';
import { runCli } from '../test-utils/cli';
import { sampleWorkspace } from '../test-utils/sample-workspace';
import { localCloudDir } from './cloud';
import { infraAppHolding, resolveInfraApp } from './workspace';

jest.setTimeout(900_000);

const root = sampleWorkspace({
  extraFiles: {
    'package.json': JSON.stringify({ name: 'classic', private: true }),
    'sst.config.ts': [
      "import type { SSTConfig } from '@nx-sst/constructs';",
      "import { Root } from './stacks/Root';",
      'export default {',
      "  config() { return { name: 'classic', region: 'us-east-1' }; },",
      '  stacks(app) { app.stack(Root); },',
      '} satisfies SSTConfig;',
    ].join('\n'),
    'stacks/Root.ts': [
      "import { Config, type StackContext } from '@nx-sst/constructs';",
      "export function Root({ stack }: StackContext) { new Config.Secret(stack, 'ROOT_KEY'); }",
    ].join('\n'),
    'packages/functions/src/hello.ts': 'export const handler = async () => ({});',
  },
});
const env = { ...process.env };
for (const key of Object.keys(env)) if (/^(AWS_|SST_|NX_SST_)/.test(key)) delete env[key];

afterAll(async () => {
  await stopDaemon(localCloudDir(root));
  fs.rmSync(root, { recursive: true, force: true });
});

describe('the infra app a command is about, with an app at the workspace root', () => {
  it('is the nearest app holding the folder; the root app holds every folder no other app holds', async () => {
    const at = async (cwd: string, app?: string) =>
      path.relative(root, (await resolveInfraApp(root, path.join(root, cwd), app)).root) || '.';
    expect(await at('.')).toBe('.');
    expect(await at('packages/functions/src')).toBe('.');
    expect(await at('apps/api')).toBe('.');
    expect(await at('apps/infra/stacks')).toBe('apps/infra');
    // --app by project name, wherever it is run, also from a folder holding one named like it.
    fs.mkdirSync(path.join(root, 'packages/functions/infra'), { recursive: true });
    expect(await at('packages/functions', 'infra')).toBe('apps/infra');
    expect(await at('apps/infra', 'classic')).toBe('.');
    expect(infraAppHolding(root, path.join(root, 'node_modules/@nx-sst/constructs'))?.name).toBe('classic');
  });

  it('is the same for bind --script, which refused at the root before', async () => {
    const scope = (cwd: string) =>
      resolveScope({ workspaceRoot: root, cwd: path.join(root, cwd), stage: 'local', env: {}, script: true });
    expect(await scope('.')).toMatchObject({
      entry: { appRoot: '.', name: 'classic', project: 'classic' },
      label: 'every value of classic',
      appFlag: ' --app classic',
    });
    expect(await scope('apps/infra')).toMatchObject({
      entry: { appRoot: 'apps/infra', name: 'shop' },
      appFlag: ' --app infra',
    });
  });

  it('is the same for types and secrets from the CLI as for bind --script', async () => {
    const types = await runCli(root, ['types'], { env });
    expect(types.code).toBe(0);
    const script = await runCli(root, ['bind', '--script', '--stage', 'local', '--', 'node', '-e', '0'], {
      env,
    });
    expect(script.stderr).toContain('every value of classic on stage "local"');
    const listed = await runCli(root, ['secrets', 'list', 'json', '--stage', 'local'], { env });
    expect({ code: listed.code, stderr: listed.stderr }).toEqual({ code: 0, stderr: '' });
  });

  it("bind's hints carry --app, and followed from the root they act on the app bind was about", async () => {
    const deployed = await runCli(root, ['deploy', '--stage', 'local', '--app', 'infra'], { env });
    expect({ code: deployed.code, stderr: deployed.code ? deployed.stderr : '' }).toEqual({
      code: 0,
      stderr: '',
    });
    const missing = await runCli(path.join(root, 'apps/api'), ['bind', '--', 'node', '-e', '0'], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('These secrets are not set for the stage "local": STRIPE_KEY.');
    const hint = missing.stderr
      .split('\n')
      .find((line) => line.includes('nx-sst secrets set'))!
      .trim();
    expect(hint).toBe('nx-sst secrets set STRIPE_KEY <value> --stage local --app infra');
    // Run where the root app would be picked without --app.
    const args = hint.replace('<value>', 'sk_root_layout').split(' ').slice(1);
    expect((await runCli(root, args, { env })).code).toBe(0);
    const bound = await runCli(
      path.join(root, 'apps/api'),
      ['bind', '--', 'node', '-e', 'console.log(process.env.NX_SST_APP)'],
      { env },
    );
    expect({ code: bound.code, stdout: bound.stdout }).toEqual({ code: 0, stdout: 'infra\n' });
    // A function added since the deploy: bind says to deploy that app.
    const stacks = path.join(root, 'apps/infra/stacks/Default.ts');
    fs.writeFileSync(
      stacks,
      fs
        .readFileSync(stacks, 'utf8')
        .replace(/\n}$/, "\n  new Function(stack, 'late', { handler: 'apps/api/src/handler.handler' });\n}"),
    );
    // secrets' own hints too, naming the app each was run for.
    const unset = await runCli(root, ['secrets', 'get', 'NOPE', '--stage', 'local'], { env });
    expect(unset.stderr).toContain('nx-sst secrets set NOPE <value> --app classic');
    const unsetInfra = await runCli(root, ['secrets', 'get', 'NOPE', '--stage', 'local', '--app', 'infra'], {
      env,
    });
    expect(unsetInfra.stderr).toContain('nx-sst secrets set NOPE <value> --app infra');
    const late = await runCli(root, ['bind', '--target', 'late', '--', 'true'], { env });
    expect(late.stderr).toContain('If "late" is new, deploy first: nx-sst deploy --stage local --app infra');
  });
});
