import type { Tree } from '@nx/devkit';
import { existsSync } from 'node:fs';
import { join, posix } from 'node:path';
// Nx's own modules rather than @nx/devkit's index: a `nx run` has loaded them already, while the
// index would load the whole devkit (some 60 ms) in every task run that runs this sync generator.
import { getProjects } from 'nx/src/generators/utils/project-configuration';
import { workspaceDataDirectoryForWorkspace } from 'nx/src/utils/cache-directory';
import { joinPathFragments } from 'nx/src/utils/path';
import { globWithWorkspaceContextSync } from 'nx/src/utils/workspace-context';
import { constructKind, normalizeLocation } from '../plugin/catalog';
import { BindingsCache, listInfraSourcesWith, SST_CONFIG_FILES } from '../plugin/infra-sources';
import type { BindingModel } from './binding-model';
import { GENERATED_HEADER, PROJECT_TYPES_FILE, renderProjectTypes } from './render';

/**
 * What each bound project's `sst-env.d.ts` holds, computed one way for the sync generator and for
 * `nx-sst types`/`deploy`, so the two write the same bytes in every layout. An infra app's part comes
 * from its real construct tree when the caller has it (`types`), else from its stack sources read
 * statically (no user code runs). A project bound by several apps gets every app's part, one after
 * the other in the order of their roots (TypeScript merges the interfaces).
 */

/** An infra app as Nx sees it: a project whose folder holds an `sst.config.{ts,js,mjs}`. */
export interface TypesApp {
  /** Its Nx project name (what `nx run <name>:types` needs). */
  name: string;
  /** Workspace-relative, `.` for the workspace root. */
  root: string;
}

/** The workspace as the types see it: Nx projects by root, and the infra apps among them. */
export interface TypesWorkspace {
  /** Project root (`.` for the workspace root) → Nx project name. */
  projects: Map<string, string>;
  apps: TypesApp[];
  /** The project that holds a workspace-relative path: the deepest project root containing it. */
  locate(path: string): { name: string; root: string } | undefined;
}

/** The generated file of the project at `root`. */
export function projectTypesFile(root: string): string {
  return joinPathFragments(root, PROJECT_TYPES_FILE);
}

export function isGenerated(content: string | null | undefined): boolean {
  return !!content?.startsWith(GENERATED_HEADER);
}

/**
 * Projects as Nx names them (the Tree's project files), plus what the nx-sst plugin makes a project
 * on its own: a folder with an `sst.config.*` and a `package.json` that no package manager workspace
 * lists (the workspace root's own among them), named by that `package.json`'s `name`.
 */
export function readTypesWorkspace(tree: Tree): TypesWorkspace {
  const projects = new Map<string, string>();
  for (const [name, project] of getProjects(tree)) projects.set(normalizeRoot(project.root), name);
  const apps: TypesApp[] = [];
  const configRoots = new Set(
    globTree(
      tree,
      SST_CONFIG_FILES.flatMap((f) => [f, `**/${f}`]),
    ).map((f) => normalizeRoot(posix.dirname(f))),
  );
  for (const root of [...configRoots].sort(compare)) {
    const name = projects.get(root) ?? packageName(tree, root);
    if (name === undefined) continue;
    projects.set(root, name);
    apps.push({ name, root });
  }
  const locate = (path: string) => {
    let current = normalizeRoot(normalizeLocation(path));
    if (current.startsWith('..') || posix.isAbsolute(current)) return undefined;
    for (;;) {
      const name = projects.get(current);
      if (name !== undefined) return { name, root: current };
      if (current === '.') return undefined;
      current = normalizeRoot(posix.dirname(current));
    }
  };
  return { projects, apps, locate };
}

/**
 * File → content of every bound project's `sst-env.d.ts`, across every infra app. `models` (by app
 * root) replaces the static reading of those apps with their real binding model; `extraApps` are
 * apps with a model that Nx does not see as projects (they are added, never renamed).
 */
export function projectTypeFiles(
  tree: Tree,
  opts: {
    workspace?: TypesWorkspace;
    models?: Map<string, BindingModel>;
    extraApps?: TypesApp[];
    cache?: BindingsCache;
  } = {},
): Map<string, string> {
  const workspace = opts.workspace ?? readTypesWorkspace(tree);
  const apps = [...workspace.apps];
  for (const extra of opts.extraApps ?? []) {
    if (!apps.some((a) => a.root === normalizeRoot(extra.root)))
      apps.push({ ...extra, root: normalizeRoot(extra.root) });
  }
  apps.sort((a, b) => compare(a.root, b.root));
  const cache = opts.cache ?? new BindingsCache(undefined);
  const parts = new Map<string, string[]>();
  for (const app of apps) {
    const model = opts.models?.get(app.root) ?? staticBindingModel(tree, app, workspace, cache);
    const bound = new Map<string, string>();
    for (const t of model.targets) if (t.project) bound.set(t.project.name, t.project.root);
    for (const [name, root] of [...bound].sort(([a], [b]) => compare(a, b))) {
      const file = projectTypesFile(normalizeRoot(root));
      // The header names the app as Nx does, and the command that writes the file from the real tree.
      const content = renderProjectTypes(model, name, {
        infraApp: `${app.name} (${app.root})`,
        regenerate: `nx run ${app.name}:types`,
      });
      parts.set(file, [...(parts.get(file) ?? []), content]);
    }
  }
  return new Map(
    [...parts].sort(([a], [b]) => compare(a, b)).map(([file, contents]) => [file, contents.join('\n')]),
  );
}

/** The binding model of an app as its stack sources declare it, read from the tree (no code runs). */
export function staticBindingModel(
  tree: Tree,
  app: TypesApp,
  workspace: Pick<TypesWorkspace, 'locate'>,
  cache: BindingsCache,
): BindingModel {
  const sources = listInfraSourcesWith((dir) => readdir(tree, dir), app.root);
  const bindings = cache.get(tree.root, sources, undefined, (f) => tree.read(f, 'utf-8') ?? '');
  return {
    app: app.name,
    stage: '',
    ssmPrefix: '',
    resources: bindings.resources.map((r) => ({
      type: r.type,
      id: r.id,
      clientPackage: constructKind(r.type)!.module!,
      props: constructKind(r.type)!.props,
      stack: r.stack ?? '',
    })),
    targets: bindings.targets.map((t) => ({
      id: t.id,
      kind: constructKind(t.type)?.target ?? 'function',
      project: workspace.locate(t.location),
      bindings: t.bindings,
      stack: t.stack ?? '',
    })),
  };
}

/**
 * The cache of static readings kept between runs in Nx's workspace data folder, when the tree is a
 * workspace on disk (a test's virtual tree keeps it in memory only).
 */
export function typesCache(tree: Tree): BindingsCache {
  const onDisk = existsSync(join(tree.root, 'nx.json'));
  return new BindingsCache(
    onDisk ? join(workspaceDataDirectoryForWorkspace(tree.root), 'nx-sst-types.json') : undefined,
  );
}

/**
 * Files matching `patterns`: from Nx's file index of the workspace (what `getProjects` reads too,
 * so ignored folders stay out), and those created or deleted in the tree since.
 */
function globTree(tree: Tree, patterns: string[]): string[] {
  let onDisk: string[] = [];
  try {
    onDisk = globWithWorkspaceContextSync(tree.root, patterns);
  } catch {
    // No file index for this root (not a workspace on disk): only the tree's own changes count.
  }
  const names = new Set(patterns.map((p) => posix.basename(p)));
  const changed = tree
    .listChanges()
    .filter((c) => c.type !== 'DELETE' && names.has(posix.basename(c.path)))
    .map((c) => c.path);
  return [...new Set([...onDisk, ...changed])].filter((f) => tree.exists(f)).sort(compare);
}

function packageName(tree: Tree, root: string): string | undefined {
  const text = tree.read(joinPathFragments(root, 'package.json'), 'utf-8');
  if (text === null) return undefined;
  try {
    const name = JSON.parse(text).name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

function readdir(tree: Tree, dir: string): { name: string; isDirectory: boolean; isFile: boolean }[] {
  return tree.children(dir).map((name) => {
    const isFile = tree.isFile(joinPathFragments(dir, name));
    return { name, isFile, isDirectory: !isFile };
  });
}

function normalizeRoot(root: string): string {
  const normalized = posix.normalize(root.replace(/\\/g, '/')).replace(/\/+$/, '');
  return normalized === '' ? '.' : normalized.replace(/^\.\//, '');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
