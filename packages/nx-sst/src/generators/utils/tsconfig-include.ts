import type { Tree } from '@nx/devkit';
import { parseJson } from 'nx/src/utils/json';
import { joinPathFragments } from 'nx/src/utils/path';
import { dirname, posix } from 'node:path';
import { projectTypeFiles } from '../../types/project-types';
import { PROJECT_TYPES_FILE } from '../../types/render';

/**
 * The tsconfig files of a project that compile its sources, in the layouts Nx generates: the project's
 * own `tsconfig.json` (a Next.js app, or a project without a solution file), `tsconfig.app.json` /
 * `tsconfig.lib.json` (TS solution-style project references and the older integrated layout alike),
 * and `tsconfig.spec.json` for its tests.
 */
export const PROJECT_TSCONFIGS = [
  'tsconfig.json',
  'tsconfig.app.json',
  'tsconfig.lib.json',
  'tsconfig.spec.json',
];

/**
 * Makes the compiler see a bound project's `sst-env.d.ts`: adds it to the `include` of each of the
 * project's tsconfig files that has one (a solution-style `"include": []` compiles nothing and is left
 * alone, and a tsconfig without `include` already takes every file of its folder), unless a pattern
 * there covers it already. The edit is textual, so comments and formatting stay. Returns the files changed.
 */
export function includeProjectTypes(tree: Tree, projectRoot: string): string[] {
  const changed: string[] = [];
  for (const name of PROJECT_TSCONFIGS) {
    const file = joinPathFragments(projectRoot, name);
    const text = tree.read(file, 'utf-8');
    if (text === null) continue;
    let include: unknown;
    try {
      include = (parseJson(text) as { include?: unknown })?.include;
    } catch {
      continue; // A tsconfig TypeScript cannot read either is the user's to fix, not ours.
    }
    if (!Array.isArray(include) || include.length === 0) continue;
    if (include.some((p) => typeof p === 'string' && includes(p, PROJECT_TYPES_FILE, posix.dirname(file))))
      continue;
    const updated = appendToInclude(text, PROJECT_TYPES_FILE);
    if (updated !== undefined && updated !== text) {
      tree.write(file, updated);
      changed.push(file);
    }
  }
  return changed;
}

/**
 * Whether a tsconfig `include` pattern takes `file`, both relative to the tsconfig's folder `dir`
 * (workspace-relative), with TypeScript's rules: `*` and `?` within a path segment, `**` at any depth;
 * a path without wildcards whose last segment has no extension is a folder and takes all below it.
 */
export function includes(pattern: string, file: string, dir = '.'): boolean {
  const spec = posix.normalize(posix.join(dir, pattern.replace(/\\/g, '/'))).replace(/\/+$/, '') || '.';
  const target = posix.normalize(posix.join(dir, file));
  if (!/[*?[]/.test(spec) && !/\.[^./]+$/.test(posix.basename(spec))) {
    return spec === '.' || target.startsWith(`${spec}/`);
  }
  // Most patterns start with a folder the file is not in (`src/**/*.ts`): no glob matching needed.
  const literal = spec.split('/').findIndex((segment) => /[*?[]/.test(segment));
  const prefix = spec.split('/').slice(0, literal).join('/');
  if (prefix && !target.startsWith(`${prefix}/`)) return false;
  const { minimatch } = nxDependency<{ minimatch(path: string, pattern: string, options: object): boolean }>(
    'minimatch',
  );
  return minimatch(target, spec, { dot: true });
}

/**
 * `text` with `value` appended to its top-level `include` array, in the array's own style: on its own
 * line with the last element's indentation when the array spans lines (after a comment that ends that
 * element's line), else after `, ` on the same line. Undefined when there is no such array.
 */
export function appendToInclude(text: string, value: string): string | undefined {
  const { parseTree, findNodeAtLocation } = nxDependency<typeof import('jsonc-parser')>('jsonc-parser');
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const array = root && findNodeAtLocation(root, ['include']);
  if (!array || array.type !== 'array' || !array.children?.length) return undefined;
  const last = array.children[array.children.length - 1];
  const afterLast = last.offset + last.length;
  const close = array.offset + array.length - 1;
  const gap = text.slice(afterLast, close);
  const hasComma = /^\s*,/.test(gap);
  const comma = hasComma ? '' : ',';
  const quoted = JSON.stringify(value);
  if (!text.slice(array.offset, close).includes('\n')) {
    return `${text.slice(0, afterLast)}${comma} ${quoted}${text.slice(afterLast)}`;
  }
  const lineStart = text.lastIndexOf('\n', last.offset) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart))![0];
  const newline = text.includes('\r\n') ? '\r\n' : '\n';
  const endOfLine = gap.indexOf('\n');
  // The new element goes after whatever shares the last element's line (its comma, a comment).
  const at =
    endOfLine === -1 ? afterLast : afterLast + (gap[endOfLine - 1] === '\r' ? endOfLine - 1 : endOfLine);
  const before = `${text.slice(0, afterLast)}${comma}${text.slice(afterLast, at)}`;
  return `${before}${newline}${indent}${quoted}${text.slice(at)}`;
}

/**
 * A package that Nx itself depends on (`nx` is a peer dependency of nx-sst), loaded from Nx's own
 * folder so that it resolves under every package manager's layout.
 */
function nxDependency<T>(id: string): T {
  let loaded = nxDependencies.get(id);
  if (!loaded) {
    const nxDir = dirname(require.resolve('nx/package.json'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- path known at run time: Nx's own copy
    loaded = require(require.resolve(id, { paths: [nxDir] }));
    nxDependencies.set(id, loaded);
  }
  return loaded as T;
}

/** Resolved once per process: `require.resolve` with `paths` is not cached by Node. */
const nxDependencies = new Map<string, unknown>();

/**
 * `includeProjectTypes` for every project the stacks bind (read statically, as the sync generator
 * reads them): what the generators that bind a project run after editing a stack.
 */
export function includeTypesInBoundProjects(tree: Tree): string[] {
  return [...projectTypeFiles(tree).keys()].flatMap((file) => includeProjectTypes(tree, posix.dirname(file)));
}
