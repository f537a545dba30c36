import { applyChangesToString, ChangeType, type StringChange } from '@nx/devkit';
import * as ts from 'typescript';
import {
  constructKind,
  CONSTRUCTS_MODULE,
  parseStackSource,
  type StackConstruct,
  type StackSource,
} from '../../plugin/stack-source';

/**
 * Edits a stack file through its TypeScript AST: every change is located on the syntax tree and applied
 * as a text insertion, so the user's formatting and comments survive. Each step re-parses the text.
 */
export class StackEditor {
  private source: StackSource;

  constructor(
    private readonly fileName: string,
    private text: string,
  ) {
    this.source = parseStackSource(fileName, text);
  }

  get content(): string {
    return this.text;
  }

  get constructs(): StackConstruct[] {
    return this.source.constructs;
  }

  get stackNames(): string[] {
    return this.source.stackFunctions.map((f) => f.name);
  }

  /** Makes `exported` importable from `@nx-sst/constructs`; returns the local name to use. */
  ensureImport(exported: string): string {
    for (const [local, name] of this.source.imports) {
      if (name === exported && !this.isTypeOnlyImport(local)) return local;
    }
    const declaration = this.source.importDeclaration;
    const bindings = declaration?.importClause?.namedBindings;
    if (declaration && bindings && ts.isNamedImports(bindings) && bindings.elements.length > 0) {
      const last = bindings.elements[bindings.elements.length - 1];
      this.apply([{ type: ChangeType.Insert, index: last.getEnd(), text: `, ${exported}` }]);
    } else {
      const imports = this.source.sourceFile.statements.filter(ts.isImportDeclaration);
      const index = imports.length ? imports[imports.length - 1].getEnd() : 0;
      const line = `import { ${exported} } from '${CONSTRUCTS_MODULE}';`;
      this.apply([{ type: ChangeType.Insert, index, text: index === 0 ? `${line}\n` : `\n${line}` }]);
    }
    return exported;
  }

  private isTypeOnlyImport(local: string): boolean {
    for (const statement of this.source.sourceFile.statements) {
      if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
      if (statement.moduleSpecifier.text !== CONSTRUCTS_MODULE) continue;
      const bindings = statement.importClause?.namedBindings;
      if (!bindings || !ts.isNamedImports(bindings)) continue;
      for (const element of bindings.elements) {
        if (element.name.text === local) return !!statement.importClause?.isTypeOnly || element.isTypeOnly;
      }
    }
    return false;
  }

  /** Every identifier declared at any level of the file (to pick a variable name that does not clash). */
  declaredNames(): Set<string> {
    const names = new Set<string>();
    const visit = (node: ts.Node) => {
      if (
        (ts.isVariableDeclaration(node) ||
          ts.isFunctionDeclaration(node) ||
          ts.isClassDeclaration(node) ||
          ts.isParameter(node) ||
          ts.isImportSpecifier(node) ||
          ts.isBindingElement(node)) &&
        node.name &&
        ts.isIdentifier(node.name)
      ) {
        names.add(node.name.text);
      }
      ts.forEachChild(node, visit);
    };
    visit(this.source.sourceFile);
    return names;
  }

  /**
   * Inserts `statement` into the stack function `stack`: before `before` (a statement directly in its
   * body) when given, else before a final `return`, else at the end of the body.
   */
  insertStatement(stack: string, statement: string, before?: ts.Statement): void {
    const fn = this.source.stackFunctions.find((f) => f.name === stack);
    if (!fn) throw new Error(`No exported stack function '${stack}' in ${this.fileName}.`);
    const body = fn.body;
    const anchor =
      before && body.statements.includes(before)
        ? before
        : body.statements.find((s, i) => ts.isReturnStatement(s) && i === body.statements.length - 1);
    const fnIndent = indentationAt(this.text, fn.node.getStart());
    const indent = body.statements.length
      ? indentationAt(this.text, body.statements[0].getStart())
      : `${fnIndent}  `;
    if (anchor) {
      const start = anchor.getStart();
      this.apply([{ type: ChangeType.Insert, index: start, text: `${statement}\n${indent}` }]);
    } else if (body.statements.length) {
      const last = body.statements[body.statements.length - 1];
      this.apply([{ type: ChangeType.Insert, index: last.getEnd(), text: `\n${indent}${statement}` }]);
    } else {
      // An empty body `{}` or `{\n}`: rewrite its inside so the statement sits on its own line.
      const open = body.getStart() + 1;
      const close = body.getEnd() - 1;
      this.apply([
        { type: ChangeType.Delete, start: open, length: close - open },
        { type: ChangeType.Insert, index: open, text: `\n${indent}${statement}\n${fnIndent}` },
      ]);
    }
  }

  /**
   * Binds the construct held in `resourceVariable` to `target`: through the target's `bind` prop when the
   * resource is declared before it (the prop is read when the target is constructed), else with a
   * `target.bind([...])` statement after the resource (so the variable is initialised by then).
   * Returns false when it was already bound.
   */
  bind(targetId: string, resourceVariable: string): boolean {
    const target = this.findById(targetId);
    const resource = this.source.constructs.find((c) => c.variable === resourceVariable);
    if (!target || !resource)
      throw new Error(`Cannot bind '${resourceVariable}' to '${targetId}' in ${this.fileName}.`);
    if (target.boundVariables.includes(resourceVariable)) return false;
    const usesProp = ['Function', 'NextjsSite', 'StaticSite', 'Service'].includes(target.type);
    if (usesProp && resource.node.getStart() < target.node.getStart()) {
      this.bindThroughProp(target, resourceVariable);
      return true;
    }
    if (!target.variable || !resource.statement) {
      throw new Error(
        `Cannot bind '${resource.id}' to '${target.id}' in ${this.fileName}: '${target.id}' is declared before ` +
          `'${resource.id}' and is not held in a variable. Assign it to a const or move '${resource.id}' above it.`,
      );
    }
    const indent = indentationAt(this.text, resource.statement.getStart());
    this.apply([
      {
        type: ChangeType.Insert,
        index: resource.statement.getEnd(),
        text: `\n${indent}${target.variable}.bind([${resourceVariable}]);`,
      },
    ]);
    return true;
  }

  private bindThroughProp(target: StackConstruct, variable: string): void {
    const props = target.props;
    if (!props) {
      const idArg = target.node.arguments![1];
      this.apply([{ type: ChangeType.Insert, index: idArg.getEnd(), text: `, { bind: [${variable}] }` }]);
      return;
    }
    const bind = props.properties.find(
      (p): p is ts.PropertyAssignment =>
        ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === 'bind',
    );
    if (bind) {
      if (!ts.isArrayLiteralExpression(bind.initializer)) {
        throw new Error(
          `Cannot add to the 'bind' of '${target.id}' in ${this.fileName}: it is not an array literal. ` +
            `Add '${variable}' to it by hand.`,
        );
      }
      const elements = bind.initializer.elements;
      const change: StringChange = elements.length
        ? { type: ChangeType.Insert, index: elements[elements.length - 1].getEnd(), text: `, ${variable}` }
        : { type: ChangeType.Insert, index: bind.initializer.getStart() + 1, text: variable };
      this.apply([change]);
      return;
    }
    const properties = props.properties;
    if (properties.length === 0) {
      this.apply([{ type: ChangeType.Insert, index: props.getStart() + 1, text: ` bind: [${variable}] ` }]);
      return;
    }
    const last = properties[properties.length - 1];
    const multiline = props.getText().includes('\n');
    if (!multiline) {
      this.apply([{ type: ChangeType.Insert, index: last.getEnd(), text: `, bind: [${variable}]` }]);
      return;
    }
    const indent = indentationAt(this.text, last.getStart());
    if (properties.hasTrailingComma) {
      const comma = this.text.indexOf(',', last.getEnd());
      this.apply([{ type: ChangeType.Insert, index: comma + 1, text: `\n${indent}bind: [${variable}],` }]);
    } else {
      this.apply([
        { type: ChangeType.Insert, index: last.getEnd(), text: `,\n${indent}bind: [${variable}]` },
      ]);
    }
  }

  findById(id: string): StackConstruct | undefined {
    return this.source.constructs.find((c) => c.id === id);
  }

  private apply(changes: StringChange[]): void {
    this.text = applyChangesToString(this.text, changes);
    this.source = parseStackSource(this.fileName, this.text);
  }
}

/** The whitespace that starts the line holding `position`. */
function indentationAt(text: string, position: number): string {
  const lineStart = text.lastIndexOf('\n', position - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** How the construct is written in source, given the local name of its import (`Config.Secret`). */
export function constructExpression(type: string, importedAs: string): string {
  const kind = constructKind(type);
  if (!kind) throw new Error(`Unknown construct type '${type}'.`);
  return [importedAs, ...kind.exportPath.slice(1)].join('.');
}
