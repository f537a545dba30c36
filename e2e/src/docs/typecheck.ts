import { dirname, join } from 'node:path';
import * as ts from 'typescript';
import { repoRoot } from '../harness/workspace';
import { directive, type DocBlock } from './blocks';

/**
 * Where the samples live while they are compiled: files that exist only in memory, inside the repo
 * so that `@nx-sst/*` and `nx-sst` resolve to the workspace packages — as built (their `exports`
 * point at `dist/`).
 */
const VIRTUAL_ROOT = join(repoRoot, 'e2e', '.docs-samples');

/**
 * Parsed declaration files of the packages and libs, shared by the programs of one process: the
 * test builds a few programs, and parsing aws-cdk-lib's declarations is most of a program's cost.
 */
const sourceCache = new Map<string, ts.SourceFile | undefined>();

export interface SampleFile {
  block: DocBlock;
  fileName: string;
  /** lines put before the block's own (its `declare` directives) */
  offset: number;
  text: string;
}

export interface SampleDiagnostic {
  block: DocBlock;
  /** 1-based line in the Markdown file */
  line: number;
  message: string;
}

export const COMPILER_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  // Every sample is a module of its own, even one without an import: no sample sees another's names.
  moduleDetection: ts.ModuleDetectionKind.Force,
  jsx: ts.JsxEmit.ReactJSX,
  esModuleInterop: true,
  skipLibCheck: true,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: ['node', 'jest'],
};

/** The file a block is compiled as: its `module` path, else one named after its page and line. */
export function sampleFile(block: DocBlock): SampleFile {
  const page = block.file.replace(/\.md$/, '');
  const module = directive(block, 'module');
  const ext = block.lang === 'tsx' ? 'tsx' : 'ts';
  const fileName = join(VIRTUAL_ROOT, page, module ? module.path : `line-${block.line}.${ext}`);
  const prelude = block.directives.flatMap((d) => (d.kind === 'declare' ? [d.code] : []));
  return {
    block,
    fileName,
    offset: prelude.length,
    text: [...prelude, block.body].join('\n') + '\n',
  };
}

/**
 * Type-checks every sample in one program (one TypeScript start-up, one load of each package's
 * declarations) and returns each error at its line in the Markdown.
 * `extraFiles` (path → content) are compiled with them, e.g. the generated `sst-env.d.ts`.
 */
export function typecheckSamples(blocks: DocBlock[], extraFiles: Record<string, string> = {}) {
  const files = new Map<string, SampleFile>();
  for (const block of blocks) {
    const file = sampleFile(block);
    const other = files.get(file.fileName);
    if (other)
      throw new Error(
        `${block.file}:${block.line}: a second sample compiled as ${file.fileName} (the first is at line ${other.block.line}); give one a different "module" path`,
      );
    files.set(file.fileName, file);
  }
  const extra = new Map(Object.entries(extraFiles).map(([name, text]) => [join(VIRTUAL_ROOT, name), text]));
  for (const block of blocks)
    for (const d of block.directives)
      if (d.kind === 'stub')
        extra.set(join(VIRTUAL_ROOT, block.file.replace(/\.md$/, ''), d.path), d.code + '\n');
  const virtualText = (name: string) => files.get(name)?.text ?? extra.get(name);
  const virtualDirs = new Set<string>();
  for (const name of [...files.keys(), ...extra.keys()])
    for (let dir = dirname(name); dir.startsWith(VIRTUAL_ROOT); dir = dirname(dir)) virtualDirs.add(dir);

  const host = ts.createCompilerHost(COMPILER_OPTIONS);
  // Parsing the packages' declarations (aws-cdk-lib's thousands of files) is most of the time; their
  // JSDoc is not needed to type-check TypeScript, and skipping it saves about a third.
  host.jsDocParsingMode = ts.JSDocParsingMode.ParseNone;
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  host.getCurrentDirectory = () => join(repoRoot, 'e2e');
  host.fileExists = (name) => virtualText(name) !== undefined || fileExists.call(host, name);
  host.readFile = (name) => virtualText(name) ?? readFile.call(host, name);
  host.directoryExists = (name) => virtualDirs.has(name) || (directoryExists?.call(host, name) ?? true);
  host.getSourceFile = (name, languageVersion, onError, shouldCreate) => {
    const text = virtualText(name);
    if (text !== undefined) return ts.createSourceFile(name, text, languageVersion);
    if (!sourceCache.has(name))
      sourceCache.set(name, getSourceFile.call(host, name, languageVersion, onError, shouldCreate));
    return sourceCache.get(name);
  };

  const program = ts.createProgram({
    rootNames: [...files.keys(), ...extra.keys()],
    options: COMPILER_OPTIONS,
    host,
  });
  const diagnostics: SampleDiagnostic[] = [];
  const unplaced: string[] = [];
  for (const diagnostic of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()])
    unplaced.push(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
  for (const sourceFile of program.getRootFileNames().map((name) => program.getSourceFile(name)!)) {
    const sample = files.get(sourceFile.fileName);
    for (const diagnostic of [
      ...program.getSyntacticDiagnostics(sourceFile),
      ...program.getSemanticDiagnostics(sourceFile),
    ]) {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      const at =
        diagnostic.start === undefined ? 0 : sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line;
      if (!sample) {
        unplaced.push(`${sourceFile.fileName}:${at + 1}: ${message}`);
        continue;
      }
      // The fence is at block.line; the block's first line is the one after it.
      const line = at < sample.offset ? sample.block.line - 1 : sample.block.line + 1 + at - sample.offset;
      diagnostics.push({ block: sample.block, line, message });
    }
  }
  if (unplaced.length) throw new Error(`The docs samples' program is broken:\n${unplaced.join('\n')}`);
  return diagnostics;
}
