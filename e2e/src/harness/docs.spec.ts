import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocSamples, missingExcerptLines, parseDocSamples } from './docs';
import { repoRoot } from './workspace';

describe('parseDocSamples', () => {
  it('reads every fenced block with the marker on the line before it', () => {
    const samples = parseDocSamples(
      [
        '# t',
        '<!-- e2e: run init -->',
        '```bash',
        'npx nx g nx-sst:init',
        '```',
        '',
        '<!-- e2e: file a/b.ts -->',
        '```ts',
        'x',
        '```',
      ].join('\n'),
    );
    expect(samples).toEqual([
      { kind: 'run', key: 'init', lang: 'bash', body: 'npx nx g nx-sst:init\n', line: 3 },
      { kind: 'file', key: 'a/b.ts', lang: 'ts', body: 'x\n', line: 8 },
    ]);
  });

  it('refuses a block without a marker, an unknown kind and a duplicate, naming the lines', () => {
    const text = [
      '```bash',
      'ls',
      '```',
      '<!-- e2e: paste x -->',
      '```',
      'y',
      '```',
      '<!-- e2e: run a -->',
      '```',
      '1',
      '```',
      '<!-- e2e: run a -->',
      '```',
      '2',
      '```',
    ].join('\n');
    expect(() => parseDocSamples(text, 'doc.md')).toThrow(
      [
        'doc.md:1: code block without an "<!-- e2e: <kind> <key> -->" marker on the line before it',
        'doc.md:5: code block without an "<!-- e2e: <kind> <key> -->" marker on the line before it',
        'doc.md:13: a second "run a" sample',
      ].join('\n'),
    );
  });

  it('refuses a block that is never closed', () => {
    expect(() => parseDocSamples('<!-- e2e: run a -->\n```bash\nls\n', 'doc.md')).toThrow(
      'doc.md:2: code block is never closed',
    );
  });
});

describe('missingExcerptLines', () => {
  const file =
    "import { Bucket } from '@nx-sst/constructs';\n\nexport function Default({ stack }) {\n  const b = new Bucket(stack, 'public');\n}\n";

  it('matches lines in order, whatever the indentation', () => {
    expect(
      missingExcerptLines(
        "export function Default({ stack }) {\n      const b = new Bucket(stack, 'public');\n",
        file,
      ),
    ).toEqual([]);
  });

  it('lists the lines that are missing or out of order', () => {
    expect(
      missingExcerptLines(
        "const b = new Bucket(stack, 'public');\nexport function Default({ stack }) {\n",
        file,
      ),
    ).toEqual(['export function Default({ stack }) {']);
  });

  it('lets "// …" stand for lines left out', () => {
    expect(missingExcerptLines("import { Bucket } from '@nx-sst/constructs';\n// …\n}\n", file)).toEqual([]);
  });
});

describe('docs/getting-started.md', () => {
  const docs = new DocSamples('docs/getting-started.md');
  const spec = readFileSync(join(repoRoot, 'e2e/src/quickstart.spec.ts'), 'utf8');
  const use: Record<string, (key: string) => string> = {
    run: (key) => `runSample('${key}'`,
    install: (key) => `docs.commands('install', '${key}')`,
    background: (key) => `docs.commands('background', '${key}')`,
    file: (key) => `writeSample('${key}')`,
    excerpt: (key) => `expectExcerpt('${key}')`,
    output: (key) => `docs.get('output', '${key}')`,
  };

  it('has a marked sample for every code block, each exercised by the quick start e2e', () => {
    expect(docs.samples.length).toBeGreaterThan(10);
    const unused = docs.samples.filter((sample) => {
      const call = use[sample.kind](sample.key);
      // `run` samples may also be taken apart command by command.
      return (
        !spec.includes(call) &&
        !(sample.kind === 'run' && spec.includes(`docs.commands('run', '${sample.key}')`))
      );
    });
    expect(unused.map((s) => `line ${s.line}: ${s.kind} ${s.key}`)).toEqual([]);
  });

  it('writes files only inside the workspace', () => {
    for (const sample of docs.samples.filter((s) => s.kind === 'file' || s.kind === 'excerpt')) {
      expect(sample.key).toMatch(/^(apps|libs)\/[\w./-]+(#\w+)?$/);
    }
  });
});

describe('examples/quickstart', () => {
  const docs = new DocSamples('docs/getting-started.md');

  it.each(['apps/web/app/page.tsx', 'apps/web/app/upload.tsx', 'apps/web/test/bindings.test.ts'])(
    'has the same %s as the getting started guide',
    (path) => {
      expect(readFileSync(join(repoRoot, 'examples/quickstart', path), 'utf8')).toBe(
        docs.get('file', path).body,
      );
    },
  );
});
