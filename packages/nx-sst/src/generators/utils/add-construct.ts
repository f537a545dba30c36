import { names, type Tree } from '@nx/devkit';
import * as ts from 'typescript';
import { constructKind } from '../../plugin/stack-source';
import { applyBindings, planBindings, resolveBindTargets } from './bind-resource';
import { assertIdFree, assertValidId, readStackFiles, resolveInfraApp, stackFile } from './infra-app';
import { constructExpression } from './stack-editor';
import { includeTypesInBoundProjects } from './tsconfig-include';
import { wrapBoundTargets } from './wrap-targets';

export interface AddConstructOptions {
  app?: string;
  stack?: string;
  /** Declared type name: `Bucket`, `Secret`, `NextjsSite`… */
  type: string;
  id: string;
  /** The props object, as source text with `'` quotes (converted to the file's quote style), if any. */
  props?: string;
  bind?: string[];
  /** Also give the values to browser code: `NEXT_PUBLIC_*` entries on Next.js sites (a Vite site always gets `VITE_*`). */
  client?: boolean;
  wrapTargets?: string[];
  /** Used in messages: "resource", "secret", "site". */
  what: string;
}

/**
 * Adds `const x = new Type(stack, 'id', props)` to a stack and binds it to each named project's targets.
 * Everything is checked before anything is written; an id the app already uses is refused.
 */
export function addConstruct(tree: Tree, options: AddConstructOptions): { file: string; variable: string } {
  assertValidId(options.id, `${options.what} id`);
  const kind = constructKind(options.type);
  if (!kind) throw new Error(`Unknown construct type '${options.type}'.`);
  const app = resolveInfraApp(tree, options.app);
  const file = stackFile(tree, app, options.stack ?? 'Default');
  const stacks = readStackFiles(tree, app);
  const editor = stacks.find((s) => s.file === file)!.editor;
  const stackName = options.stack ?? 'Default';
  if (!editor.stackNames.includes(stackName)) {
    throw new Error(
      `${file} does not export a stack function '${stackName}' (e.g. export function ${stackName}({ stack }: StackContext) {}).`,
    );
  }

  assertIdFree(stacks, options.id);
  const bind = options.bind ?? [];
  if (bind.length && !kind.module) {
    throw new Error(
      `A ${options.type} is not bindable, so --bind cannot be used with it. Bind resources to its handler's project instead.`,
    );
  }
  const projectTargets = resolveBindTargets(tree, app, file, editor, bind);
  // The editor is in memory: a refusal below still writes nothing. The import comes first so the
  // variable's name cannot clash with it.
  const quote = quoteStyle(editor.content);
  const local = editor.ensureImport(kind.exportPath[0]);
  const variable = variableName(options.type, options.id, editor.declaredNames());
  // Decided (and refused where it cannot work) before the file is touched.
  const plans = planBindings(
    tree,
    projectTargets,
    { type: options.type, id: options.id, variable },
    { client: options.client },
  );
  const props = options.props ? `, ${quote === '"' ? options.props.replace(/'/g, '"') : options.props}` : '';
  const statement = `const ${variable} = new ${constructExpression(options.type, local)}(${stackParameter(editor, stackName)}, ${quote}${options.id}${quote}${props});`;
  // Declared above the first target it is bound to, so the target's `bind` prop can name it.
  const targetIds = new Set(projectTargets.flatMap((p) => p.targets.map((t) => t.id)));
  const firstTarget = editor.constructs.find((c) => targetIds.has(c.id) && c.statement);
  editor.insertStatement(stackName, statement, firstTarget?.statement);
  applyBindings(editor, plans, variable);

  if (editor.content !== tree.read(file, 'utf-8')) tree.write(file, editor.content);
  for (const { project } of projectTargets) wrapBoundTargets(tree, project, app.name, options.wrapTargets);
  includeTypesInBoundProjects(tree);
  return { file, variable };
}

/** The name the stack function gives to `stack` in its parameter (`{ stack }` or `{ stack: s }`). */
function stackParameter(editor: { content: string }, stackName: string): string {
  const sourceFile = ts.createSourceFile('stack.ts', editor.content, ts.ScriptTarget.Latest, true);
  let found: string | undefined;
  const visit = (node: ts.Node) => {
    const fn =
      ts.isFunctionDeclaration(node) && node.name?.text === stackName
        ? node
        : ts.isVariableDeclaration(node) &&
            ts.isIdentifier(node.name) &&
            node.name.text === stackName &&
            node.initializer &&
            (ts.isArrowFunction(node.initializer) || ts.isFunctionExpression(node.initializer))
          ? node.initializer
          : undefined;
    const pattern = fn?.parameters[0]?.name;
    if (pattern && ts.isObjectBindingPattern(pattern)) {
      for (const element of pattern.elements) {
        const key = (element.propertyName ?? element.name) as ts.Node;
        if (ts.isIdentifier(key) && key.text === 'stack' && ts.isIdentifier(element.name))
          found = element.name.text;
      }
    }
    if (!found) ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  if (!found) {
    throw new Error(
      `The stack function '${stackName}' does not take { stack } from its StackContext; ` +
        `write it as export function ${stackName}({ stack }: StackContext) { … }.`,
    );
  }
  return found;
}

/** `'` unless the file's imports use `"`. */
function quoteStyle(text: string): string {
  const match = /^import[^\n]*?from\s+(['"])/m.exec(text);
  return match?.[1] ?? "'";
}

/**
 * A readable, unique variable name: Secrets and Parameters keep their id (`STRIPE_KEY`, as in SST's
 * docs); other constructs get the id plus their type (`uploadsBucket`) — plain `public` would not even
 * be a legal name.
 */
export function variableName(type: string, id: string, taken: Set<string>): string {
  const camel = names(id.replace(/[^a-zA-Z0-9]+/g, '-')).propertyName;
  const suffix = type.endsWith('Site') ? 'Site' : type;
  let base: string;
  if ((type === 'Secret' || type === 'Parameter') && /^[A-Za-z_$][\w$]*$/.test(id) && !isKeyword(id)) {
    base = id;
  } else if (camel.toLowerCase().endsWith(suffix.toLowerCase()) && !isKeyword(camel)) {
    base = camel;
  } else {
    base = `${camel}${suffix}`;
  }
  let candidate = base;
  for (let i = 2; taken.has(candidate) || isKeyword(candidate); i++) candidate = `${base}${i}`;
  return candidate;
}

/** Words a `const` cannot be named in a module (strict mode), plus the names of JS globals we would shadow. */
const RESERVED = new Set(
  (
    'break case catch class const continue debugger default delete do else enum export extends false finally for ' +
    'function if import in instanceof new null return super switch this throw true try typeof var void while with ' +
    'implements interface let package private protected public static yield await arguments eval undefined NaN Infinity'
  ).split(' '),
);

function isKeyword(name: string): boolean {
  return RESERVED.has(name);
}
