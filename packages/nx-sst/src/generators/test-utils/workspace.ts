import { addProjectConfiguration, updateJson, writeJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { appGenerator } from '../app/app';
import { resourceGenerator } from '../resource/resource';
import { secretGenerator } from '../secret/secret';
import { siteGenerator } from '../site/site';

/** The infra app's stack file, as `nx g nx-sst:app infra` writes it. */
export const STACK = 'apps/infra/stacks/Default.ts';

/** The stack once the bucket `public` is bound to the site of `web`, whichever generator did it. */
export const STACK_WITH_PUBLIC_BOUND_TO_WEB = `import { type StackContext, NextjsSite, Bucket } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  const publicBucket = new Bucket(stack, 'public');
  const webSite = new NextjsSite(stack, 'web', { path: 'apps/web', bind: [publicBucket] });
}
`;

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

/** `createWorkspace()` with the Next.js site of `web` in the stack. */
export async function createWorkspaceWithSite(): Promise<Tree> {
  const tree = await createWorkspace();
  await siteGenerator(tree, { project: 'web', skipFormat: true });
  return tree;
}

/**
 * The sample bindings of the generator specs, on a tree with the infra app: the site of `web`, a
 * function `worker` in `functions`, the bucket `public` bound to `web`, and the secret
 * `STRIPE_KEY` bound to `secretBind`.
 */
export async function addSampleResources(tree: Tree, secretBind: string[]): Promise<void> {
  await siteGenerator(tree, { project: 'web', skipFormat: true });
  await resourceGenerator(tree, {
    type: 'function',
    name: 'worker',
    handler: 'libs/functions/src/index.handler',
    skipFormat: true,
  });
  await resourceGenerator(tree, { type: 'bucket', name: 'public', bind: ['web'], skipFormat: true });
  await secretGenerator(tree, { name: 'STRIPE_KEY', bind: secretBind, skipFormat: true });
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
