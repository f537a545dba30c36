import { joinPathFragments, readJson, type Tree } from '@nx/devkit';
import * as ts from 'typescript';
import { normalizeLocation, property } from '../../plugin/stack-source';

export type SiteFramework = 'nextjs' | 'vite' | 'static';

const CONFIG_EXTENSIONS = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'];

/** The Vite config file of a project folder, if any (what makes it a Vite app to the StaticSite construct too). */
export function viteConfigFile(tree: Tree, root: string): string | undefined {
  return CONFIG_EXTENSIONS.map((ext) => joinPathFragments(root, `vite.config.${ext}`)).find((f) =>
    tree.exists(f),
  );
}

/**
 * What a frontend project is built with, from its files: Next.js (a `next.config.*`, `next` among its
 * package.json dependencies, a script that runs `next`, or an `@nx/next` target), else Vite (a
 * `vite.config.*`, a script that runs `vite`, or an `@nx/vite` target), else a plain static site.
 */
export function detectSiteFramework(tree: Tree, root: string): SiteFramework {
  const packageJsonPath = joinPathFragments(root, 'package.json');
  const pkg = tree.exists(packageJsonPath)
    ? readJson<{
        dependencies?: Record<string, string>;
        devDependencies?: Record<string, string>;
        scripts?: Record<string, string>;
      }>(tree, packageJsonPath)
    : {};
  const projectJsonPath = joinPathFragments(root, 'project.json');
  const targets = Object.values(
    tree.exists(projectJsonPath)
      ? (readJson<{
          targets?: Record<string, { executor?: string; command?: string; options?: { command?: string } }>;
        }>(tree, projectJsonPath).targets ?? {})
      : {},
  );
  const commands = [
    ...Object.values(pkg.scripts ?? {}),
    ...targets.map((t) => t.command ?? t.options?.command ?? ''),
  ];
  const runs = (tool: string) =>
    // `next dev`, `npx vite build`, `a && next build`, and the same once wrapped: `nx-sst bind -- next dev`.
    commands.some((c) => new RegExp(`(^|[;&|]\\s*|\\bnpx\\s+|--\\s+'?)${tool}(\\s|'|$)`).test(c.trim()));
  const executor = (plugin: string) => targets.some((t) => t.executor?.startsWith(`${plugin}:`));

  const nextConfig = CONFIG_EXTENSIONS.some((ext) =>
    tree.exists(joinPathFragments(root, `next.config.${ext}`)),
  );
  const nextDependency = !!(pkg.dependencies?.next ?? pkg.devDependencies?.next);
  if (nextConfig || nextDependency || runs('next') || executor('@nx/next')) return 'nextjs';
  if (viteConfigFile(tree, root) || runs('vite') || executor('@nx/vite')) return 'vite';
  return 'static';
}

/**
 * Where `vite build` writes, relative to the project folder: `build.outDir` when the config sets it to a
 * string literal, else Vite's default `dist`.
 */
export function viteOutDir(tree: Tree, root: string): string {
  const file = viteConfigFile(tree, root);
  if (!file) return 'dist';
  const source = ts.createSourceFile(file, tree.read(file, 'utf-8')!, ts.ScriptTarget.Latest, true);
  let outDir: string | undefined;
  const visit = (node: ts.Node) => {
    if (ts.isObjectLiteralExpression(node) && !outDir) {
      const build = property(node, 'build');
      const value = build && ts.isObjectLiteralExpression(build) ? property(build, 'outDir') : undefined;
      if (value && (ts.isStringLiteral(value) || ts.isNoSubstitutionTemplateLiteral(value)))
        outDir = value.text;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return outDir ? normalizeLocation(outDir) || 'dist' : 'dist';
}
