import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../harness/workspace';

/**
 * What the docs test is told about one code block, by `<!-- docs-test: … -->` comments on the lines
 * right above its fence (one directive per comment):
 * - `skip (reason)`: a deliberate fragment, not checked; the reason is required;
 * - `module <path>`: compile the block as that file (relative imports between blocks of one page
 *   resolve, e.g. `sst.config.ts` importing `./stacks/Default`);
 * - `declare <declarations>`: TypeScript put before the block, for what the sample takes as given
 *   (`declare function charge(key: string): Promise<void>;`);
 * - `stub <path> <code>`: a file the sample imports that the page does not show, compiled with it
 *   (`stub stacks/Default.ts export function Default() {}`);
 * - `synopsis`: a `text` block of `nx-sst` usage lines whose commands and flags must exist;
 * - `run`: a ts block that is a whole test file (hooks and `test`s, Jest's globals): besides being
 *   compiled, `run.spec.ts` runs it.
 */
export type Directive =
  | { kind: 'skip'; reason: string }
  | { kind: 'module'; path: string }
  | { kind: 'declare'; code: string }
  | { kind: 'stub'; path: string; code: string }
  | { kind: 'synopsis' }
  | { kind: 'run' };

export interface DocBlock {
  /** repo-relative file */
  file: string;
  /** 1-based line of the opening fence */
  line: number;
  lang: string;
  body: string;
  directives: Directive[];
  /** the `<!-- e2e: kind key -->` marker: the block is run by the quick start e2e */
  e2e?: string;
}

const FENCE = /^(\s*)(```+|~~~+)\s*([\w-]*)/;
const COMMENT = /^<!--\s*(docs-test|e2e):\s*(.*?)\s*-->$/;

function parseDirective(text: string, where: string): Directive {
  const [word, ...rest] = text.split(/\s+/);
  const arg = rest.join(' ');
  if (word === 'skip') {
    const reason = arg.match(/^\((.+)\)$/)?.[1]?.trim();
    if (!reason) throw new Error(`${where}: "skip" needs a reason: <!-- docs-test: skip (why) -->`);
    return { kind: 'skip', reason };
  }
  if (word === 'module' && /^[\w.@/-]+\.tsx?$/.test(arg) && !arg.includes('..'))
    return { kind: 'module', path: arg };
  if (word === 'declare' && arg) return { kind: 'declare', code: text };
  const stub = arg.match(/^([\w.@/-]+\.tsx?)\s+(.+)$/);
  if (word === 'stub' && stub && !stub[1].includes('..'))
    return { kind: 'stub', path: stub[1], code: stub[2] };
  if (word === 'synopsis' && !arg) return { kind: 'synopsis' };
  if (word === 'run' && !arg) return { kind: 'run' };
  throw new Error(
    `${where}: unknown docs-test directive "${text}" (use skip (reason), module <file.ts>, declare …, stub <file.ts> <code>, synopsis, run)`,
  );
}

/** Every fenced code block of a Markdown text, with the markers on the lines right above it. */
export function parseBlocks(markdown: string, file: string): DocBlock[] {
  const lines = markdown.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = lines[i].match(FENCE);
    if (!fence) continue;
    const [, indent, ticks, lang] = fence;
    const close = lines.findIndex((line, j) => j > i && line.trim() === ticks);
    if (close === -1) throw new Error(`${file}:${i + 1}: code block is never closed`);
    const block: DocBlock = {
      file,
      line: i + 1,
      lang,
      // A block inside a list item is indented; its code is not.
      body: lines
        .slice(i + 1, close)
        .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
        .join('\n'),
      directives: [],
    };
    for (let j = i - 1; j >= 0; j--) {
      const comment = lines[j].trim().match(COMMENT);
      if (!comment) break;
      if (comment[1] === 'e2e') block.e2e = comment[2];
      else block.directives.unshift(parseDirective(comment[2], `${file}:${j + 1}`));
    }
    blocks.push(block);
    i = close;
  }
  return blocks;
}

/** The pages whose samples must hold: README.md and every docs/*.md. */
export function docPages(): string[] {
  return [
    'README.md',
    ...readdirSync(join(repoRoot, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .sort()
      .map((name) => `docs/${name}`),
  ];
}

export function readBlocks(file: string): DocBlock[] {
  return parseBlocks(readFileSync(join(repoRoot, file), 'utf8'), file);
}

export function directive<K extends Directive['kind']>(
  block: DocBlock,
  kind: K,
): Extract<Directive, { kind: K }> | undefined {
  return block.directives.find((d): d is Extract<Directive, { kind: K }> => d.kind === kind);
}
