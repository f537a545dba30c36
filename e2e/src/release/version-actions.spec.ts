/**
 * The version actions `nx release` uses for our packages (scripts/release/version-actions.js), on a real Nx
 * tree: what a release writes into each package.json. CI's release dry run (.ci/run) drives them through
 * `nx release` itself.
 */
import type { ProjectGraph, Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import PackageJsonVersionActions = require('../../../scripts/release/version-actions');

const { afterAllProjectsVersioned, nextSpecifier } = PackageJsonVersionActions;

function node(name: string, root: string, packageName: string) {
  return { name, type: 'lib' as const, data: { root, metadata: { js: { packageName } } } };
}

const graph = {
  nodes: {
    'local-cloud': node('local-cloud', 'packages/local-cloud', '@nx-sst/local-cloud'),
    constructs: node('constructs', 'packages/constructs', '@nx-sst/constructs'),
    runtime: node('runtime', 'packages/runtime', '@nx-sst/runtime'),
    'nx-sst': node('nx-sst', 'packages/nx-sst', 'nx-sst'),
  },
  dependencies: {},
} as unknown as ProjectGraph;

async function actionsFor(tree: Tree, project: keyof typeof graph.nodes) {
  const config = { manifestRootsToUpdate: [], preserveLocalDependencyProtocols: true };
  const actions = new PackageJsonVersionActions(
    { name: '__default__' } as never,
    graph.nodes[project] as never,
    config as never,
  );
  await actions.init(tree);
  return actions;
}

describe('release version actions', () => {
  let tree: Tree;
  beforeEach(() => {
    tree = createTreeWithEmptyWorkspace();
    tree.write(
      'packages/nx-sst/package.json',
      `${JSON.stringify(
        {
          name: 'nx-sst',
          version: '0.1.0',
          description: 'Nx plugin\u2026',
          dependencies: { '@nx-sst/local-cloud': '0.1.0', esbuild: '^0.25.0' },
          peerDependencies: { '@nx-sst/constructs': '^0.1.0' },
          devDependencies: { '@nx-sst/runtime': '*' },
        },
        null,
        2,
      )}\n`,
    );
    tree.write('packages/runtime/package.json', '{ "name": "@nx-sst/runtime" }\n');
  });

  it("reads a package's version from its package.json, and says what to set when it has none", async () => {
    const nxSst = await actionsFor(tree, 'nx-sst');
    await expect(nxSst.readCurrentVersionFromSourceManifest(tree)).resolves.toEqual({
      currentVersion: '0.1.0',
      manifestPath: 'packages/nx-sst/package.json',
    });
    const runtime = await actionsFor(tree, 'runtime');
    await expect(runtime.readCurrentVersionFromSourceManifest(tree)).rejects.toThrow(
      'packages/runtime/package.json has no "version": set one (e.g. "0.1.0") before releasing.',
    );
    await expect(runtime.readCurrentVersionFromRegistry()).rejects.toThrow(
      'versions are read from package.json (release.version.currentVersionResolver "disk" in nx.json)',
    );
  });

  it('finds how a package requires another one of ours', async () => {
    const nxSst = await actionsFor(tree, 'nx-sst');
    await expect(nxSst.readCurrentVersionOfDependency(tree, graph, 'constructs')).resolves.toEqual({
      currentVersion: '^0.1.0',
      dependencyCollection: 'peerDependencies',
    });
    await expect(nxSst.readCurrentVersionOfDependency(tree, graph, 'runtime')).resolves.toEqual({
      currentVersion: '*',
      dependencyCollection: 'devDependencies',
    });
  });

  it('writes the new version and the specifiers of our packages, keeping the rest and the layout', async () => {
    const nxSst = await actionsFor(tree, 'nx-sst');
    expect(await nxSst.updateProjectVersion(tree, '0.2.0')).toEqual([
      'New version 0.2.0 written to packages/nx-sst/package.json',
    ]);
    expect(
      await nxSst.updateProjectDependencies(tree, graph, {
        'local-cloud': '0.2.0',
        constructs: '0.2.0',
        runtime: '0.2.0',
      }),
    ).toEqual([
      'Updated in packages/nx-sst/package.json: @nx-sst/local-cloud 0.1.0 -> 0.2.0 (dependencies), @nx-sst/constructs ^0.1.0 -> ^0.2.0 (peerDependencies)',
    ]);
    const text = tree.read('packages/nx-sst/package.json', 'utf-8')!;
    expect(JSON.parse(text)).toEqual({
      name: 'nx-sst',
      version: '0.2.0',
      description: 'Nx plugin\u2026',
      dependencies: { '@nx-sst/local-cloud': '0.2.0', esbuild: '^0.25.0' },
      peerDependencies: { '@nx-sst/constructs': '^0.2.0' },
      devDependencies: { '@nx-sst/runtime': '*' },
    });
    expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
  });

  it('keeps a specifier that takes any version or a local path, and keeps the prefix of one that pins', () => {
    expect(nextSpecifier('*', '1.0.0')).toBeUndefined();
    expect(nextSpecifier('file:../runtime', '1.0.0')).toBeUndefined();
    expect(nextSpecifier('workspace:*', '1.0.0')).toBeUndefined();
    expect(nextSpecifier('0.1.0', '1.0.0')).toBe('1.0.0');
    expect(nextSpecifier('^0.1.0', '1.0.0')).toBe('^1.0.0');
    expect(nextSpecifier('~0.1.0', '1.0.0')).toBe('~1.0.0');
  });

  it('leaves the lockfile alone in a dry run (a real release refreshes it with npm)', async () => {
    await expect(afterAllProjectsVersioned('/nonexistent', { dryRun: true })).resolves.toEqual({
      changedFiles: [],
      deletedFiles: [],
    });
  });
});
