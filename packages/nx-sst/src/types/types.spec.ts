import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { WEB_SST_ENV } from '../test-utils/expected-types';
import { prettierFormat } from '../test-utils/prettier';
import { sameDeclarations } from './render';
import { renderAppTypes, renderProjectTypes, writeTypesFromModel, type BindingModel } from './types';

const model: BindingModel = {
  app: 'shop',
  stage: 'local',
  ssmPrefix: '/sst/shop/local/',
  resources: [
    { type: 'Table', id: 'orders', clientPackage: 'table', props: ['tableName'], stack: 'Default' },
    { type: 'Bucket', id: 'public', clientPackage: 'bucket', props: ['bucketName'], stack: 'Default' },
    { type: 'Bucket', id: 'private-files', clientPackage: 'bucket', props: ['bucketName'], stack: 'Default' },
    { type: 'Secret', id: 'STRIPE_KEY', clientPackage: 'config', props: ['value'], stack: 'Default' },
    { type: 'Parameter', id: 'VERSION', clientPackage: 'config', props: ['value'], stack: 'Default' },
  ],
  targets: [
    {
      id: 'site',
      kind: 'site',
      project: { name: 'web', root: 'apps/web' },
      bindings: [
        { type: 'Bucket', id: 'public' },
        { type: 'Secret', id: 'STRIPE_KEY' },
      ],
      stack: 'Default',
    },
    {
      id: 'api',
      kind: 'function',
      project: { name: 'api', root: 'apps/api' },
      bindings: [{ type: 'Table', id: 'orders' }],
      stack: 'Default',
    },
  ],
};

describe('renderProjectTypes', () => {
  it('declares only what is bound to the project', () => {
    expect(
      renderProjectTypes(model, 'web', { infraApp: 'infra (apps/infra)', regenerate: 'nx run infra:types' }),
    ).toBe(WEB_SST_ENV);
  });

  it('does not depend on the stage or on the order of the model', () => {
    const shuffled: BindingModel = {
      ...model,
      stage: 'prod',
      resources: [...model.resources].reverse(),
      targets: [...model.targets].reverse(),
    };
    expect(renderAppTypes(shuffled)).toBe(renderAppTypes(model));
    expect(renderProjectTypes(shuffled, 'web')).toBe(renderProjectTypes(model, 'web'));
  });

  it('declares nothing but Config.APP/STAGE for a project with no bindings', () => {
    expect(renderProjectTypes(model, 'nobody')).not.toMatch(/Resources/);
  });
});

describe('sameDeclarations', () => {
  const web = renderProjectTypes(model, 'web', {
    infraApp: 'infra (apps/infra)',
    regenerate: 'nx run infra:types',
  });

  it.each([
    {},
    { singleQuote: true },
    { semi: false, quoteProps: 'consistent', trailingComma: 'all' },
    { printWidth: 40 },
  ])('takes what Prettier %j makes of a file for the same declarations', async (options) => {
    const formatted = prettierFormat(web, { ...options, filepath: 'sst-env.d.ts' });
    expect(formatted).not.toBe(web);
    expect(sameDeclarations(formatted, web)).toBe(true);
  });

  it('tells a different binding, another app and a hand-written file apart', () => {
    const other = { ...model, targets: model.targets.map((t) => ({ ...t, bindings: [] })) };
    expect(sameDeclarations(renderProjectTypes(other, 'web'), renderProjectTypes(model, 'web'))).toBe(false);
    expect(sameDeclarations(web.replace('infra (apps/infra)', 'shop (apps/shop)'), web)).toBe(false);
    expect(sameDeclarations(web.replace('"public"', '"publik"'), web)).toBe(false);
    expect(sameDeclarations('// mine\n', web)).toBe(false);
  });
});

describe('generated declarations type-check', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-types-'));
    // A minimal stand-in for @nx-sst/runtime's client modules: interfaces the generated file augments.
    const modules: Record<string, string> = {
      bucket: 'export interface BucketResources {}\nexport declare const Bucket: BucketResources;',
      table: 'export interface TableResources {}\nexport declare const Table: TableResources;',
      config: [
        'export interface ConfigTypes {}',
        'export interface ParameterResources {}',
        'export interface SecretResources {}',
        'export declare const Config: ConfigTypes & { [K in keyof ParameterResources]: string } & { [K in keyof SecretResources]: string };',
      ].join('\n'),
    };
    for (const [m, src] of Object.entries(modules)) {
      fs.mkdirSync(path.join(dir, 'node_modules/@nx-sst/runtime', m), { recursive: true });
      fs.writeFileSync(path.join(dir, 'node_modules/@nx-sst/runtime', m, 'index.d.ts'), src);
    }
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  function diagnostics(declarations: string, code: string): string[] {
    fs.writeFileSync(path.join(dir, 'sst-env.d.ts'), declarations);
    fs.writeFileSync(path.join(dir, 'main.ts'), code);
    const program = ts.createProgram([path.join(dir, 'main.ts'), path.join(dir, 'sst-env.d.ts')], {
      strict: true,
      noEmit: true,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      types: [],
    });
    return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  }

  it('lets a project read what is bound and refuses what is not', () => {
    const code = [
      "import { Bucket } from '@nx-sst/runtime/bucket';",
      "import { Config } from '@nx-sst/runtime/config';",
      'const a: string = Bucket.public.bucketName;',
      'const b: string = Config.STRIPE_KEY + Config.APP + Config.STAGE;',
      "const c: string = Bucket['private-files'].bucketName;",
      'export { a, b, c };',
    ].join('\n');
    expect(diagnostics(renderProjectTypes(model, 'web'), code)).toEqual([
      expect.stringMatching(/Property 'private-files' does not exist on type 'BucketResources'/),
    ]);
    expect(diagnostics(renderAppTypes(model), code)).toEqual([]);
  });
});

describe('writeTypesFromModel', () => {
  it('writes the app and project files, skips unchanged ones and removes the generated file of projects no longer bound', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-write-'));
    const appRoot = path.join(root, 'apps/infra');
    const first = writeTypesFromModel({ workspaceRoot: root, appRoot, model });
    expect(first.written.map((f) => path.relative(root, f))).toEqual([
      'apps/api/sst-env.d.ts',
      'apps/infra/.sst/types/index.ts',
      'apps/infra/.sst/types/projects.json',
      'apps/web/sst-env.d.ts',
    ]);
    expect(writeTypesFromModel({ workspaceRoot: root, appRoot, model }).written).toEqual([]);

    const withoutApi = { ...model, targets: model.targets.filter((t) => t.id !== 'api') };
    const third = writeTypesFromModel({ workspaceRoot: root, appRoot, model: withoutApi });
    expect(third.written.map((f) => path.relative(root, f))).toEqual([
      'apps/api/sst-env.d.ts',
      'apps/infra/.sst/types/projects.json',
    ]);
    expect(fs.existsSync(path.join(root, 'apps/api/sst-env.d.ts'))).toBe(false);

    // A hand-written file in a project that is no longer bound is left alone.
    writeTypesFromModel({ workspaceRoot: root, appRoot, model });
    fs.writeFileSync(path.join(root, 'apps/api/sst-env.d.ts'), '// mine\n');
    writeTypesFromModel({ workspaceRoot: root, appRoot, model: withoutApi });
    expect(fs.readFileSync(path.join(root, 'apps/api/sst-env.d.ts'), 'utf8')).toBe('// mine\n');
    fs.rmSync(root, { recursive: true, force: true });
  });
});
