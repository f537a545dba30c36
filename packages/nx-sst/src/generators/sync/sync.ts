import { getProjects, joinPathFragments, type Tree } from '@nx/devkit';
import type { SyncGeneratorResult } from 'nx/src/utils/sync-generators';
import * as ts from 'typescript';
import { createProjectLocator, locateTargets, readStaticBindings } from '../../plugin/bindings';
import { constructKind, property } from '../../plugin/stack-source';
import type { BindingModel } from '../../types/binding-model';
import { GENERATED_HEADER, PROJECT_TYPES_FILE, renderProjectTypes } from '../../types/types';
import { findInfraApps, type InfraApp } from '../utils/infra-app';

/**
 * The task sync generator `nx-sst:sync`: each bound project's `sst-env.d.ts` declares exactly what
 * its stacks bind to it. Cheap and deterministic — it reads the stack sources through the TypeScript
 * AST (the same reading that gives the graph its edges), runs no user code and touches nothing outside
 * bound projects, except to delete a generated file from a project that is no longer bound.
 */
export async function syncGenerator(tree: Tree): Promise<SyncGeneratorResult> {
  const desired = desiredProjectTypes(tree);
  const changed: string[] = [];
  for (const [file, content] of desired) {
    const current = tree.read(file, 'utf-8');
    if (current !== content) {
      tree.write(file, content);
      changed.push(`${file}: ${current === null ? 'missing' : 'out of date'}`);
    }
  }
  for (const project of getProjects(tree).values()) {
    const file = joinPathFragments(project.root, PROJECT_TYPES_FILE);
    if (desired.has(file) || !tree.exists(file)) continue;
    if (tree.read(file, 'utf-8')!.startsWith(GENERATED_HEADER)) {
      tree.delete(file);
      changed.push(`${file}: the project is no longer bound`);
    }
  }
  if (changed.length === 0) return;
  return {
    outOfSyncMessage: 'The sst-env.d.ts of bound projects do not match the bindings in the stacks.',
    outOfSyncDetails: changed.sort(),
  };
}

/** File → content for every bound project's declarations, across every infra app. */
export function desiredProjectTypes(tree: Tree): Map<string, string> {
  const projects = [...getProjects(tree)].map(([name, p]) => ({ name, root: p.root }));
  const byRoot = new Map(projects.map((p) => [p.root, p]));
  const locate = createProjectLocator(byRoot.keys());
  const parts = new Map<string, string[]>();
  for (const app of findInfraApps(tree)) {
    const model = staticBindingModel(tree, app, locate, byRoot);
    const bound = [
      ...new Set(model.targets.map((t) => t.project?.name).filter((n): n is string => !!n)),
    ].sort();
    for (const name of bound) {
      const project = byRoot.get(model.targets.find((t) => t.project?.name === name)!.project!.root)!;
      if (project.root === app.root) continue;
      const file = joinPathFragments(project.root, PROJECT_TYPES_FILE);
      // The same header as `nx run <app>:types` writes, so the two never disagree about a file.
      const content = renderProjectTypes(model, name, {
        infraApp: `${app.name} (${app.root})`,
        regenerate: `nx run ${app.name}:types`,
      });
      parts.set(file, [...(parts.get(file) ?? []), content]);
    }
  }
  // Several apps binding one project: their declarations merge (TypeScript merges the interfaces).
  return new Map(
    [...parts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([file, contents]) => [file, contents.join('\n')]),
  );
}

/** The binding model of an app as its stack sources declare it, read from the tree. */
export function staticBindingModel(
  tree: Tree,
  app: InfraApp,
  locate: (path: string) => string | undefined,
  byRoot: Map<string, { name: string; root: string }>,
): BindingModel {
  const files: { file: string; content: string }[] = [];
  const walk = (dir: string) => {
    for (const child of tree.children(dir)) {
      const path = joinPathFragments(dir, child);
      if (tree.isFile(path)) {
        if (/\.(ts|mts|cts|js|mjs|cjs)$/.test(child) && !/\.d\.[mc]?ts$|\.(spec|test)\./.test(child)) {
          files.push({ file: path, content: tree.read(path, 'utf-8')! });
        }
      } else if (!child.startsWith('.') && !['node_modules', 'cdk.out', 'dist'].includes(child)) {
        walk(path);
      }
    }
  };
  // An app at the workspace root keeps its stacks in stacks/ (as the graph plugin reads them).
  walk(app.root === '.' || app.root === '' ? 'stacks' : app.root);
  files.sort((a, b) => (a.file < b.file ? -1 : 1));
  const bindings = locateTargets(readStaticBindings(files), locate);
  const name = configuredAppName(tree.read(app.configFile, 'utf-8')!) ?? app.name;
  return {
    app: name,
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
      project: t.projectRoot !== undefined ? byRoot.get(t.projectRoot) : undefined,
      bindings: t.bindings,
      stack: t.stack ?? '',
    })),
  };
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

export default syncGenerator;
