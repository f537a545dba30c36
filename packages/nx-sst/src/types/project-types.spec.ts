import * as fs from 'node:fs';
import * as path from 'node:path';
import { flushChanges, FsTree } from 'nx/src/generators/tree';
import { syncProjectTypes } from '../generators/sync/sync';
import { createDiskWorkspace } from '../plugin/test-utils/disk-workspace';
import { writeTypes } from './write-types';

jest.setTimeout(300_000);

/**
 * The sync generator (static reading of the stacks) and `nx-sst types` (the real construct tree) must
 * write the same bytes to every `sst-env.d.ts`, or each undoes the other. Here both run on real
 * workspaces on disk, in both orders, in the layouts that used to disagree.
 */

const config = (name: string) =>
  `import type { SSTConfig } from '@nx-sst/constructs';\nimport { Default } from './stacks/Default';\n` +
  `export default { config() { return { name: '${name}', region: 'us-east-1' }; }, stacks(app) { app.stack(Default); } } satisfies SSTConfig;\n`;
const handler = 'export async function handler() { return { statusCode: 200 }; }\n';

/** An infra app at the workspace root (SST's classic layout), binding resources created in place. */
const ROOT_LAYOUT = {
  'package.json': JSON.stringify({ name: 'acme', private: true, workspaces: ['apps/*'] }),
  'nx.json': JSON.stringify({ analytics: false }),
  'sst.config.ts': config('shop'),
  'stacks/Default.ts': `import { Bucket, Config, Function, type StackContext } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  const files = new Bucket(stack, 'files');
  new Function(stack, 'api', {
    handler: 'apps/api/src/handler.handler',
    bind: [files, new Config.Secret(stack, 'KEY'), { resource: new Bucket(stack, 'uploads'), permissions: [] }],
  });
  new Function(stack, 'other', { handler: 'apps/other/src/handler.handler', bind: [new Config.Secret(stack, 'OTHER')] });
}
`,
  'apps/api/package.json': JSON.stringify({ name: 'api' }),
  'apps/api/src/handler.ts': handler,
  'apps/other/package.json': JSON.stringify({ name: 'other' }),
  'apps/other/src/handler.ts': handler,
};

/** The SST v2 drop-in layout: a site at the workspace root, its infra app there too. */
const ROOT_SITE = {
  'package.json': JSON.stringify({ name: 'acme', private: true }),
  'nx.json': JSON.stringify({ analytics: false }),
  'sst.config.ts': config('site'),
  'stacks/Default.ts': `import { Bucket, NextjsSite, type StackContext } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  new NextjsSite(stack, 'site', { path: '.', bind: [new Bucket(stack, 'assets')] });
}
`,
};

const INFRA_STACK = `import { Api, Bucket, Config, Function, type StackContext } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  const files = new Bucket(stack, 'files');
  new Api(stack, 'api', {
    defaults: { function: { bind: [new Config.Parameter(stack, 'VERSION', { value: '1' })] } },
    routes: {
      'GET /': 'libs/fns/src/get.handler',
      'POST /': { function: { handler: 'libs/fns/src/post.handler', bind: [files] } },
      'GET /jobs': { function: { handler: 'libs/jobs/src/list.handler', bind: [new Config.Secret(stack, 'JOBS_KEY')] } },
    },
  });
  new Function(stack, 'worker', { handler: 'apps/web/functions/worker.handler', bind: [files] });
  new Function(stack, 'self', { handler: 'apps/infra/src/self.handler', bind: [files] });
}
`;

/**
 * Two infra apps: `infra` binds libraries (per Api route), a function inside `web` and one inside
 * itself; `web` is its own infra app and binds its own site. So `web` is bound by both apps.
 */
const TWO_APPS = {
  'package.json': JSON.stringify({ name: 'ws', private: true, workspaces: ['apps/*', 'libs/*'] }),
  'nx.json': JSON.stringify({ analytics: false }),
  'apps/infra/project.json': JSON.stringify({ name: 'infra' }),
  'apps/infra/sst.config.ts': config('shop'),
  'apps/infra/stacks/Default.ts': INFRA_STACK,
  'apps/infra/src/self.ts': handler,
  'apps/web/package.json': JSON.stringify({ name: 'web' }),
  'apps/web/sst.config.ts': config('web'),
  'apps/web/stacks/Default.ts': `import { Config, NextjsSite, type StackContext } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  new NextjsSite(stack, 'site', { path: 'apps/web', bind: [new Config.Secret(stack, 'STRIPE_KEY')] });
}
`,
  'apps/web/functions/worker.ts': handler,
  'libs/fns/package.json': JSON.stringify({ name: 'fns' }),
  'libs/fns/src/get.ts': handler,
  'libs/fns/src/post.ts': handler,
  'libs/jobs/project.json': JSON.stringify({ name: 'jobs' }),
  'libs/jobs/src/list.ts': handler,
};

function typesFiles(root: string): Record<string, string> {
  const found: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = dir ? `${dir}/${e.name}` : e.name;
      if (e.isDirectory() && !['node_modules', '.sst', '.nx'].includes(e.name)) walk(rel);
      else if (e.name === 'sst-env.d.ts') found[rel] = fs.readFileSync(path.join(root, rel), 'utf-8');
    }
  };
  walk('');
  return found;
}

/** What the sync generator would change on disk now (nothing is written). */
function syncChanges(root: string): string[] {
  return syncProjectTypes(new FsTree(root, false));
}

/** `nx-sst types` of each app, as `nx run <app>:types` runs it; returns the sst-env.d.ts it wrote. */
async function types(root: string, ...appRoots: string[]): Promise<string[]> {
  const written: string[] = [];
  for (const appRoot of appRoots) {
    const result = await writeTypes({
      workspaceRoot: root,
      appRoot: path.join(root, appRoot),
      stage: 'local',
    });
    written.push(
      ...result.written.map((f) => path.relative(root, f)).filter((f) => f.endsWith('sst-env.d.ts')),
    );
  }
  return written.sort();
}

function sync(root: string): void {
  const tree = new FsTree(root, false);
  syncProjectTypes(tree);
  flushChanges(root, tree.listChanges());
}

describe('sync generator and `nx-sst types` write the same sst-env.d.ts', () => {
  const saved = { ...process.env };
  beforeAll(() => {
    // Offline: any AWS call would fail.
    process.env.AWS_ACCESS_KEY_ID = '';
    process.env.AWS_ENDPOINT_URL = 'http://127.0.0.1:9';
  });
  afterAll(() => {
    process.env = saved;
  });

  it('with an infra app at the workspace root whose stacks bind resources created in the bind array', async () => {
    const ws = createDiskWorkspace(ROOT_LAYOUT);
    try {
      expect(await types(ws.root, '.')).toEqual(['apps/api/sst-env.d.ts', 'apps/other/sst-env.d.ts']);
      expect(syncChanges(ws.root)).toEqual([]);
      const files = typesFiles(ws.root);
      expect(files['apps/api/sst-env.d.ts']).toMatch(
        /^\/\/ Generated by nx-sst from the infra app acme \(\.\)\. Do not edit\.\n\/\/ Regenerate with: nx run acme:types\n/,
      );
      expect(files['apps/api/sst-env.d.ts']).toMatch(/"files"[\s\S]*"uploads"[\s\S]*"KEY"/);
      expect(files['apps/api/sst-env.d.ts']).not.toMatch(/"OTHER"/);
      expect(files['apps/other/sst-env.d.ts']).toMatch(/"OTHER"/);
    } finally {
      ws.dispose();
    }
  });

  it('with a site at the workspace root that is its own infra app', async () => {
    const ws = createDiskWorkspace(ROOT_SITE);
    try {
      expect(await types(ws.root, '.')).toEqual(['sst-env.d.ts']);
      expect(syncChanges(ws.root)).toEqual([]);
      expect(typesFiles(ws.root)['sst-env.d.ts']).toMatch(/infra app acme \(\.\)[\s\S]*"assets"/);
    } finally {
      ws.dispose();
    }
  });

  it('with several infra apps, an app bound by itself, per-route bindings, and a project that stops being bound', async () => {
    const ws = createDiskWorkspace(TWO_APPS);
    try {
      expect(await types(ws.root, 'apps/infra')).toEqual([
        'apps/infra/sst-env.d.ts',
        'apps/web/sst-env.d.ts',
        'libs/fns/sst-env.d.ts',
        'libs/jobs/sst-env.d.ts',
      ]);
      // The second app writes web's file as the first left it: both hold both apps' parts.
      expect(await types(ws.root, 'apps/web')).toEqual([]);
      expect(syncChanges(ws.root)).toEqual([]);
      const files = typesFiles(ws.root);
      expect(Object.keys(files).sort()).toEqual([
        'apps/infra/sst-env.d.ts',
        'apps/web/sst-env.d.ts',
        'libs/fns/sst-env.d.ts',
        'libs/jobs/sst-env.d.ts',
      ]);
      expect(files['apps/web/sst-env.d.ts'].split('\n').filter((l) => l.startsWith('// Generated'))).toEqual([
        '// Generated by nx-sst from the infra app infra (apps/infra). Do not edit.',
        '// Generated by nx-sst from the infra app web (apps/web). Do not edit.',
      ]);
      expect(files['apps/web/sst-env.d.ts']).toMatch(/"files"[\s\S]*"STRIPE_KEY"/);
      // Each route's function has the defaults' bindings and its own, not its neighbours'.
      expect(files['libs/fns/sst-env.d.ts']).toMatch(/"files"[\s\S]*"VERSION"/);
      expect(files['libs/jobs/sst-env.d.ts']).toMatch(/"VERSION"[\s\S]*"JOBS_KEY"/);
      expect(files['libs/jobs/sst-env.d.ts']).not.toMatch(/"files"/);

      // The jobs route goes: `types` removes the file it generated, and sync agrees.
      const stack = path.join(ws.root, 'apps/infra/stacks/Default.ts');
      fs.writeFileSync(stack, INFRA_STACK.replace(/\n {6}'GET \/jobs'.*\n/, '\n'));
      expect(await types(ws.root, 'apps/infra')).toEqual(['libs/jobs/sst-env.d.ts']);
      expect(fs.existsSync(path.join(ws.root, 'libs/jobs/sst-env.d.ts'))).toBe(false);
      expect(syncChanges(ws.root)).toEqual([]);
    } finally {
      ws.dispose();
    }
  });

  it('in the other order: after `nx sync`, `types` of every app rewrites no sst-env.d.ts', async () => {
    for (const [files, apps] of [
      [ROOT_LAYOUT, ['.']],
      [ROOT_SITE, ['.']],
      [TWO_APPS, ['apps/infra', 'apps/web']],
    ] as const) {
      const ws = createDiskWorkspace(files);
      try {
        sync(ws.root);
        const synced = typesFiles(ws.root);
        expect(Object.keys(synced).length).toBeGreaterThan(0);
        expect(await types(ws.root, ...apps)).toEqual([]);
        expect(typesFiles(ws.root)).toEqual(synced);
      } finally {
        ws.dispose();
      }
    }
  });
});
