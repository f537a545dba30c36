import type { Tree } from '@nx/devkit';
import type { StackConstruct } from '../../plugin/stack-source';
import { readProject, readStackFiles, targetsOfProject, type InfraApp } from './infra-app';
import type { StackEditor } from './stack-editor';

export interface ProjectTargets {
  project: { name: string; root: string };
  targets: StackConstruct[];
}

/**
 * The bind targets, in the stack file being edited, of each named project. Refuses, before anything is
 * written, a project with no target there: binding needs code that runs (a site or a function), and
 * inventing a handler file for a library would deploy code nobody wrote.
 */
export function resolveBindTargets(
  tree: Tree,
  app: InfraApp,
  file: string,
  editor: StackEditor,
  projects: string[],
): ProjectTargets[] {
  const result: ProjectTargets[] = [];
  for (const name of [...new Set(projects)]) {
    const project = readProject(tree, name);
    const targets = targetsOfProject(tree, editor, project);
    if (targets.length === 0) {
      const elsewhere = readStackFiles(tree, app)
        .filter((s) => s.file !== file)
        .find((s) => targetsOfProject(tree, s.editor, project).length > 0);
      if (elsewhere) {
        throw new Error(
          `Project '${name}' is a target in ${elsewhere.file}, not in ${file}. ` +
            `Pass --stack for that stack, or bind across stacks by hand with use().`,
        );
      }
      throw new Error(
        `Project '${name}' has nothing in ${file} that runs its code, so nothing can be bound to it. ` +
          `For a frontend, run \`nx g nx-sst:site --project ${name}\`; for a library, add a Function whose ` +
          `handler lives in it: \`nx g nx-sst:resource --type function --name <id> --handler ${project.root}/src/index.handler\`.`,
      );
    }
    result.push({ project: { name, root: project.root }, targets });
  }
  return result;
}
