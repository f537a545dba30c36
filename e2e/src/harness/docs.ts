import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './workspace';

/**
 * What a test does with a code sample of the docs, from the HTML comment on the line before it:
 * - `run <id>`: shell commands, run one line at a time in the workspace;
 * - `install <id>`: an `npm install` of our packages, run with each package name replaced by its tarball;
 * - `background <id>`: a long-running command (a dev server) run in the background;
 * - `file <path>`: the content of a file the user writes at that path;
 * - `excerpt <path>`: lines that must appear, in this order, in that (generated) file;
 * - `output <id>`: text that must appear in the output of a command.
 */
export type SampleKind = 'run' | 'install' | 'background' | 'file' | 'excerpt' | 'output';

export interface DocSample {
  kind: SampleKind;
  /** the id or the path after the kind */
  key: string;
  lang: string;
  body: string;
  /** 1-based line of the opening fence */
  line: number;
}

const KINDS = new Set<SampleKind>(['run', 'install', 'background', 'file', 'excerpt', 'output']);
const MARKER = /^<!--\s*e2e:\s*(\S+)\s+(\S+)\s*-->$/;
const FENCE = /^(```+|~~~+)\s*([\w-]*)/;

/** Every fenced code block of a Markdown file with its e2e marker; a block without one is an error. */
export function parseDocSamples(markdown: string, file = 'the document'): DocSample[] {
  const lines = markdown.split('\n');
  const samples: DocSample[] = [];
  const problems: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = lines[i].match(FENCE);
    if (!fence) continue;
    const close = lines.findIndex((line, j) => j > i && line.trimEnd() === fence[1]);
    if (close === -1) {
      problems.push(`${file}:${i + 1}: code block is never closed`);
      break;
    }
    const marker = (lines[i - 1] ?? '').trim().match(MARKER);
    if (!marker || !KINDS.has(marker[1] as SampleKind)) {
      problems.push(
        `${file}:${i + 1}: code block without an "<!-- e2e: <kind> <key> -->" marker on the line before it`,
      );
    } else {
      samples.push({
        kind: marker[1] as SampleKind,
        key: marker[2],
        lang: fence[2],
        body: lines.slice(i + 1, close).join('\n') + '\n',
        line: i + 1,
      });
    }
    i = close;
  }
  const seen = new Set<string>();
  for (const sample of samples) {
    const id = `${sample.kind} ${sample.key}`;
    if (seen.has(id)) problems.push(`${file}:${sample.line}: a second "${id}" sample`);
    seen.add(id);
  }
  if (problems.length) throw new Error(problems.join('\n'));
  return samples;
}

/** The samples of one docs page, looked up by kind and key by the tests that exercise them. */
export class DocSamples {
  readonly samples: DocSample[];

  constructor(readonly file: string) {
    this.samples = parseDocSamples(readFileSync(join(repoRoot, file), 'utf8'), file);
  }

  get(kind: SampleKind, key: string): DocSample {
    const sample = this.samples.find((s) => s.kind === kind && s.key === key);
    if (!sample) throw new Error(`${this.file} has no "<!-- e2e: ${kind} ${key} -->" sample`);
    return sample;
  }

  /** The commands of a shell sample, one per line, without comments and blank lines. */
  commands(kind: 'run' | 'install' | 'background', key: string): string[] {
    return this.get(kind, key)
      .body.split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
  }
}

/** Collapses whitespace so an excerpt matches whatever formatter wrote the file. */
export function normalizeCode(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter(Boolean);
}

/** The excerpt's lines not found, in order, in `content` (empty when the excerpt matches). */
export function missingExcerptLines(excerpt: string, content: string): string[] {
  const want = normalizeCode(excerpt).filter((line) => line !== '// …' && line !== '…');
  const have = normalizeCode(content);
  const missing: string[] = [];
  let at = 0;
  for (const line of want) {
    const found = have.indexOf(line, at);
    if (found === -1) missing.push(line);
    else at = found + 1;
  }
  return missing;
}
