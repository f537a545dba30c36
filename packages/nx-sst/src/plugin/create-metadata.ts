import type { CreateMetadata, ProjectsMetadata } from '@nx/devkit';
import type { NxSstPluginOptions } from './create-nodes';
import { readWorkspaceBindings } from './graph';

/**
 * Records on each project what it binds (`metadata.sst`), so `nx show project web` and the graph show
 * which resources of which infra app reach which project. The infra app lists its resources and the
 * projects it binds.
 */
export const createMetadata: CreateMetadata<NxSstPluginOptions> = (graph, _options, context) => {
  const projects = Object.fromEntries(
    Object.entries(graph.nodes).map(([name, node]) => [name, { root: node.data.root }]),
  );
  const metadata: ProjectsMetadata = {};
  const bindingsOf: Record<string, { app: string; targets: string[]; resources: string[] }[]> = {};
  for (const { infra, bindings, projects: bound } of readWorkspaceBindings(context.workspaceRoot, projects)) {
    metadata[infra.name] = {
      metadata: {
        sst: {
          resources: bindings.resources.map((r) => `${r.type}.${r.id}`),
          boundProjects: [...bound.keys()],
        },
      },
    };
    for (const [project, entry] of bound) {
      (bindingsOf[project] ??= []).push({ app: infra.name, ...entry });
    }
  }
  for (const [project, bindings] of Object.entries(bindingsOf)) {
    // An infra app that binds itself keeps its resources beside its bindings.
    const own = metadata[project]?.metadata?.sst as object | undefined;
    metadata[project] = { metadata: { sst: { ...own, bindings } } };
  }
  return metadata;
};
