import { addProjectConfiguration, updateJson, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { appGenerator } from '../app/app';

/**
 * A virtual workspace as a user has it after `nx g nx-sst:app infra`: the infra app, a Next.js app `web`
 * (package.json scripts, as in an npm-workspaces repo), a library `functions` with a handler file and
 * project.json command targets, and an unrelated library `utils`.
 */
export async function createWorkspace(): Promise<Tree> {
  const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
  updateJson(tree, 'package.json', (json) => ({ ...json, workspaces: ['apps/*', 'libs/*'] }));
  await appGenerator(tree, { name: 'infra', skipFormat: true });
  writeJson(tree, 'apps/web/package.json', {
    name: 'web',
    private: true,
    scripts: { dev: 'next dev', build: 'next build', lint: 'eslint .' },
  });
  addProjectConfiguration(tree, 'functions', {
    root: 'libs/functions',
    targets: {
      test: { command: 'vitest run', options: { cwd: 'libs/functions' } },
      lint: { executor: '@nx/eslint:lint' },
    },
  });
  tree.write('libs/functions/src/index.ts', 'export async function handler() {}\n');
  addProjectConfiguration(tree, 'utils', { root: 'libs/utils' });
  return tree;
}

/** Every file the tree would write or delete, with its content: what a dry run prints. */
export function snapshotOfChanges(tree: Tree): Record<string, string | null> {
  return Object.fromEntries(
    tree
      .listChanges()
      .map((c) => [c.path, c.type === 'DELETE' ? null : (c.content?.toString('utf-8') ?? '')]),
  );
}

/** The whole tree's content, to assert that a second run changes nothing. */
export function treeContent(tree: Tree): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const child of tree.children(dir)) {
      const path = dir ? `${dir}/${child}` : child;
      if (tree.isFile(path)) files[path] = tree.read(path, 'utf-8')!;
      else walk(path);
    }
  };
  walk('');
  return files;
}
