import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempWorkspace } from '../test-utils/cli';
import { changedInput, recordReads, snapshotInputs } from './inputs';

describe('recording what a command read, and telling whether it changed', () => {
  const root = tempWorkspace({
    'apps/infra/sst.config.ts': 'export default {};',
    'libs/a.ts': 'export const a = 1;',
    'node_modules/dep/index.js': 'module.exports = 1;',
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const appRoot = path.join(root, 'apps/infra');

  function snapshot(run: () => void, env: NodeJS.ProcessEnv = process.env) {
    const startedAt = Date.now() - 10_000;
    const reads = recordReads();
    try {
      run();
    } finally {
      reads.stop();
    }
    return {
      reads,
      inputs: snapshotInputs({
        workspaceRoot: root,
        appRoot,
        startedAt,
        files: reads.files,
        dirs: reads.dirs,
        knownHashes: [reads.contents],
        envKeys: reads.envKeys,
        env,
      }),
    };
  }

  it('records files, listings and variables read, not installed packages or nx-sst state', () => {
    const { reads, inputs } = snapshot(() => {
      fs.readFileSync(path.join(root, 'libs/a.ts'));
      fs.existsSync(path.join(root, 'libs/missing.ts'));
      fs.readdirSync(path.join(root, 'libs'));
      fs.readFileSync(path.join(root, 'node_modules/dep/index.js'));
      fs.existsSync(path.join(root, '.sst/apps.json'));
      void process.env.SHOP_DOMAIN;
      void ('SHOP_FLAG' in process.env);
    });
    expect(reads.envKeys).toEqual(new Set(['SHOP_DOMAIN', 'SHOP_FLAG']));
    expect(inputs.files['libs/a.ts']).toMatchObject({ size: 19 });
    expect(inputs.files['libs/missing.ts']).toBeNull();
    expect(Object.keys(inputs.files).some((f) => f.includes('node_modules') || f.includes('apps.json'))).toBe(
      false,
    );
    expect(Object.keys(inputs.listings)).toEqual(['libs']);
    expect(JSON.stringify(inputs)).not.toContain(process.env.PATH);
  });

  it('tells a content change, a file that appears, a new file in a listed folder and a variable that changes', () => {
    const env = { ...process.env, SHOP_DOMAIN: 'a.example' };
    const { inputs } = snapshot(() => {
      fs.readFileSync(path.join(root, 'libs/a.ts'));
      fs.existsSync(path.join(root, 'libs/b.ts'));
      fs.readdirSync(path.join(root, 'apps'));
      void process.env.SHOP_DOMAIN;
    }, env);
    expect(changedInput(root, appRoot, inputs, env)).toBeUndefined();
    // A touch keeps the content: unchanged.
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(root, 'libs/a.ts'), later, later);
    expect(changedInput(root, appRoot, inputs, env)).toBeUndefined();
    expect(changedInput(root, appRoot, inputs, { ...env, SHOP_DOMAIN: 'b.example' })).toBe(
      'the environment variable SHOP_DOMAIN',
    );
    fs.writeFileSync(path.join(root, 'libs/a.ts'), 'export const a = 2;');
    expect(changedInput(root, appRoot, inputs, env)).toBe('libs/a.ts');
    fs.writeFileSync(path.join(root, 'libs/a.ts'), 'export const a = 1;');
    fs.writeFileSync(path.join(root, 'libs/b.ts'), '');
    expect(changedInput(root, appRoot, inputs, env)).toBe('libs/b.ts');
    fs.rmSync(path.join(root, 'libs/b.ts'));
    fs.mkdirSync(path.join(root, 'apps/web'));
    expect(changedInput(root, appRoot, inputs, env)).toBe('the files in apps');
    fs.rmSync(path.join(root, 'apps/web'), { recursive: true });
    expect(changedInput(root, appRoot, inputs, env)).toBeUndefined();
    expect(changedInput(root, appRoot, { ...inputs, engine: 'other' }, env)).toBe(
      'the version of nx-sst or aws-cdk-lib',
    );
  });

  it('does not count credentials, nor copies of the environment made to spawn a child', () => {
    const { reads, inputs } = snapshot(() => {
      void process.env.AWS_SECRET_ACCESS_KEY;
      void process.env.AWS_SESSION_TOKEN;
      spawnSync(process.execPath, ['-e', '0']);
    });
    expect(inputs.env.keys).toEqual([]);
    expect(reads.envKeys.has('PATH')).toBe(false);
  });

  it("counts the user's own copy of the environment as reading every variable", () => {
    const { reads } = snapshot(() => void { ...process.env });
    expect(reads.envKeys.has('PATH')).toBe(true);
  });

  it('marks a file changed while the command ran as unknown unless its content when read is known', () => {
    const file = path.join(root, 'libs/a.ts');
    const startedAt = Date.now() - 1000;
    const reads = recordReads();
    fs.readFileSync(file);
    reads.stop();
    fs.writeFileSync(file, 'export const a = 3;');
    const inputs = snapshotInputs({
      workspaceRoot: root,
      appRoot,
      startedAt,
      files: [file],
      dirs: [],
      knownHashes: [reads.contents],
      envKeys: [],
      env: {},
    });
    expect(inputs.files['libs/a.ts']).toMatchObject({ mtimeMs: -1 });
    // What the command read was the old content: the file counts as changed.
    expect(changedInput(root, appRoot, inputs, {})).toBe('libs/a.ts');
  });
});
