import * as ts from 'typescript';
import { CONSTRUCT_KINDS, CONSTRUCTS_MODULE, type ConstructKind } from './catalog';

export {
  constructKind,
  CONSTRUCT_KINDS,
  CONSTRUCTS_MODULE,
  handlerFile,
  normalizeLocation,
  type ConstructKind,
} from './catalog';

/** A place where code runs with bindings: a site's path or a function's handler, as written. */
export interface BindTargetRef {
  /** `path` for sites and services, a handler (`libs/fns/src/index.handler`) for functions. */
  location: string;
  locationKind: 'path' | 'handler';
  /** The construct whose prop declares the bindings of this target (a site, a Function, an Api, a Cron). */
  owner: string;
  /** What this target alone binds (an Api route's or a Cron job's own `bind`), besides its construct's `bound`. */
  bound: BoundRef[];
}

/**
 * One element of a `bind` array: a construct held in a variable (`bucket`, `{ resource: bucket }`), or
 * one created right there (`new Config.Secret(stack, 'KEY')`), known by its type and id.
 */
export type BoundRef = { variable: string } | { type: string; id: string };

/** One `new X(stack, 'id', props)` of a construct from `@nx-sst/constructs`. */
export interface StackConstruct {
  type: string;
  id: string;
  /** Name of the `const` holding it, when there is one. */
  variable?: string;
  /** The exported stack function it is declared in. */
  stack?: string;
  node: ts.NewExpression;
  statement?: ts.Statement;
  props?: ts.ObjectLiteralExpression;
  /** Code locations that run with this construct's bindings. */
  targets: BindTargetRef[];
  /** Variables named in `bind: [...]`, `.bind([...])` and Api/Cron function defaults, in source order. */
  boundVariables: string[];
  /**
   * What every target of this construct binds: its props' `bind` (a site, a Function), an Api's
   * `defaults.function.bind`, and `.bind([...])` calls on its variable. Inline constructs included.
   */
  bound: BoundRef[];
}

export interface StackFunction {
  name: string;
  node: ts.FunctionDeclaration | ts.VariableStatement;
  body: ts.Block;
}

export interface StackSource {
  fileName: string;
  sourceFile: ts.SourceFile;
  /** Local name → exported name, for imports from `@nx-sst/constructs`. */
  imports: Map<string, string>;
  importDeclaration?: ts.ImportDeclaration;
  stackFunctions: StackFunction[];
  constructs: StackConstruct[];
}

export function parseStackSource(fileName: string, text: string): StackSource {
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const imports = new Map<string, string>();
  let importDeclaration: ts.ImportDeclaration | undefined;
  const stackFunctions: StackFunction[] = [];

  for (const statement of sourceFile.statements) {
    if (
      ts.isImportDeclaration(statement) &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      statement.moduleSpecifier.text === CONSTRUCTS_MODULE
    ) {
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        if (!statement.importClause?.isTypeOnly) importDeclaration ??= statement;
        for (const element of bindings.elements) {
          imports.set(element.name.text, (element.propertyName ?? element.name).text);
        }
      }
    }
    const fn = asStackFunction(statement);
    if (fn) stackFunctions.push(fn);
  }

  const constructs: StackConstruct[] = [];
  const byVariable = new Map<string, StackConstruct>();
  const bindCalls: { variable: string; args: ts.Expression[] }[] = [];
  // `auth.attach(stack, { api })` binds the Auth to every route of the Api.
  const attachCalls: { auth: string; api: string }[] = [];

  const visit = (node: ts.Node, stack: string | undefined): void => {
    if (ts.isNewExpression(node)) {
      const construct = readConstruct(node, imports, stack);
      if (construct) {
        constructs.push(construct);
        if (construct.variable) byVariable.set(construct.variable, construct);
      }
    } else if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'bind' &&
      ts.isIdentifier(node.expression.expression) &&
      node.arguments.length > 0 &&
      ts.isArrayLiteralExpression(node.arguments[0])
    ) {
      bindCalls.push({ variable: node.expression.expression.text, args: [...node.arguments[0].elements] });
    } else if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === 'attach' &&
      ts.isIdentifier(node.expression.expression) &&
      node.arguments.length > 1 &&
      ts.isObjectLiteralExpression(node.arguments[1])
    ) {
      const api = property(node.arguments[1], 'api');
      if (api && ts.isIdentifier(api))
        attachCalls.push({ auth: node.expression.expression.text, api: api.text });
    }
    ts.forEachChild(node, (child) => visit(child, stack));
  };
  for (const statement of sourceFile.statements) {
    visit(statement, asStackFunction(statement)?.name);
  }
  for (const call of bindCalls) {
    const construct = byVariable.get(call.variable);
    if (!construct) continue;
    construct.boundVariables.push(...call.args.map(boundVariableName).filter(isString));
    construct.bound.push(...call.args.map((a) => boundRef(a, imports)).filter(isDefined));
  }
  for (const call of attachCalls) {
    const auth = byVariable.get(call.auth);
    const api = byVariable.get(call.api);
    if (auth?.type !== 'Auth' || !api) continue;
    // The authenticator is one of the Api's route functions: what every route binds, it binds too.
    auth.bound.push(...api.bound);
    api.boundVariables.push(call.auth);
    api.bound.push({ variable: call.auth });
  }

  return { fileName, sourceFile, imports, importDeclaration, stackFunctions, constructs };
}

function asStackFunction(statement: ts.Statement): StackFunction | undefined {
  const exported = (node: ts.Node) =>
    ts.canHaveModifiers(node) && ts.getModifiers(node)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  if (ts.isFunctionDeclaration(statement) && statement.name && statement.body && exported(statement)) {
    return { name: statement.name.text, node: statement, body: statement.body };
  }
  if (ts.isVariableStatement(statement) && exported(statement)) {
    const declaration = statement.declarationList.declarations[0];
    const init = declaration?.initializer;
    if (
      declaration &&
      ts.isIdentifier(declaration.name) &&
      init &&
      (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) &&
      ts.isBlock(init.body)
    ) {
      return { name: declaration.name.text, node: statement, body: init.body };
    }
  }
  return undefined;
}

function readConstruct(
  node: ts.NewExpression,
  imports: Map<string, string>,
  stack: string | undefined,
): StackConstruct | undefined {
  const kind = kindOfCallee(node.expression, imports);
  const idArg = node.arguments?.[1];
  if (!kind || !idArg || !(ts.isStringLiteral(idArg) || ts.isNoSubstitutionTemplateLiteral(idArg)))
    return undefined;
  const propsArg = node.arguments?.[2];
  const props = propsArg && ts.isObjectLiteralExpression(propsArg) ? propsArg : undefined;

  let variable: string | undefined;
  let statement: ts.Statement | undefined;
  let parent: ts.Node = node.parent;
  if (ts.isAsExpression(parent) || ts.isParenthesizedExpression(parent)) parent = parent.parent;
  if (ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) {
    variable = parent.name.text;
    statement = ts.isVariableStatement(parent.parent.parent) ? parent.parent.parent : undefined;
  } else if (ts.isExpressionStatement(parent)) {
    statement = parent;
  }

  const construct: StackConstruct = {
    type: kind.type,
    id: idArg.text,
    variable,
    stack,
    node,
    statement,
    props,
    targets: [],
    boundVariables: [],
    bound: [],
  };
  if (props) readTargets(construct, props, imports);
  return construct;
}

function kindOfCallee(callee: ts.Expression, imports: Map<string, string>): ConstructKind | undefined {
  if (ts.isIdentifier(callee)) {
    const exported = imports.get(callee.text);
    return exported
      ? CONSTRUCT_KINDS.find((k) => k.exportPath.length === 1 && k.exportPath[0] === exported)
      : undefined;
  }
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression)) {
    const namespace = imports.get(callee.expression.text);
    const member = callee.name.text;
    return namespace
      ? CONSTRUCT_KINDS.find((k) => k.exportPath[0] === namespace && k.exportPath[1] === member)
      : undefined;
  }
  return undefined;
}

function readTargets(
  construct: StackConstruct,
  props: ts.ObjectLiteralExpression,
  imports: Map<string, string>,
): void {
  const owner = construct.id;
  /** The `bind` of an object literal: recorded on the construct (for the editor) and returned. */
  const readBind = (objectLiteral: ts.ObjectLiteralExpression | undefined): BoundRef[] => {
    const bind = property(objectLiteral, 'bind');
    if (!bind || !ts.isArrayLiteralExpression(bind)) return [];
    construct.boundVariables.push(...bind.elements.map(boundVariableName).filter(isString));
    return bind.elements.map((e) => boundRef(e, imports)).filter(isDefined);
  };
  /** A function definition as SST accepts it: a handler string, or `{ handler, bind }` (or `{ function: … }`). */
  const readFunction = (expression: ts.Expression | undefined) => {
    if (!expression) return;
    const handler = stringValue(expression);
    if (handler !== undefined) {
      construct.targets.push({ location: handler, locationKind: 'handler', owner, bound: [] });
      return;
    }
    if (ts.isObjectLiteralExpression(expression)) {
      const nested = property(expression, 'function');
      if (nested) return readFunction(nested);
      const nestedHandler = stringValue(property(expression, 'handler'));
      const bound = readBind(expression);
      if (nestedHandler !== undefined)
        construct.targets.push({ location: nestedHandler, locationKind: 'handler', owner, bound });
    }
  };

  switch (construct.type) {
    case 'NextjsSite':
    case 'StaticSite':
    case 'Service': {
      const path = stringValue(property(props, 'path'));
      if (path !== undefined)
        construct.targets.push({ location: path, locationKind: 'path', owner, bound: [] });
      construct.bound.push(...readBind(props));
      break;
    }
    case 'Function': {
      const handler = stringValue(property(props, 'handler'));
      if (handler !== undefined)
        construct.targets.push({ location: handler, locationKind: 'handler', owner, bound: [] });
      construct.bound.push(...readBind(props));
      break;
    }
    case 'Api':
    case 'WebSocketApi': {
      const routes = property(props, 'routes');
      if (routes && ts.isObjectLiteralExpression(routes)) {
        for (const route of routes.properties) {
          if (ts.isPropertyAssignment(route)) readFunction(route.initializer);
        }
      }
      // Every route's function starts from `defaults.function` (the constructs merge it into each).
      const defaults = property(props, 'defaults');
      const defaultFunction =
        defaults && ts.isObjectLiteralExpression(defaults) ? property(defaults, 'function') : undefined;
      if (defaultFunction && ts.isObjectLiteralExpression(defaultFunction))
        construct.bound.push(...readBind(defaultFunction));
      break;
    }
    case 'Cron':
      readFunction(property(props, 'job'));
      break;
    case 'Auth':
      readFunction(property(props, 'authenticator'));
      construct.bound.push({ type: 'Auth', id: construct.id });
      break;
    case 'Queue':
      readFunction(property(props, 'consumer'));
      break;
    default:
      break;
  }
}

/** The value of `key: …` in an object literal (also `key` shorthand), if present. */
export function property(
  objectLiteral: ts.ObjectLiteralExpression | undefined,
  key: string,
): ts.Expression | undefined {
  for (const p of objectLiteral?.properties ?? []) {
    const name = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
    if (name !== key) continue;
    if (ts.isPropertyAssignment(p)) return p.initializer;
    if (ts.isShorthandPropertyAssignment(p)) return p.name;
  }
  return undefined;
}

function stringValue(expression: ts.Expression | undefined): string | undefined {
  return expression && (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression))
    ? expression.text
    : undefined;
}

/** `bucket` or `{ resource: bucket, permissions }` → `'bucket'`. */
function boundVariableName(element: ts.Expression): string | undefined {
  const ref = boundRef(element, new Map());
  return ref && 'variable' in ref ? ref.variable : undefined;
}

/**
 * An element of a `bind` array: `bucket`, `{ resource: bucket, permissions }`, or a construct created in
 * place (`new Config.Secret(stack, 'KEY')`, also as `{ resource: new Bucket(stack, 'b') }`).
 */
function boundRef(element: ts.Expression, imports: Map<string, string>): BoundRef | undefined {
  let expression = skipWrappers(element);
  if (ts.isObjectLiteralExpression(expression)) {
    const resource = property(expression, 'resource');
    if (!resource) return undefined;
    expression = skipWrappers(resource);
  }
  if (ts.isIdentifier(expression)) return { variable: expression.text };
  if (ts.isNewExpression(expression)) {
    const kind = kindOfCallee(expression.expression, imports);
    const id = stringValue(expression.arguments?.[1]);
    if (kind && id !== undefined) return { type: kind.type, id };
  }
  return undefined;
}

/** `(x)`, `x as T`, `x satisfies T`, `x!` → `x`. */
function skipWrappers(expression: ts.Expression): ts.Expression {
  while (
    ts.isParenthesizedExpression(expression) ||
    ts.isAsExpression(expression) ||
    ts.isSatisfiesExpression(expression) ||
    ts.isNonNullExpression(expression)
  ) {
    expression = expression.expression;
  }
  return expression;
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

function isString(value: string | undefined): value is string {
  return value !== undefined;
}
