import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli, tempWorkspace } from '../test-utils/cli';
import { sampleWorkspace } from '../test-utils/sample-workspace';

jest.setTimeout(120_000);

const workspace = (files: Record<string, string>) =>
  tempWorkspace({ 'nx.json': '{}', ...files }, 'nx-sst-cli-');
const run = (cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env, stdin?: string) =>
  runCli(cwd, args, { env, stdin });

const roots: string[] = [];
afterAll(() => roots.forEach((r) => fs.rmSync(r, { recursive: true, force: true })));

describe('nx-sst CLI: bad input gets a clear message and a non-zero exit', () => {
  it('a workspace without sst.config.ts', async () => {
    const root = workspace({ 'apps/web/project.json': '{"name":"web"}' });
    roots.push(root);
    const out = await run(root, ['types']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`✖ No sst.config.ts in the workspace ${root}.`);
    expect(out.stderr).toContain('nx g nx-sst:app infra');
  });

  it("a config that throws shows the user's stack trace, not ours", async () => {
    const root = workspace({
      'apps/infra/sst.config.ts': [
        'export default {',
        '  config() {',
        '    throw new Error("boom in config");',
        '  },',
        '  stacks() {},',
        '};',
      ].join('\n'),
    });
    roots.push(root);
    const out = await run(root, ['types']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /apps\/infra\/sst\.config\.ts failed: Error: boom in config\n\s+at .*apps\/infra\/sst\.config\.ts:3:\d+/,
    );
    expect(out.stderr).not.toMatch(/dist\/(synth|cli)\//);
  });

  it.each([['my_stage'], ['1st'], ['a.b']])('an invalid stage %s', async (stage) => {
    const root = workspace({
      'apps/infra/sst.config.ts': 'export default { config: () => ({ name: "x" }), stacks() {} };',
    });
    roots.push(root);
    const out = await run(root, ['secrets', 'list', '--stage', stage]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(`✖ Invalid stage "${stage}" (from --stage).`);
  });

  it('a non-local stage without AWS credentials', async () => {
    const root = workspace({
      'apps/infra/sst.config.ts':
        'export default { config: () => ({ name: "x", region: "eu-west-1" }), stacks() {} };',
    });
    roots.push(root);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-home-'));
    roots.push(home);
    const env = { PATH: process.env.PATH, HOME: home, AWS_EC2_METADATA_DISABLED: 'true' };
    const out = await run(root, ['secrets', 'list', '--stage', 'prod'], env);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('✖ No AWS credentials for the stage "prod"');
    expect(out.stderr).toContain('--stage local');
  });

  it('bind without -- before the command, and unknown options', async () => {
    const root = workspace({});
    roots.push(root);
    const bind = await run(root, ['bind', 'vitest', 'run']);
    expect(bind.code).toBe(1);
    expect(bind.stderr).toContain('Put the command after --: nx-sst bind -- vitest run');
    const unknown = await run(root, ['deploy', '--colour']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("Unknown option '--colour'");
  });

  it('an option of another command is refused, naming the option and the command', async () => {
    const root = workspace({});
    roots.push(root);
    const target = await run(root, ['deploy', '--target', 'x']);
    expect(target.code).toBe(1);
    expect(target.stderr).toContain('✖ --target does not apply to nx-sst deploy (--target is for bind).');
    expect(target.stderr).toContain(
      'nx-sst deploy takes --stage, --app, --bootstrap, --stacks, --concurrency, --force, --verbose.',
    );
    // Refused with --help too, so a documented usage line cannot hold a flag the command ignores.
    const withHelp = await run(root, ['remove', '--bootstrap', '--fallback', '--help']);
    expect(withHelp).toMatchObject({ code: 1, stdout: '' });
    expect(withHelp.stderr).toContain(
      '✖ --bootstrap, --fallback do not apply to nx-sst remove (--bootstrap is for deploy; --fallback is for secrets).',
    );
    const format = await run(root, ['secrets', 'get', 'K', '--format', 'json']);
    expect(format.stderr).toContain(
      '✖ --format does not apply to nx-sst secrets get (--format is for secrets list).',
    );
    const local = await run(root, ['local', 'status', '--stage', 'prod']);
    expect(local.stderr).toContain('✖ --stage does not apply to nx-sst local status');
    expect(local.stderr).toContain('nx-sst local status takes no options.');
    const help = await run(root, ['--help']);
    expect(help.stdout).toMatch(/^ {2}--format <f> +\(secrets\) list as table, env or json$/m);
  });

  it('a .env file with invalid lines sets nothing and names the lines', async () => {
    const root = workspace({
      'apps/infra/sst.config.ts': 'export default { config: () => ({ name: "x" }), stacks() {} };',
      'bad.env': 'OK=1\nthis is not valid\n',
    });
    roots.push(root);
    // Checked before any cloud is contacted: no local cloud starts for a bad file.
    const out = await run(root, ['secrets', 'load', 'bad.env']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('line 2: expected KEY=value');
    expect(fs.existsSync(path.join(root, '.sst/local-cloud'))).toBe(false);
  });

  it('a secret above 8 KB is refused before anything is sent', async () => {
    const root = workspace({
      'apps/infra/sst.config.ts': 'export default { config: () => ({ name: "x" }), stacks() {} };',
    });
    roots.push(root);
    const out = await run(root, ['secrets', 'set', 'BIG', 'x'.repeat(9000)]);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('The value of BIG is 9000 bytes; SSM holds at most 8192 bytes (8 KB).');
    expect(fs.existsSync(path.join(root, '.sst/local-cloud'))).toBe(false);
  });

  it('a secret name whose parameter SSM would refuse is refused before anything is sent, naming the room', async () => {
    const root = workspace({
      'apps/infra/sst.config.ts': 'export default { config: () => ({ name: "x" }), stacks() {} };',
    });
    roots.push(root);
    const name = `K${'x'.repeat(1100)}`;
    const set = await run(root, ['secrets', 'set', name, 'v']);
    expect(set.code).toBe(1);
    // arn:aws:ssm:us-east-1:000000000000:parameter (44) + /sst/x/local/Secret/ (20) + /value (6): 941 left.
    expect(set.stderr).toContain('(1101 characters) is too long');
    expect(set.stderr).toContain('Use a name of at most 941 characters.');
    fs.writeFileSync(path.join(root, 'long.env'), `OK=1\n${name}=v\n`);
    const load = await run(root, ['secrets', 'load', 'long.env']);
    expect(load.code).toBe(1);
    expect(load.stderr).toContain('is too long');
    expect(fs.existsSync(path.join(root, '.sst/local-cloud'))).toBe(false);
  });
});

describe('nx-sst CLI: secrets and the local cloud', () => {
  it('sets a secret from stdin, reads it back, and manages the local cloud', async () => {
    const root = workspace({
      'apps/infra/sst.config.ts': 'export default { config: () => ({ name: "x" }), stacks() {} };',
    });
    roots.push(root);
    try {
      // Down is exit 3, as `nx-sst-local status` says it, so a script can test it.
      expect(await run(root, ['local', 'status'])).toMatchObject({
        code: 3,
        stdout: 'Local cloud is not running.\n',
      });
      const set = await run(root, ['secrets', 'set', 'API_KEY'], process.env, 'from-stdin-value\n');
      expect(set.code).toBe(0);
      expect(set.stderr).toContain('✔ Set API_KEY');
      const get = await run(root, ['secrets', 'get', 'API_KEY']);
      expect(get).toMatchObject({ code: 0, stdout: 'from-stdin-value' });
      const list = await run(root, ['secrets', 'list', 'env']);
      expect(list.stdout).toBe("API_KEY='from-stdin-value'\n");
      const up = await run(root, ['local', 'status']);
      expect(up.code).toBe(0);
      expect(up.stdout).toMatch(/^Local cloud running at http:\/\/127\.0\.0\.1:\d+/);
      const missing = await run(root, ['secrets', 'get', 'NOPE']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain('"NOPE" is not set.');
    } finally {
      expect((await run(root, ['local', 'stop'])).stdout).toBe('Local cloud stopped.\n');
    }
  });
  it('uses the stage config() returns after --stage and SST_STAGE; bind sees a changed config at once', async () => {
    const config = (stage: string) =>
      `export default { config: () => ({ name: "x", region: "eu-west-1", stage: "${stage}" }), stacks() {} };`;
    const root = sampleWorkspace({
      extraFiles: {
        'apps/infra/sst.config.ts': config('local'),
        // The personal stage, which needs AWS, comes after the config's.
        '.sst/stage': 'alice\n',
      },
    });
    roots.push(root);
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-home-'));
    roots.push(home);
    const env = { PATH: process.env.PATH, HOME: home, AWS_EC2_METADATA_DISABLED: 'true' };
    try {
      expect((await run(root, ['secrets', 'set', 'K', 'value'], env)).code).toBe(0);
      const print = 'console.log(process.env.SST_STAGE, process.env.SST_Secret_value_K)';
      const bound = await run(root, ['bind', '--script', '--', 'node', '-e', print], env);
      expect(bound).toMatchObject({ code: 0, stdout: 'local *****\n' });
      const flagged = await run(root, ['bind', '--script', '--stage', 'alice', '--', 'node', '-e', '0'], env);
      expect(flagged.stderr).toContain('No AWS credentials for the stage "alice"');
      const fromEnv = await run(root, ['bind', '--script', '--', 'node', '-e', '0'], {
        ...env,
        SST_STAGE: 'ci',
      });
      expect(fromEnv.stderr).toContain('No AWS credentials for the stage "ci"');
      // No `types` in between: bind notices that the config changed.
      fs.writeFileSync(path.join(root, 'apps/infra/sst.config.ts'), config('staging'));
      const changed = await run(root, ['bind', '--script', '--', 'node', '-e', '0'], env);
      expect(changed).toMatchObject({ code: 1, stderr: expect.stringContaining('the stage "staging"') });
    } finally {
      expect((await run(root, ['local', 'stop'])).stdout).toBe('Local cloud stopped.\n');
    }
  });
});
