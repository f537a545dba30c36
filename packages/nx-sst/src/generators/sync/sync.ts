import type { Tree } from '@nx/devkit';
import { posix } from 'node:path';
import type { SyncGeneratorResult } from 'nx/src/utils/sync-generators';
import {
  isGenerated,
  projectTypeFiles,
  projectTypesFile,
  readTypesWorkspace,
  typesCache,
} from '../../types/project-types';
import { sameDeclarations } from '../../types/render';
import { includeProjectTypes } from '../utils/tsconfig-include';

/**
 * The sync generator `nx-sst:sync`: each bound project's `sst-env.d.ts` declares exactly what the
 * stacks bind to it, with the same bytes `nx run <app>:types` writes (see `project-types.ts`), and
 * the project's tsconfig files include it. Cheap and deterministic: it reads the stack sources
 * through the TypeScript AST (cached by their content, so an unchanged workspace never loads the
 * compiler), runs no user code, and touches nothing outside bound projects, except to delete a
 * generated file from a project that is no longer bound.
 *
 * Nx calls a sync generator with the tree alone and reads the result; `nx g nx-sst:sync` passes the
 * options too and calls whatever comes back as a callback (nx `generate.js`: `if (task) await task()`),
 * so then it returns nothing: the files written are listed by `nx g` itself.
 */
export async function syncGenerator(tree: Tree, options?: unknown): Promise<SyncGeneratorResult> {
  const details = syncProjectTypes(tree);
  if (options !== undefined || details.length === 0) return;
  return {
    outOfSyncMessage:
      "The sst-env.d.ts of bound projects (or their tsconfig's include) do not match the bindings in the stacks.",
    outOfSyncDetails: details,
  };
}

/** Brings every bound project's types in step with the stacks; returns what changed, one line per file. */
export function syncProjectTypes(tree: Tree): string[] {
  const cache = typesCache(tree);
  const changed: string[] = [];
  try {
    const workspace = readTypesWorkspace(tree);
    const desired = projectTypeFiles(tree, { workspace, cache });
    for (const [file, content] of desired) {
      const current = tree.read(file, 'utf-8');
      if (current === null || !sameDeclarations(current, content)) {
        tree.write(file, content);
        changed.push(`${file}: ${current === null ? 'missing' : 'out of date'}`);
      }
    }
    for (const root of workspace.projects.keys()) {
      const file = projectTypesFile(root);
      if (desired.has(file) || !tree.exists(file)) continue;
      // Only our own file goes: one without the header is the user's.
      if (isGenerated(tree.read(file, 'utf-8'))) {
        tree.delete(file);
        changed.push(`${file}: the project is no longer bound`);
      }
    }
    for (const file of desired.keys()) {
      for (const tsconfig of includeProjectTypes(tree, posix.dirname(file))) {
        changed.push(`${tsconfig}: sst-env.d.ts is not in "include"`);
      }
    }
  } finally {
    cache.write();
  }
  return changed.sort();
}

export default syncGenerator;
