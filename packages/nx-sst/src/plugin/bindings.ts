import { posix } from 'node:path';
import { constructKind, CONSTRUCTS_MODULE, handlerFile, normalizeLocation } from './catalog';
import type { BoundRef } from './stack-source';

/** A project as the graph knows it. */
export interface ProjectRef {
  name: string;
  root: string;
}

/** What one infra app binds, read statically from its stack sources (no code is run). */
export interface StaticBindings {
  /** Every bindable construct, sorted by type then id. */
  resources: { type: string; id: string; stack?: string; file: string }[];
  /** Every place that runs with bindings and the project that holds it, sorted by id then location. */
  targets: {
    id: string;
    type: string;
    /** Workspace-relative: a site's folder, or a handler's file without extension. */
    location: string;
    /** Workspace-relative project root holding the target (resolved by the caller), if any. */
    projectRoot?: string;
    bindings: { type: string; id: string }[];
    stack?: string;
    file: string;
  }[];
}

/** Does this file (by content) declare constructs at all? A cheap test before parsing. */
export function mayDeclareConstructs(text: string): boolean {
  return text.includes(CONSTRUCTS_MODULE);
}

/**
 * Reads the bindings declared in an infra app's stack files, without placing targets in projects
 * (`projectRoot` is left unset: see `locateTargets`). Pure: the result is cached by file content.
 */
export function readStaticBindings(files: { file: string; content: string }[]): StaticBindings {
  const result: StaticBindings = { resources: [], targets: [] };
  for (const { file, content } of files) {
    if (!mayDeclareConstructs(content)) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: createNodes with a warm cache never loads the TypeScript compiler (~145 ms)
    const { parseStackSource } = require('./stack-source') as typeof import('./stack-source');
    const source = parseStackSource(file, content);
    const byVariable = new Map(
      source.constructs.filter((c) => c.variable).map((c) => [c.variable as string, c]),
    );
    const resolve = (ref: BoundRef) => {
      const bound = 'variable' in ref ? byVariable.get(ref.variable) : ref;
      return bound && constructKind(bound.type)?.module ? { type: bound.type, id: bound.id } : undefined;
    };
    for (const construct of source.constructs) {
      if (constructKind(construct.type)?.module) {
        result.resources.push({ type: construct.type, id: construct.id, stack: construct.stack, file });
      }
      for (const target of construct.targets) {
        const location = normalizeLocation(target.location);
        result.targets.push({
          id: construct.id,
          type: construct.type,
          location: target.locationKind === 'handler' ? handlerFile(location) : location,
          bindings: dedupeSorted(
            [...construct.bound, ...target.bound]
              .map(resolve)
              .filter((b): b is { type: string; id: string } => !!b),
          ),
          stack: construct.stack,
          file,
        });
      }
    }
  }
  result.resources.sort((a, b) => compare(a.type, b.type) || compare(a.id, b.id));
  result.targets.sort((a, b) => compare(a.id, b.id) || compare(a.location, b.location));
  return result;
}

/**
 * Places each target in the project that holds its location. Locations in stacks are
 * workspace-relative, as the constructs resolve them (`path: 'apps/web'`, handlers likewise).
 */
export function locateTargets(
  bindings: StaticBindings,
  locate: (workspacePath: string) => string | undefined,
): StaticBindings {
  return {
    resources: bindings.resources,
    targets: bindings.targets.map((t) => ({
      ...t,
      projectRoot: locate(t.location),
    })),
  };
}

/** Per bound project: the resources bound to it, `Type.id`, sorted. Projects with no target are absent. */
export function bindingsByProject(
  bindings: StaticBindings,
): Map<string, { targets: string[]; resources: string[] }> {
  const byRoot = new Map<string, { targets: Set<string>; resources: Set<string> }>();
  for (const target of bindings.targets) {
    if (target.projectRoot === undefined) continue;
    const entry = byRoot.get(target.projectRoot) ?? { targets: new Set(), resources: new Set() };
    entry.targets.add(target.id);
    for (const b of target.bindings) entry.resources.add(`${b.type}.${b.id}`);
    byRoot.set(target.projectRoot, entry);
  }
  return new Map(
    [...byRoot].map(([root, e]) => [
      root,
      { targets: [...e.targets].sort(compare), resources: [...e.resources].sort(compare) },
    ]),
  );
}

/**
 * Finds the project holding a workspace-relative path: the deepest root that contains it. Roots are
 * workspace-relative; `''` or `.` is the workspace root project, which is ignored (it holds everything).
 */
export function createProjectLocator(roots: Iterable<string>): (path: string) => string | undefined {
  const set = new Set([...roots].map(normalizeLocation).filter((r) => r !== '' && r !== '.'));
  return (path: string) => {
    let current = normalizeLocation(path);
    while (current && current !== '.' && !current.startsWith('..')) {
      if (set.has(current)) return current;
      const parent = posix.dirname(current);
      if (parent === current) break;
      current = parent;
    }
    return undefined;
  };
}

function dedupeSorted(items: { type: string; id: string }[]): { type: string; id: string }[] {
  const seen = new Map(items.map((i) => [`${i.type}.${i.id}`, i]));
  return [...seen.values()].sort((a, b) => compare(a.type, b.type) || compare(a.id, b.id));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
