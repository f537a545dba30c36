import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { workspaceDataDirectoryForWorkspace } from 'nx/src/utils/cache-directory';
import { createProjectLocator, locateTargets, type StaticBindings } from './bindings';
import { BindingsCache, isStackSource, listInfraSources, SST_CONFIG_FILES } from './infra-sources';

export interface InfraBindings {
  infra: { name: string; root: string };
  bindings: StaticBindings;
  /** Bound project name → the targets it holds and the resources bound to them (`Type.id`), sorted. */
  projects: Map<string, { targets: string[]; resources: string[] }>;
}

/**
 * What every infra app of the workspace binds, per project, read statically from the stack sources.
 * `files` gives each project's files with content hashes (Nx's file map) when the caller has it;
 * otherwise the infra apps' sources are listed and hashed from disk.
 */
export function readWorkspaceBindings(
  workspaceRoot: string,
  projects: Record<string, { root: string }>,
  files?: Record<string, { file: string; hash: string }[]>,
): InfraBindings[] {
  const cacheFile = files ? 'nx-sst-dependencies.json' : 'nx-sst-metadata.json';
  const cache = new BindingsCache(join(workspaceDataDirectoryForWorkspace(workspaceRoot), cacheFile));
  const rootToName = new Map(Object.entries(projects).map(([name, p]) => [p.root, name]));
  const locate = createProjectLocator(rootToName.keys());
  const result: InfraBindings[] = [];
  try {
    for (const [name, project] of Object.entries(projects).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!SST_CONFIG_FILES.some((f) => existsSync(join(workspaceRoot, project.root, f)))) continue;
      const projectFiles = files?.[name]?.filter(
        (f) => isStackSource(f.file) && !isIgnoredPath(project.root, f.file),
      );
      const raw = projectFiles
        ? cache.get(
            workspaceRoot,
            projectFiles.map((f) => f.file).sort(),
            new Map(projectFiles.map((f) => [f.file, f.hash])),
          )
        : cache.get(workspaceRoot, listInfraSources(workspaceRoot, project.root));
      const bindings = locateTargets(raw, locate);
      const byProject = new Map<string, { targets: Set<string>; resources: Set<string> }>();
      for (const target of bindings.targets) {
        const bound = target.projectRoot !== undefined ? rootToName.get(target.projectRoot) : undefined;
        // A project that is its own infra app (a site at its path, a function in it) is bound too.
        if (!bound) continue;
        const entry = byProject.get(bound) ?? { targets: new Set(), resources: new Set() };
        entry.targets.add(target.id);
        // A StaticSite takes no bindings (the construct refuses a `bind`; its browser code gets values
        // through `environment`), so a `bind` written on one is not listed as if it were real.
        if (target.type !== 'StaticSite') {
          for (const b of target.bindings) entry.resources.add(`${b.type}.${b.id}`);
        }
        byProject.set(bound, entry);
      }
      result.push({
        infra: { name, root: project.root },
        bindings,
        projects: new Map(
          [...byProject]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([p, e]) => [p, { targets: [...e.targets].sort(), resources: [...e.resources].sort() }]),
        ),
      });
    }
  } finally {
    cache.write();
  }
  return result;
}

/** Files under an infra app that hold no stack sources (same folders `listInfraSources` skips). */
function isIgnoredPath(root: string, file: string): boolean {
  if (root === '.' || root === '') return !file.startsWith('stacks/');
  const rel = file.slice(root.length + 1);
  return rel
    .split('/')
    .slice(0, -1)
    .some(
      (d) => d.startsWith('.') || ['node_modules', 'cdk.out', 'dist', 'build', 'coverage', 'tmp'].includes(d),
    );
}
