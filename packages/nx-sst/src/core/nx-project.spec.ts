import * as fs from 'node:fs';
import * as path from 'node:path';
import { createDiskWorkspace, nx, writeFiles } from '../plugin/test-utils/disk-workspace';
import { findNxProject, globMatcher, NxProjects, previousProjectName, simpleGlob } from './nx-project';

// Real Nx processes on a loaded machine: each graph takes seconds.
jest.setTimeout(300_000);

const json = (value: unknown) => JSON.stringify(value);

/**
 * A plugin that makes a project of every folder holding `marker.txt`, as nx-sst's makes one of every
 * folder holding an `sst.config.ts`: Nx then names it even where no project file would.
 */
const MARKER_PLUGIN = `const { dirname } = require('node:path');
exports.createNodes = ['**/marker.txt', (files) =>
  files.map((f) => [f, { projects: { [dirname(f)]: { targets: { hello: { command: 'echo hi' } } } } }])];
`;

/** Workspaces whose every folder with a project.json or package.json we name, and Nx names. */
const WORKSPACES: Record<string, Record<string, string>> = {
  'npm workspaces with a negated pattern': {
    'package.json': json({ name: 'repo', private: true, workspaces: ['apps/*', 'libs/**', '!libs/skipped'] }),
    'apps/web/package.json': json({ name: '@acme/web', nx: { name: 'web' } }),
    'apps/web/src/lib/package.json': json({ name: 'inner', type: 'module' }),
    'apps/plain/package.json': json({ name: '@acme/plain' }),
    // The infra app of issue 12: project.json (with a comment, as Nx allows) says crud-api, package.json ws.
    'apps/crud/project.json': '{\n  // the infra app\n  "name": "crud-api",\n}\n',
    'apps/crud/package.json': json({ name: 'ws' }),
    'apps/crud/marker.txt': '',
    'apps/pj-no-name/project.json': '{}',
    'apps/pj-no-name/package.json': json({ name: '@acme/from-package' }),
    'apps/pj-nx-name/project.json': '{}',
    'apps/pj-nx-name/package.json': json({ name: '@acme/x', nx: { name: 'from-nx' } }),
    'apps/both/project.json': json({ name: 'from-project-json' }),
    'apps/both/package.json': json({ name: '@acme/both', nx: { name: 'from-nx' } }),
    'apps/Upper/project.json': '{}',
    'apps/NoName/package.json': json({ version: '1.0.0' }),
    'apps/nx-only/package.json': json({ nx: { name: 'nx-only-name' } }),
    'libs/deep/nested/package.json': json({ name: 'deep-nested' }),
    'libs/skipped/package.json': json({ name: 'skipped' }),
    'libs/.hidden/package.json': json({ name: 'hidden' }),
    'other/outside/package.json': json({ name: 'outside' }),
    'other/outside-inferred/package.json': json({ name: 'inferred-pkg', nx: { name: 'ignored' } }),
    'other/outside-inferred/marker.txt': '',
    'other/pj/project.json': json({ name: 'pj-out' }),
    'other/pj/package.json': json({ name: 'pj-out-pkg' }),
    'other/pj-nx/project.json': '{}',
    'other/pj-nx/package.json': json({ name: 'pkg', nx: { name: 'pj-nx-name' } }),
  },
  'a root project by its nx key, workspaces.packages, pnpm and lerna': {
    'package.json': json({
      name: 'root-pkg',
      nx: { name: 'root-nx' },
      workspaces: { packages: ['packages/*'] },
    }),
    'pnpm-workspace.yaml': "packages:\n  - 'pk/*'\n  # not this one\n  - '!pk/no'\n",
    'lerna.json': json({ packages: ['lp/*'] }),
    'packages/a/package.json': json({ name: 'a' }),
    'pk/b/package.json': json({ name: 'b' }),
    'pk/no/package.json': json({ name: 'no' }),
    'lp/c/package.json': json({ name: 'c' }),
    'zz/d/package.json': json({ name: 'd' }),
  },
  'a root project.json and no workspaces': {
    'package.json': json({ name: 'r' }),
    'project.json': json({ name: 'root-project' }),
    'apps/x/package.json': json({ name: 'x' }),
    'apps/y/project.json': '{}',
  },
  'only a negated workspace pattern': {
    'package.json': json({ name: 'r3', workspaces: ['!skip'] }),
    'any/where/package.json': json({ name: 'anywhere' }),
    'skip/package.json': json({ name: 'skip' }),
  },
};

/** Every folder with a project.json or package.json, workspace-relative. */
function projectFileFolders(root: string, rel = '.'): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    if (entry.isDirectory() && !['node_modules', '.nx'].includes(entry.name))
      found.push(...projectFileFolders(root, rel === '.' ? entry.name : `${rel}/${entry.name}`));
  }
  if (['project.json', 'package.json'].some((f) => fs.existsSync(path.join(root, rel, f)))) found.push(rel);
  return found.sort();
}

describe('project names, as Nx gives them', () => {
  it.each(Object.keys(WORKSPACES))('agree with the project graph of Nx: %s', (title) => {
    const ws = createDiskWorkspace({});
    try {
      writeFiles(ws.root, {
        ...WORKSPACES[title],
        'tools/marker-plugin.js': MARKER_PLUGIN,
        'nx.json': json({ plugins: [path.join(ws.root, 'tools/marker-plugin.js')] }),
      });
      nx(ws.root, ['graph', '--file=graph.json']);
      const nodes = JSON.parse(fs.readFileSync(path.join(ws.root, 'graph.json'), 'utf8')).graph.nodes;
      const byNx = Object.fromEntries(
        Object.entries(nodes as Record<string, { data: { root: string } }>).map(([name, n]) => [
          n.data.root,
          name,
        ]),
      );
      const projects = new NxProjects(ws.root);
      const ours = Object.fromEntries(
        projectFileFolders(ws.root)
          .map((root) => [
            root,
            projects.nameAt(root, { inferred: fs.existsSync(path.join(ws.root, root, 'marker.txt')) }),
          ])
          .filter(([, name]) => name !== undefined),
      );
      expect(ours).toEqual(byNx);
    } finally {
      ws.dispose();
    }
  });
});

describe('the project holding a path', () => {
  const ws = createDiskWorkspace({});
  writeFiles(ws.root, {
    ...WORKSPACES['npm workspaces with a negated pattern'],
    'apps/web/src/lib/util.ts': '',
    'other/infra/package.json': json({ name: 'infra-pkg' }),
    'other/infra/sst.config.ts': '',
    'other/infra/stacks/Default.ts': '',
  });
  afterAll(() => ws.dispose());
  const at = (rel: string) => findNxProject(ws.root, path.join(ws.root, rel));

  it('is the nearest folder Nx makes a project, with its Nx name', () => {
    // apps/web/src/lib/package.json is outside the workspaces: no project of its own.
    expect(at('apps/web/src/lib/util.ts')).toEqual({ name: 'web', root: 'apps/web' });
    expect(at('apps/crud')).toEqual({ name: 'crud-api', root: 'apps/crud' });
    // nx-sst's plugin makes a project of an infra app folder; Nx names it by its package.json name.
    expect(at('other/infra/stacks/Default.ts')).toEqual({ name: 'infra-pkg', root: 'other/infra' });
    expect(at('other/outside/index.ts')).toBeUndefined();
    expect(at('libs/.hidden/x.ts')).toBeUndefined();
    expect(findNxProject(ws.root, path.dirname(ws.root))).toBeUndefined();
  });

  it('was, before nx-sst named projects as Nx does, the nearest project file and its plain-JSON name', () => {
    const previous = (rel: string) => previousProjectName(ws.root, path.join(ws.root, rel));
    expect(previous('apps/web')).toBe('@acme/web');
    expect(previous('apps/web/src/lib/util.ts')).toBe('inner');
    expect(previous('apps/crud')).toBe('ws');
    expect(previous('other/outside')).toBe('outside');
    expect(previous('apps/both')).toBe('from-project-json');
  });
});

describe('workspace patterns', () => {
  const { Minimatch } = require(
    require.resolve('minimatch', { paths: [path.dirname(require.resolve('nx/package.json'))] }),
  );
  const paths = [
    'package.json',
    'apps/package.json',
    'apps/web/package.json',
    'apps/.web/package.json',
    'apps/web/src/package.json',
    'apps/web.app/package.json',
    'apps/web-app/package.json',
    'apps-x/web/package.json',
    'libs/package.json',
    'libs/a/package.json',
    'libs/a/b/c/package.json',
    'libs/.cache/a/package.json',
    'libs/a/.b/package.json',
    'libs/a/node_modules/b/package.json',
    'packages/@scope/name/package.json',
    'packages/app-1/package.json',
    'packages/xapp-1/package.json',
    'a.b/package.json',
    'axb/package.json',
  ];
  const patterns = [
    'package.json',
    'apps/*/package.json',
    'apps/web/package.json',
    'libs/**/package.json',
    '**/package.json',
    'packages/*/*/package.json',
    'packages/app-*/package.json',
    'packages/*-1/package.json',
    'a.b/package.json',
    'apps/*.app/package.json',
    'libs/**/b/**/package.json',
  ];

  it.each(patterns)('match as minimatch does without loading it: %s', (pattern) => {
    const ours = simpleGlob(pattern);
    expect(ours).toBeDefined();
    const minimatch = new Minimatch(pattern);
    expect(paths.filter((p) => ours!.test(p))).toEqual(paths.filter((p) => minimatch.match(p)));
  });

  it.each([
    'apps/{web,api}/package.json',
    'apps/[ab]*/package.json',
    'apps/?eb/package.json',
    './apps/*',
    'apps/**',
    'a/**b/c',
  ])('leave any other pattern to minimatch: %s', (pattern) => {
    expect(simpleGlob(pattern)).toBeUndefined();
    expect(globMatcher(pattern)('apps/web/package.json')).toBe(
      new Minimatch(pattern).match('apps/web/package.json'),
    );
  });
});
