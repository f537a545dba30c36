import * as fs from 'node:fs';
import * as path from 'node:path';
import { sampleWorkspace } from '../test-utils/sample-workspace';
import { typesRecordFile } from './types-cache';
import { writeTypes } from './write-types';

jest.setTimeout(300_000);

const STACKS = [
  "import { Bucket, Function, type StackContext } from '@nx-sst/constructs';",
  "import { bucketName } from '../../../libs/names/src/names';",
  'export function Default({ stack }: StackContext) {',
  '  const bucket = new Bucket(stack, bucketName);',
  // A variable the stacks read decides which resources exist: it is an input.
  "  if (process.env.SHOP_EXTRA) new Bucket(stack, 'extra');",
  "  new Function(stack, 'api', { handler: 'apps/api/src/handler.handler', bind: [bucket] });",
  '}',
].join('\n');

describe('types answers from its record while nothing it read or wrote changed', () => {
  const root = sampleWorkspace({
    stacks: STACKS,
    extraFiles: { 'libs/names/src/names.ts': "export const bucketName = 'public';" },
  });
  const appRoot = path.join(root, 'apps/infra');
  const types = () => writeTypes({ workspaceRoot: root, appRoot, cwd: root });
  const apiTypes = () => fs.readFileSync(path.join(root, 'apps/api/sst-env.d.ts'), 'utf8');
  const edit = (rel: string, content: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), content);
  };
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  /** The run after a change builds the tree again; the run after that answers from the record. */
  async function rebuiltThenRecorded() {
    const rebuilt = await types();
    expect(rebuilt.fromRecord).toBeUndefined();
    const again = await types();
    expect(again).toEqual({ written: [], fromRecord: true });
    return rebuilt;
  }

  it('records a run and answers the next one from it, also after a touch', async () => {
    const first = await types();
    expect(first.written.length).toBeGreaterThan(0);
    expect(fs.existsSync(typesRecordFile(appRoot))).toBe(true);
    expect(await types()).toEqual({ written: [], fromRecord: true });
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(root, 'libs/names/src/names.ts'), later, later);
    expect(await types()).toEqual({ written: [], fromRecord: true });
  });

  it('builds again when a file the stacks import changes', async () => {
    edit('libs/names/src/names.ts', "export const bucketName = 'assets';");
    await rebuiltThenRecorded();
    expect(apiTypes()).toContain('"assets"');
  });

  it('builds again when an environment variable the stacks read changes', async () => {
    process.env.SHOP_EXTRA = '1';
    try {
      await rebuiltThenRecorded();
    } finally {
      delete process.env.SHOP_EXTRA;
    }
    await rebuiltThenRecorded();
  });

  it('builds again when the handler moves to another project (a new project.json above it)', async () => {
    edit('apps/api/src/project.json', JSON.stringify({ name: 'api-src' }));
    await rebuiltThenRecorded();
    expect(fs.existsSync(path.join(root, 'apps/api/src/sst-env.d.ts'))).toBe(true);
  });

  it('writes again a generated file that was deleted or edited', async () => {
    const file = path.join(root, 'apps/api/src/sst-env.d.ts');
    fs.rmSync(file);
    const again = await types();
    expect(again.written).toContain(file);
    fs.writeFileSync(file, '// edited\n');
    expect((await types()).written).toContain(file);
    expect(await types()).toEqual({ written: [], fromRecord: true });
  });

  it('keeps a record per stage input; .sst/stage is an input', async () => {
    const explicit = () => writeTypes({ workspaceRoot: root, appRoot, cwd: root, stage: 'dev' });
    expect((await explicit()).fromRecord).toBeUndefined();
    expect((await explicit()).fromRecord).toBe(true);
    expect((await types()).fromRecord).toBe(true);
    edit('.sst/stage', 'alice\n');
    await rebuiltThenRecorded();
  });

  it('builds again with force', async () => {
    expect(
      (await writeTypes({ workspaceRoot: root, appRoot, cwd: root, force: true })).fromRecord,
    ).toBeUndefined();
  });
});

describe('types of projects that several apps bind', () => {
  const root = sampleWorkspace({
    extraFiles: {
      'apps/admin/project.json': JSON.stringify({ name: 'admin' }),
      'apps/admin/sst.config.ts': [
        "import type { SSTConfig } from '@nx-sst/constructs';",
        "import { Function, Topic, type StackContext } from '@nx-sst/constructs';",
        'function Admin({ stack }: StackContext) {',
        "  const topic = new Topic(stack, 'audit');",
        "  new Function(stack, 'api', { handler: 'apps/api/src/handler.handler', bind: [topic] });",
        '}',
        "export default { config: () => ({ name: 'admin', region: 'us-east-1' }), stacks(app) { app.stack(Admin); } } satisfies SSTConfig;",
      ].join('\n'),
    },
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('always builds: the shared sst-env.d.ts also holds the other app part', async () => {
    const infra = () =>
      writeTypes({ workspaceRoot: root, appRoot: path.join(root, 'apps/infra'), cwd: root });
    await writeTypes({ workspaceRoot: root, appRoot: path.join(root, 'apps/admin'), cwd: root });
    await infra();
    expect((await infra()).fromRecord).toBeUndefined();
  });
});
