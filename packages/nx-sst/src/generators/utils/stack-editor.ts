import { applyChangesToString, ChangeType, type StringChange } from '@nx/devkit';
import * as ts from 'typescript';
import {
  constructKind,
  CONSTRUCTS_MODULE,
  parseStackSource,
  property,
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
   * Binds the construct held in `resourceVariable` to `target`, through the target's `bind` prop (read
   * when the target is constructed, so the resource must be declared above it). A resource declared
   * below its target is bound with `target.bind([...])` after it when the target has that method
   * (functions, Api, Cron, Queue…), and is moved above the target otherwise (sites and services only
   * take the prop). Returns false when it was already bound.
   */
  bind(targetId: string, resourceVariable: string): boolean {
    let target = this.findById(targetId);
    const resource = this.source.constructs.find((c) => c.variable === resourceVariable);
    if (!target || !resource)
      throw new Error(`Cannot bind '${resourceVariable}' to '${targetId}' in ${this.fileName}.`);
    if (target.boundVariables.includes(resourceVariable)) return false;
    if (target.type === 'StaticSite') {
      // The construct refuses it: a static site has no server code. Its browser code gets values through
      // `environment` (addEnvironment).
      throw new Error(
        `Cannot bind '${resource.id}' to the StaticSite '${target.id}' in ${this.fileName}: a static site has no server code, so it takes no bind. Give it the values through its environment instead.`,
      );
    }
    const propOnly = PROP_ONLY_TARGETS.has(target.type);
    if ((propOnly || target.type === 'Function') && resource.node.getStart() < target.node.getStart()) {
      this.bindThroughProp(target, resourceVariable);
      return true;
    }
    if (propOnly) {
      this.moveAbove(resource, target);
      target = this.findById(targetId)!;
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

  /** Moves the resource's statement just above the target's, when nothing it uses is declared in between. */
  private moveAbove(resource: StackConstruct, target: StackConstruct): void {
    const from = resource.statement;
    const to = target.statement;
    const refuse = (why: string) =>
      new Error(
        `Cannot bind '${resource.id}' to the ${target.type} '${target.id}' in ${this.fileName}: a ${target.type} ` +
          `takes its bindings in its props, so '${resource.id}' must be declared above it, and ${why}. ` +
          `Move '${resource.id}' above '${target.id}' by hand and run this again.`,
      );
    if (!from || !to || from.parent !== to.parent) throw refuse('they are not in the same block');
    const block = from.parent as ts.Block;
    const between = block.statements.slice(block.statements.indexOf(to), block.statements.indexOf(from));
    const declared = new Set<string>();
    for (const statement of between) {
      if (ts.isVariableStatement(statement)) {
        for (const d of statement.declarationList.declarations)
          if (ts.isIdentifier(d.name)) declared.add(d.name.text);
      }
    }
    const used: string[] = [];
    const visit = (node: ts.Node) => {
      if (ts.isIdentifier(node) && declared.has(node.text)) used.push(node.text);
      ts.forEachChild(node, visit);
    };
    visit(from);
    if (used.length) throw refuse(`it uses ${[...new Set(used)].join(', ')}, declared after '${target.id}'`);
    const statementText = this.text.slice(from.getStart(), from.getEnd());
    const lineStart = this.text.lastIndexOf('\n', from.getStart() - 1);
    this.apply([
      { type: ChangeType.Delete, start: lineStart, length: from.getEnd() - lineStart },
      {
        type: ChangeType.Insert,
        index: to.getStart(),
        text: `${statementText}\n${indentationAt(this.text, to.getStart())}`,
      },
    ]);
  }

  /**
   * Adds client-visible entries (`VITE_BUCKET_UPLOADS_BUCKET_NAME: uploadsBucket.bucketName`) to the
   * `environment` prop of the site `targetId`, moving the resource above the site when it is declared
   * below (a site reads its props when constructed). An entry already there with the same value is kept;
   * one with another value is refused. Returns false when every entry was there.
   */
  addEnvironment(
    targetId: string,
    resourceVariable: string,
    entries: { key: string; value: string }[],
  ): boolean {
    let target = this.findById(targetId);
    const resource = this.source.constructs.find((c) => c.variable === resourceVariable);
    if (!target || !resource)
      throw new Error(`Cannot give '${resourceVariable}' to '${targetId}' in ${this.fileName}.`);
    const environment = property(target.props, 'environment');
    if (environment && !ts.isObjectLiteralExpression(environment)) {
      throw new Error(
        `Cannot add to the 'environment' of '${target.id}' in ${this.fileName}: it is not an object literal. ` +
          `Add ${entries.map((e) => `${e.key}: ${e.value}`).join(', ')} to it by hand.`,
      );
    }
    const missing = entries.filter(({ key, value }) => {
      const existing = environment && property(environment as ts.ObjectLiteralExpression, key);
      if (!existing) return true;
      if (existing.getText().replace(/\s+/g, '') === value.replace(/\s+/g, '')) return false;
      throw new Error(
        `'${target!.id}' in ${this.fileName} already has environment ${key}: ${existing.getText()}, not ${value}. ` +
          `Rename or remove that entry, or add the value by hand under another name.`,
      );
    });
    if (missing.length === 0) return false;
    if (resource.node.getStart() > target.node.getStart()) {
      this.moveAbove(resource, target);
      target = this.findById(targetId)!;
    }
    const current = property(target.props, 'environment') as ts.ObjectLiteralExpression | undefined;
    const text = missing.map((e) => `${e.key}: ${e.value}`).join(', ');
    if (!current) {
      this.addProp(target, `environment: { ${text} }`);
    } else if (current.properties.length === 0) {
      this.apply([{ type: ChangeType.Insert, index: current.getStart() + 1, text: ` ${text} ` }]);
    } else {
      const last = current.properties[current.properties.length - 1];
      this.apply([{ type: ChangeType.Insert, index: last.getEnd(), text: `, ${text}` }]);
    }
    return true;
  }

  /** Adds `name: value` (given whole, as text) to a construct's props, creating them when it has none. */
  private addProp(target: StackConstruct, text: string): void {
    const props = target.props;
    if (!props) {
      const idArg = target.node.arguments![1];
      this.apply([{ type: ChangeType.Insert, index: idArg.getEnd(), text: `, { ${text} }` }]);
      return;
    }
    const properties = props.properties;
    if (properties.length === 0) {
      this.apply([{ type: ChangeType.Insert, index: props.getStart() + 1, text: ` ${text} ` }]);
      return;
    }
    const last = properties[properties.length - 1];
    const multiline = props.getText().includes('\n');
    if (!multiline) {
      this.apply([{ type: ChangeType.Insert, index: last.getEnd(), text: `, ${text}` }]);
      return;
    }
    const indent = indentationAt(this.text, last.getStart());
    if (properties.hasTrailingComma) {
      const comma = this.text.indexOf(',', last.getEnd());
      this.apply([{ type: ChangeType.Insert, index: comma + 1, text: `\n${indent}${text},` }]);
    } else {
      this.apply([{ type: ChangeType.Insert, index: last.getEnd(), text: `,\n${indent}${text}` }]);
    }
  }

  private bindThroughProp(target: StackConstruct, variable: string): void {
    const props = target.props;
    if (!props) {
      this.addProp(target, `bind: [${variable}]`);
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
    this.addProp(target, `bind: [${variable}]`);
  }

  findById(id: string): StackConstruct | undefined {
    return this.source.constructs.find((c) => c.id === id);
  }

  private apply(changes: StringChange[]): void {
    this.text = applyChangesToString(this.text, changes);
    this.source = parseStackSource(this.fileName, this.text);
  }
}

/** Targets that take bindings only through their `bind` prop (they have no `bind()` method). */
const PROP_ONLY_TARGETS = new Set(['NextjsSite', 'StaticSite', 'Service']);

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
