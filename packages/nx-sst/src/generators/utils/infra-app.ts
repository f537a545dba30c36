import { CONSTRUCT_ID_PATTERN } from '@nx-sst/runtime/wire';
import { isNxSstError } from '../../core/errors';
import { chooseInfraApp, findInfraAppFolders, type WorkspaceFiles } from '../../core/infra-apps';
import { CONFIG_FILE_NAMES } from '../../core/nx-project';
import { getProjects, joinPathFragments, type ProjectConfiguration, type Tree } from '@nx/devkit';
import { createProjectLocator } from '../../plugin/bindings';
import * as path from 'node:path';
import * as ts from 'typescript';
import { handlerFile, normalizeLocation, property, type StackConstruct } from '../../plugin/stack-source';
import { StackEditor } from './stack-editor';

/** The config names the CLI and the plugin know, so a generator sees the same apps. */
export const SST_CONFIG_FILES = CONFIG_FILE_NAMES;

/** Construct ids as the wire format allows them. */
export const ID_PATTERN = CONSTRUCT_ID_PATTERN;

export interface InfraApp {
  name: string;
  root: string;
  configFile: string;
}

/** `WorkspaceFiles` over a devkit Tree: what the generators see, changes of the run included. */
export function treeFiles(tree: Tree): WorkspaceFiles {
  return {
    children(rel) {
      const dir = rel === '.' ? '' : rel;
      return tree.children(dir).map((name) => {
        const isFile = tree.isFile(joinPathFragments(dir, name));
        return { name, isFile, isFolder: !isFile };
      });
    },
  };
}

/**
 * Every infra app of the workspace, found by the CLI's rule (`findInfraAppFolders`), named by the
 * project at its folder (a folder that is no project keeps its folder name, as on the CLI).
 */
export function findInfraApps(tree: Tree): InfraApp[] {
  const names = new Map([...getProjects(tree)].map(([name, p]) => [normalizeLocation(p.root) || '.', name]));
  return findInfraAppFolders(treeFiles(tree)).map(({ root, configFile }) => ({
    name: names.get(root) ?? path.posix.basename(root === '.' ? tree.root : root),
    root,
    configFile,
  }));
}

/**
 * The infra app a generator works on: `--app`, or the only one in the workspace. The CLI's refusals;
 * Nx prints only an error's message, so the fix is part of it.
 */
export function resolveInfraApp(tree: Tree, app: string | undefined): InfraApp {
  try {
    return chooseInfraApp(findInfraApps(tree), app, tree.root);
  } catch (error) {
    if (!isNxSstError(error)) throw error;
    throw new Error(error.hint ? `${error.message} ${error.hint}` : error.message);
  }
}

export function stackFile(tree: Tree, app: InfraApp, stack: string): string {
  if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(stack)) {
    throw new Error(`Invalid stack name '${stack}': a stack is an exported function, e.g. 'Default'.`);
  }
  const file = joinPathFragments(app.root, 'stacks', `${stack}.ts`);
  if (!tree.exists(file)) {
    const existing = (
      tree.exists(joinPathFragments(app.root, 'stacks'))
        ? tree.children(joinPathFragments(app.root, 'stacks'))
        : []
    )
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.replace(/\.ts$/, ''));
    throw new Error(
      `Stack '${stack}' not found: ${file} does not exist.` +
        (existing.length ? ` Stacks of '${app.name}': ${existing.join(', ')}.` : ''),
    );
  }
  return file;
}

/** Every stack file of the app with an editor over it (for app-wide checks such as id uniqueness). */
export function readStackFiles(tree: Tree, app: InfraApp): { file: string; editor: StackEditor }[] {
  const dir = joinPathFragments(app.root, 'stacks');
  if (!tree.exists(dir)) return [];
  const files: string[] = [];
  const walk = (path: string) => {
    for (const child of tree.children(path)) {
      const full = joinPathFragments(path, child);
      if (tree.isFile(full)) {
        if (/\.(ts|mts|js|mjs)$/.test(child) && !/\.(spec|test)\.|\.d\.ts$/.test(child)) files.push(full);
      } else {
        walk(full);
      }
    }
  };
  walk(dir);
  return files.sort().map((file) => ({ file, editor: new StackEditor(file, tree.read(file, 'utf-8')!) }));
}

export function assertValidId(id: string | undefined, what: string): asserts id is string {
  if (!id || !ID_PATTERN.test(id)) {
    throw new Error(
      `Invalid ${what} '${id ?? ''}': it must start with a letter and hold only letters, digits, '-' and '_' ` +
        `(e.g. 'uploads').`,
    );
  }
}

/**
 * Refuses an id that another construct of the app already uses (CDK ids and env var names must be
 * unique), naming it; a generator run again with the same name fails too rather than exit 0 having
 * done nothing. Binding what exists is the bind generator's job, which the message names.
 */
export function assertIdFree(stacks: { file: string; editor: StackEditor }[], id: string): void {
  const key = id.replace(/-/g, '_');
  for (const { file, editor } of stacks) {
    for (const construct of editor.constructs) {
      if (construct.id.replace(/-/g, '_') !== key) continue;
      const same = construct.id === id;
      throw new Error(
        `A construct with id '${construct.id}' already exists (${construct.type} in ${file}). ` +
          (same
            ? `Choose another name, or, to bind the existing ${construct.type} to a project: ` +
              `nx g nx-sst:bind --resource ${construct.id} --project <project>`
            : `Ids are unique per app ('-' and '_' count as the same); choose another name.`),
      );
    }
  }
}

export function readProject(tree: Tree, name: string): ProjectConfiguration & { name: string } {
  const projects = getProjects(tree);
  const project = projects.get(name);
  if (!project) {
    throw new Error(
      `Cannot find project '${name}'. Projects: ${[...projects.keys()].sort().join(', ') || '(none)'}.`,
    );
  }
  return { ...project, name };
}

/**
 * The bind targets of a project in a stack: the sites whose `path` is the project's root, and the
 * functions (Function, Api routes, Cron jobs, Queue consumers) whose handler lives in it.
 */
export function targetsOfProject(
  tree: Tree,
  editor: StackEditor,
  project: { root: string },
): StackConstruct[] {
  const locate = createProjectLocator([...getProjects(tree).values()].map((p) => p.root));
  const root = normalizeLocation(project.root);
  return editor.constructs.filter((c) =>
    c.targets.some((t) => {
      const location = normalizeLocation(t.location);
      const path = t.locationKind === 'handler' ? handlerFile(location) : location;
      return locate(path) === root;
    }),
  );
}

/** Refuses a workspace path that escapes the workspace or is absolute. */
export function assertInsideWorkspace(path: string, what: string): string {
  const normalized = normalizeLocation(path);
  if (
    !normalized ||
    normalized.startsWith('/') ||
    /^[A-Za-z]:/.test(normalized) ||
    normalized.split('/').includes('..')
  ) {
    throw new Error(
      `Invalid ${what} '${path}': it must be a path inside the workspace, relative to its root.`,
    );
  }
  return normalized;
}

/** The `name` returned by `config()` in an sst.config, read statically (undefined when computed). */
export function configuredAppName(text: string): string | undefined {
  const sourceFile = ts.createSourceFile('sst.config.ts', text, ts.ScriptTarget.Latest, true);
  let name: string | undefined;
  const visit = (node: ts.Node) => {
    if (ts.isReturnStatement(node) && node.expression && ts.isObjectLiteralExpression(node.expression)) {
      const value = property(node.expression, 'name');
      if (value && ts.isStringLiteral(value)) name ??= value.text;
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return name;
}
