import {
  installPackagesTask,
  joinPathFragments,
  logger,
  normalizePath,
  readJson,
  writeJson,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';
import * as ts from 'typescript';
import { initGenerator } from '../init/init';
import { readProject, SST_CONFIG_FILES } from '../utils/infra-app';
import { awsCdkLibVersion, constructsVersion, nxSstVersion } from '../utils/versions';
import {
  CONSTRUCT_ALTERNATIVES,
  MODULE_ALTERNATIVES,
  readProvidedPackage,
  type ProvidedPackage,
} from './provided';
import type { MigrateSstV2GeneratorSchema } from './schema';
import { migrateScript } from './scripts';

const CONSTRUCTS = '@nx-sst/constructs';
const RUNTIME = '@nx-sst/runtime';
/** The last aws-sdk v2 release line; `sst` v2 brought it in, so removing `sst` removes it. */
export const AWS_SDK_V2_VERSION = '^2.1693.0';

const SOURCE = /\.(?:[cm]?[jt]s|[jt]sx)$/;
const HANDLER_EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
/** Output and state folders: never source, often huge. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  '.sst',
  '.next',
  '.open-next',
  '.nx',
  '.git',
  'dist',
  'cdk.out',
  '.build',
  'coverage',
  '.turbo',
]);
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

interface Edit {
  start: number;
  end: number;
  text: string;
}

interface Migration {
  root: string;
  project: string;
  problems: string[];
  notes: string[];
  edits: Map<string, Edit[]>;
  /** Files that read `aws-sdk` (v2), whose package then needs it declared. */
  awsSdkUsers: string[];
  runtime: ProvidedPackage;
  constructs: ProvidedPackage;
}

/**
 * `nx g nx-sst:migrate-sst-v2 --project <name>`: docs/migrating-from-sst-v2.md's steps that need no
 * judgement, done on the devkit Tree (so `--dry-run` shows them). Everything is checked before anything
 * is written: an import nx-sst does not provide stops the run with every such place listed.
 */
export async function migrateSstV2Generator(
  tree: Tree,
  schema: MigrateSstV2GeneratorSchema,
): Promise<GeneratorCallback> {
  const { root, project } = appRoot(tree, schema.project);
  const searchFrom = [tree.root];
  const migration: Migration = {
    root,
    project,
    problems: [],
    notes: [],
    edits: new Map(),
    awsSdkUsers: [],
    runtime: readProvidedPackage(RUNTIME, searchFrom),
    constructs: readProvidedPackage(CONSTRUCTS, searchFrom),
  };

  const files = sourceFiles(tree, root);
  for (const file of files) migrateSource(tree, migration, file);
  const packageChanges = migratePackageJsons(tree, migration);

  if (migration.problems.length) {
    throw new Error(
      `Cannot migrate '${project}': ${migration.problems.length} place(s) use what nx-sst does not provide. ` +
        `Nothing was changed. Fix these (docs/migrating-from-sst-v2.md, "What nx-sst does not have"), then run again:\n` +
        migration.problems.map((p) => `  ${p}`).join('\n'),
    );
  }

  for (const [file, edits] of migration.edits) tree.write(file, applyEdits(tree.read(file, 'utf-8')!, edits));
  removeV2TypeFiles(tree, migration, files);
  packageChanges();
  await initGenerator(tree, { skipPackageJson: true, skipFormat: true });

  for (const note of migration.notes) logger.info(note);
  return () => {
    if (!schema.skipInstall) installPackagesTask(tree);
  };
}

function appRoot(tree: Tree, name: string | undefined): { root: string; project: string } {
  const root = name ? normalizePath(readProject(tree, name).root).replace(/^\.\/?$/, '') : '';
  if (!SST_CONFIG_FILES.some((f) => tree.exists(joinPathFragments(root, f)))) {
    throw new Error(
      name
        ? `Project '${name}' has no sst.config.ts at its root (${root || '.'}): pass the project that holds the SST v2 app.`
        : 'No sst.config.ts at the workspace root: pass --project <name>, the project that holds the SST v2 app.',
    );
  }
  return {
    root,
    project: name ?? (tree.exists('package.json') ? readJson(tree, 'package.json').name : '') ?? '',
  };
}

function sourceFiles(tree: Tree, root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const child of tree.children(dir)) {
      const path = dir ? joinPathFragments(dir, child) : child;
      if (tree.isFile(path)) {
        if (SOURCE.test(child)) files.push(path);
      } else if (!SKIPPED_DIRS.has(child)) {
        walk(path);
      }
    }
  };
  walk(root);
  return files.sort();
}

const line = (sourceFile: ts.SourceFile, node: ts.Node) =>
  sourceFile.getLineAndCharacterOfPosition(node.getStart(sourceFile)).line + 1;

function scriptKind(file: string): ts.ScriptKind {
  if (/\.tsx$/.test(file)) return ts.ScriptKind.TSX;
  if (/\.jsx$/.test(file)) return ts.ScriptKind.JSX;
  if (/\.[cm]?js$/.test(file)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

/** Where an `sst…` module specifier goes: a package and its module, or why it cannot. */
function target(
  migration: Migration,
  specifier: string,
): { pkg: ProvidedPackage; module: string; specifier: string } | { refused: string } | undefined {
  if (specifier === 'sst' || specifier === 'sst/constructs') {
    return { pkg: migration.constructs, module: '.', specifier: CONSTRUCTS };
  }
  const node = /^sst\/node\/([a-z-]+)$/.exec(specifier);
  if (node && migration.runtime.exportsOf(node[1])) {
    return { pkg: migration.runtime, module: node[1], specifier: `${RUNTIME}/${node[1]}` };
  }
  if (specifier.startsWith('sst/')) {
    const known = MODULE_ALTERNATIVES[specifier];
    return {
      refused: known
        ? `${known} (${RUNTIME} ${migration.runtime.version} has no such module)`
        : `no nx-sst counterpart. ${RUNTIME} ${migration.runtime.version} has ${migration.runtime.modules
            .filter((m) => m !== 'testing')
            .join(', ')}; ${CONSTRUCTS} replaces sst/constructs`,
    };
  }
  return undefined;
}

function migrateSource(tree: Tree, migration: Migration, file: string): void {
  const text = tree.read(file, 'utf-8')!;
  if (!/['"`]sst(?:\/|['"`])|['"`]aws-sdk(?:\/|['"`])/.test(text)) return;
  const sourceFile = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, scriptKind(file));
  const edits: Edit[] = [];
  let importsConstructs = false;
  const siteClasses = new Set<string>();

  const rewriteSpecifier = (literal: ts.StringLiteralLike, names?: { name: string; node: ts.Node }[]) => {
    const specifier = literal.text;
    if (specifier === 'aws-sdk' || specifier.startsWith('aws-sdk/')) {
      migration.awsSdkUsers.push(file);
      return;
    }
    const to = target(migration, specifier);
    if (!to) return;
    if ('refused' in to) {
      migration.problems.push(`${file}:${line(sourceFile, literal)}  "${specifier}": ${to.refused}`);
      return;
    }
    if (to.pkg === migration.constructs) importsConstructs = true;
    const provided = to.pkg.exportsOf(to.module)!;
    for (const { name, node } of names ?? []) {
      if (provided.has(name)) continue;
      const where = to.module === '.' ? to.pkg.name : `${to.pkg.name}/${to.module}`;
      const alternative =
        to.pkg === migration.constructs
          ? (CONSTRUCT_ALTERNATIVES[name] ?? 'see docs/constructs.md for what it provides')
          : `it exports ${[...provided].sort().join(', ')}`;
      migration.problems.push(
        `${file}:${line(sourceFile, node)}  ${name} from "${specifier}": not exported by ${where} ${to.pkg.version}; ${alternative}`,
      );
    }
    const quote = text[literal.getStart(sourceFile)];
    edits.push({
      start: literal.getStart(sourceFile),
      end: literal.getEnd(),
      text: `${quote}${to.specifier}${quote}`,
    });
  };

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const names: { name: string; node: ts.Node }[] = [];
      const clause = node.importClause;
      if (clause?.name && node.moduleSpecifier.text.startsWith('sst')) {
        names.push({ name: 'default', node: clause.name });
      }
      if (clause?.namedBindings && ts.isNamedImports(clause.namedBindings)) {
        for (const element of clause.namedBindings.elements) {
          const name = (element.propertyName ?? element.name).text;
          names.push({ name, node: element });
          if (
            (name === 'NextjsSite' || name === 'StaticSite') &&
            /^sst(\/constructs)?$/.test(node.moduleSpecifier.text)
          )
            siteClasses.add(element.name.text);
        }
      }
      rewriteSpecifier(node.moduleSpecifier, names);
      return;
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const names =
        node.exportClause && ts.isNamedExports(node.exportClause)
          ? node.exportClause.elements.map((e) => ({
              name: (e.propertyName ?? e.name).text,
              node: e as ts.Node,
            }))
          : [];
      rewriteSpecifier(node.moduleSpecifier, names);
      return;
    }
    if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      rewriteSpecifier(node.name);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      rewriteSpecifier(node.moduleReference.expression);
    } else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(node.expression) && node.expression.text === 'require')) &&
      node.arguments.length === 1 &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      rewriteSpecifier(node.arguments[0]);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      rewriteSpecifier(node.argument.literal);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);

  const isConfig = SST_CONFIG_FILES.includes(file.slice(migration.root ? migration.root.length + 1 : 0));
  if (migration.root && (importsConstructs || isConfig)) {
    edits.push(...pathEdits(tree, migration, file, sourceFile, siteClasses));
  }
  if (edits.length) migration.edits.set(file, edits);
}

/**
 * Handlers and site paths are relative to the workspace root (packages/constructs resolves them from
 * `app.workspaceRoot`); in SST v2 they were relative to the folder of sst.config.ts. For an app under
 * a folder, a path that names something in the app's folder and nothing at the workspace root is
 * prefixed with the folder; a site without `path` (v2's `.`) gets the folder as its path.
 */
function pathEdits(
  tree: Tree,
  migration: Migration,
  file: string,
  sourceFile: ts.SourceFile,
  siteClasses: Set<string>,
): Edit[] {
  const { root } = migration;
  const edits: Edit[] = [];
  const inApp = (path: string) =>
    tree.exists(joinPathFragments(root, path)) && !tree.exists(normalizePath(path));
  const quoted = (literal: ts.Node, value: string) => {
    const quote = sourceFile.text[literal.getStart(sourceFile)];
    return `${quote === '`' ? "'" : quote}${value}${quote === '`' ? "'" : quote}`;
  };

  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      const value = node.text;
      const parent = node.parent;
      const propertyName =
        ts.isPropertyAssignment(parent) &&
        parent.initializer === node &&
        !ts.isComputedPropertyName(parent.name)
          ? parent.name.getText(sourceFile).replace(/^['"]|['"]$/g, '')
          : undefined;
      const handler = /^(?:\.\/)?([^\s'"`]+)\.[A-Za-z_$][\w$]*$/.exec(value);
      if (handler && HANDLER_EXTENSIONS.some((ext) => inApp(handler[1] + ext))) {
        edits.push({
          start: node.getStart(sourceFile),
          end: node.getEnd(),
          text: quoted(node, joinPathFragments(root, value)),
        });
        migration.notes.push(
          `${file}:${line(sourceFile, node)}: handler "${value}" → "${joinPathFragments(root, value)}"`,
        );
      } else if (
        (propertyName === 'path' || propertyName === 'from') &&
        (value === '.' || value === './' || inApp(value))
      ) {
        const prefixed = value === '.' || value === './' ? root : joinPathFragments(root, value);
        edits.push({ start: node.getStart(sourceFile), end: node.getEnd(), text: quoted(node, prefixed) });
        migration.notes.push(`${file}:${line(sourceFile, node)}: ${propertyName} "${value}" → "${prefixed}"`);
      }
      return;
    }
    if (
      ts.isNewExpression(node) &&
      ts.isIdentifier(node.expression) &&
      siteClasses.has(node.expression.text)
    ) {
      const props = node.arguments?.[2];
      const where = `${file}:${line(sourceFile, node)}`;
      if (!props && node.arguments?.length === 2) {
        edits.push({
          start: node.arguments[1].getEnd(),
          end: node.arguments[1].getEnd(),
          text: `, { path: '${root}' }`,
        });
        migration.notes.push(`${where}: ${node.expression.text} without path (v2's ".") → path "${root}"`);
      } else if (props && ts.isObjectLiteralExpression(props)) {
        const hasPath = props.properties.some(
          (p) =>
            p.name &&
            !ts.isComputedPropertyName(p.name) &&
            p.name.getText(sourceFile).replace(/['"]/g, '') === 'path',
        );
        if (!hasPath && !props.properties.some((p) => ts.isSpreadAssignment(p))) {
          const open = props.getStart(sourceFile) + 1;
          edits.push({ start: open, end: open, text: ` path: '${root}',` });
          migration.notes.push(`${where}: ${node.expression.text} without path (v2's ".") → path "${root}"`);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return edits;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const edit of [...edits].sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  }
  return out;
}

/** v2's hand-made `sst-env.d.ts` (`/// <reference path="…/.sst/types/index.ts" />`); `types` writes ours. */
function removeV2TypeFiles(tree: Tree, migration: Migration, files: string[]): void {
  for (const file of files) {
    if (!file.endsWith('sst-env.d.ts')) continue;
    const text = tree.read(file, 'utf-8')!;
    const rest = text
      .replace(/\/\/\/\s*<reference\s+path=["'][^"']*\.sst\/types[^"']*["']\s*\/>/g, '')
      .trim();
    if (rest === '' && text.trim() !== '') {
      tree.delete(file);
      migration.notes.push(
        `${file}: deleted (v2's reference to .sst/types; nx run <infra>:types writes its own)`,
      );
    }
  }
}

type PackageJson = Record<string, unknown> & {
  name?: string;
  scripts?: Record<string, string>;
  workspaces?: string[] | { packages?: string[] };
};

function packageJsonFiles(tree: Tree, root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const child of tree.children(dir)) {
      const path = dir ? joinPathFragments(dir, child) : child;
      if (tree.isFile(path)) {
        if (child === 'package.json') found.push(path);
      } else if (!SKIPPED_DIRS.has(child)) {
        walk(path);
      }
    }
  };
  walk(root);
  return found.sort();
}

/** Checks every package.json of the app (problems are recorded); returns the function that writes them. */
function migratePackageJsons(tree: Tree, migration: Migration): () => void {
  const { root, project } = migration;
  const files = packageJsonFiles(tree, root);
  if (!files.includes('package.json') && tree.exists('package.json')) files.push('package.json');
  const updated = new Map<string, PackageJson>(files.map((f) => [f, readJson<PackageJson>(tree, f)]));

  for (const [file, json] of updated) {
    for (const [name, command] of Object.entries(json.scripts ?? {})) {
      const change = migrateScript(command);
      const where = `${file} script "${name}" (${command})`;
      if (change.kind === 'refuse') {
        migration.problems.push(`${where}: ${change.reason.replace(/\{app\}/g, project)}`);
      } else if (change.kind === 'rewrite') {
        json.scripts![name] = change.value;
        migration.notes.push(
          `${where} → "${change.value}" (Nx targets run bound; outside Nx: nx-sst bind -- ${change.value})`,
        );
      } else if (change.kind === 'delete') {
        delete json.scripts![name];
        migration.notes.push(
          `${where}: removed, use ${change.replacedBy.map((r) => r.replace(/\{app\}/g, project)).join(' and ')}`,
        );
      }
    }
    for (const field of DEPENDENCY_FIELDS) {
      const deps = json[field] as Record<string, string> | undefined;
      if (!deps) continue;
      if (deps.sst) {
        delete deps.sst;
        migration.notes.push(`${file}: removed sst from ${field}`);
      }
      if (deps['aws-cdk-lib'] && below(deps['aws-cdk-lib'], [2, 200, 0])) {
        migration.notes.push(
          `${file}: aws-cdk-lib ${deps['aws-cdk-lib']} → ${awsCdkLibVersion} (nx-sst needs ^2.200.0)`,
        );
        deps['aws-cdk-lib'] = awsCdkLibVersion;
      }
      if (deps.constructs && below(deps.constructs, [10, 0, 0])) {
        migration.notes.push(`${file}: constructs ${deps.constructs} → ${constructsVersion}`);
        deps.constructs = constructsVersion;
      }
    }
  }

  for (const user of new Set(migration.awsSdkUsers)) {
    const owners = ancestorsPackageJsons(tree, user);
    if (owners.some((f) => declares(updated.get(f) ?? readJson<PackageJson>(tree, f), 'aws-sdk'))) continue;
    const nearest = owners[0] ?? 'package.json';
    const json = updated.get(nearest) ?? readJson<PackageJson>(tree, nearest);
    updated.set(nearest, json);
    json.dependencies = { ...(json.dependencies as Record<string, string>), 'aws-sdk': AWS_SDK_V2_VERSION };
    migration.notes.push(
      `${nearest}: added aws-sdk ${AWS_SDK_V2_VERSION} (${user} imports it; sst brought it in before)`,
    );
  }

  const rootJson = updated.get('package.json');
  if (rootJson) {
    const add = (field: string, name: string, version: string) => {
      if (declares(rootJson, name)) return;
      rootJson[field] = { ...(rootJson[field] as Record<string, string>), [name]: version };
      migration.notes.push(`package.json: added ${name} ${version} to ${field}`);
    };
    add('dependencies', RUNTIME, nxSstVersion);
    add('devDependencies', 'nx-sst', nxSstVersion);
    add('devDependencies', CONSTRUCTS, nxSstVersion);
    add('devDependencies', 'aws-cdk-lib', awsCdkLibVersion);
    add('devDependencies', 'constructs', constructsVersion);
  }

  // npm reads `workspaces` only at the root: a v2 app's own packages/* join the root's globs.
  const appJsonFile = joinPathFragments(root, 'package.json');
  const appJson = root ? updated.get(appJsonFile) : undefined;
  if (appJson?.workspaces && rootJson) {
    const globs = Array.isArray(appJson.workspaces)
      ? appJson.workspaces
      : (appJson.workspaces.packages ?? []);
    const prefixed = globs.map((g) => joinPathFragments(root, g));
    const current = rootJson.workspaces;
    const list = Array.isArray(current) ? current : (current?.packages ?? []);
    const merged = [...list, ...prefixed.filter((g) => !list.includes(g))];
    rootJson.workspaces = Array.isArray(current) || !current ? merged : { ...current, packages: merged };
    delete appJson.workspaces;
    migration.notes.push(`package.json: workspaces += ${prefixed.join(', ')} (moved from ${appJsonFile})`);
  }

  return () => {
    for (const [file, json] of updated) {
      if (JSON.stringify(json) !== JSON.stringify(readJson(tree, file))) writeJson(tree, file, json);
    }
  };
}

/** package.json files from the file's folder up to the workspace root, nearest first. */
function ancestorsPackageJsons(tree: Tree, file: string): string[] {
  const parts = file.split('/').slice(0, -1);
  const found: string[] = [];
  for (let i = parts.length; i >= 0; i--) {
    const candidate = joinPathFragments(...parts.slice(0, i), 'package.json');
    if (tree.exists(candidate)) found.push(candidate);
  }
  return found;
}

function declares(json: PackageJson, name: string): boolean {
  return DEPENDENCY_FIELDS.some((field) => !!(json[field] as Record<string, string> | undefined)?.[name]);
}

/** Whether a range's lowest version (its first x.y.z) is below `min`; a range it cannot read is left alone. */
function below(range: string, min: [number, number, number]): boolean {
  const match = /(\d+)\.(\d+)\.(\d+)/.exec(range) ?? /(\d+)(?:\.(\d+))?/.exec(range);
  if (!match) return false;
  const version = [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
  for (let i = 0; i < 3; i++) if (version[i] !== min[i]) return version[i] < min[i];
  return false;
}

export default migrateSstV2Generator;
