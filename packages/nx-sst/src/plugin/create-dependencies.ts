import { DependencyType, type CreateDependencies, type RawProjectGraphDependency } from '@nx/devkit';
import type { NxSstPluginOptions } from './create-nodes';
import { readWorkspaceBindings } from './graph';

/**
 * A bound project depends on the infra app that binds it: a change to a stack then makes `nx affected`
 * select the bound projects, and nothing else. Read statically from the committed stack sources, so the
 * edges exist in a clean checkout before anything has run. The edges are implicit: Nx requires a static
 * edge's source file to belong to the dependent project, and here the evidence lives in the infra app.
 */
export const createDependencies: CreateDependencies<NxSstPluginOptions> = (_options, context) => {
  const projectFiles = Object.fromEntries(
    Object.entries(context.fileMap.projectFileMap).map(([name, files]) => [name, files]),
  );
  const dependencies: RawProjectGraphDependency[] = [];
  for (const { infra, projects } of readWorkspaceBindings(
    context.workspaceRoot,
    context.projects,
    projectFiles,
  )) {
    for (const bound of projects.keys()) {
      if (bound === infra.name) continue;
      dependencies.push({ source: bound, target: infra.name, type: DependencyType.implicit });
    }
  }
  return dependencies;
};
