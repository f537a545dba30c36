/**
 * Every code sample of README.md and docs/*.md holds: TypeScript compiles against the built
 * packages, `nx-sst`/`nx g nx-sst:…`/`nx run …` commands parse with the real CLI and Nx's schema
 * validation, JSON parses and names real options. docs/getting-started.md's samples are run by the
 * quick start e2e instead (their `<!-- e2e: … -->` markers). Fast and offline: always runs in CI.
 *
 * Needs the packages built (`npx nx run-many -t build`; `nx run e2e:test` builds them first).
 */
import { docPages, parseBlocks, readBlocks, type DocBlock } from './blocks';
import { checkBlocks, type Problem } from './check';
import { checkCommand, checkGenerator, checkNxSstCli, shellCommands } from './commands';

// Generous: one TypeScript program over aws-cdk-lib's declarations takes 20-60 s on a busy 2-core machine.
jest.setTimeout(300_000);

const show = (problems: Problem[]) => problems.map((p) => `${p.file}:${p.line}: ${p.message}`);

describe('the docs samples', () => {
  const pages = docPages();
  const blocks = pages.flatMap(readBlocks);
  // One program for every page (one TypeScript start-up); each page is then reported on its own.
  let problems: Problem[] | undefined;
  beforeAll(async () => {
    problems = await checkBlocks(blocks);
  });

  it('are found on every page', () => {
    expect(pages).toEqual(
      expect.arrayContaining(['README.md', 'docs/testing.md', 'docs/migrating-from-sst-v2.md']),
    );
    expect(blocks.filter((b) => b.lang === 'ts').length).toBeGreaterThan(20);
  });

  it.each(pages)('of %s compile, parse and name real options (or are skipped, with a reason)', (page) => {
    expect(problems).toBeDefined();
    expect(show(problems!.filter((p) => p.file === page))).toEqual([]);
  });
});

describe('the docs test itself', () => {
  const page = (markdown: string): DocBlock[] => parseBlocks(markdown, 'docs/t.md');
  /** The problems the check reports for a page of these lines, as `file:line: message`. */
  const problemsIn = async (...lines: string[]) => show(await checkBlocks(page(lines.join('\n'))));

  it('reads markers on the lines above a fence, and indented blocks', () => {
    const [a, b] = page(
      [
        '<!-- docs-test: module stacks/Default.ts -->',
        '<!-- docs-test: declare const x: number; -->',
        '```ts',
        'x;',
        '```',
        '- item:',
        '  ```sh',
        '  nx-sst types',
        '  ```',
      ].join('\n'),
    );
    expect(a.directives).toEqual([
      { kind: 'module', path: 'stacks/Default.ts' },
      { kind: 'declare', code: 'declare const x: number;' },
    ]);
    expect(b).toMatchObject({ lang: 'sh', body: 'nx-sst types', line: 7 });
  });

  it('refuses a skip without a reason and an unknown directive', () => {
    expect(() => page('<!-- docs-test: skip -->\n```ts\n```')).toThrow('"skip" needs a reason');
    expect(() => page('<!-- docs-test: compile -->\n```ts\n```')).toThrow('unknown docs-test directive');
  });

  it('reports a TypeScript sample that does not compile, at its line, unless skipped', async () => {
    expect(
      await problemsIn(
        '```ts',
        "import { Bucket } from '@nx-sst/runtime/bucket';",
        'Bucket.nope.bucketName;',
        '```',
        '<!-- docs-test: skip (a fragment) -->',
        '```ts',
        'not typescript at all',
        '```',
      ),
    ).toEqual([expect.stringMatching(/^docs\/t\.md:3: .*'nope'/)]);
  });

  it('resolves relative imports between module-marked samples of a page', async () => {
    expect(
      await problemsIn(
        '<!-- docs-test: module stacks/Default.ts -->',
        '```ts',
        "import type { StackContext } from '@nx-sst/constructs';",
        'export function Default({ stack }: StackContext) { return { stack }; }',
        '```',
        '<!-- docs-test: module sst.config.ts -->',
        '```ts',
        "import { Default } from './stacks/Default';",
        'export const n: number = Default;',
        '```',
      ),
    ).toEqual([expect.stringMatching(/^docs\/t\.md:9: Type .* is not assignable to type 'number'/)]);
  });

  it('compiles a stub the sample imports but the page does not show', async () => {
    expect(
      await problemsIn(
        '<!-- docs-test: module infra/sst.config.ts -->',
        "<!-- docs-test: stub infra/stacks/Default.ts export const Default = 'x'; -->",
        '```ts',
        "import { Default } from './stacks/Default';",
        'export const n: number = Default;',
        '```',
      ),
    ).toEqual([expect.stringMatching(/^docs\/t\.md:5: Type 'string' is not assignable to type 'number'/)]);
  });

  it('refuses a block without a language and an e2e marker outside the quick start', async () => {
    expect(await problemsIn('```', 'x', '```', '<!-- e2e: run a -->', '```sh', 'ls', '```')).toEqual([
      expect.stringContaining('docs/t.md:1: a block without a checked language'),
      expect.stringContaining('docs/t.md:5: an e2e marker outside docs/getting-started.md'),
    ]);
  });

  it('splits shell lines into commands', () => {
    expect(
      shellCommands(
        `FOO=1 npx nx-sst bind --shell -- 'a && b' # comment\ngit commit -am "x y" && (edit f) | nx sync`,
      ),
    ).toEqual([
      ['FOO=1', 'npx', 'nx-sst', 'bind', '--shell', '--', 'a && b'],
      ['git', 'commit', '-am', 'x y'],
      ['edit', 'f'],
      ['nx', 'sync'],
    ]);
  });

  it('checks nx-sst commands with the CLI parser and its --help', async () => {
    await expect(checkNxSstCli(['deploy', '--stage', 'prod', '--bootstrap'])).resolves.toBeUndefined();
    await expect(checkNxSstCli(['secrets', 'set', 'A', 'v', '--fallback'])).resolves.toBeUndefined();
    await expect(
      checkNxSstCli(['bind', '--script', '--', 'vitest', 'run', '--nope']),
    ).resolves.toBeUndefined();
    await expect(checkNxSstCli(['deploy', '--nope'])).rejects.toThrow("nx-sst's parser refuses it");
    await expect(checkNxSstCli(['deploy', '--stage'])).rejects.toThrow("nx-sst's parser refuses it");
    await expect(checkNxSstCli(['deploi'])).rejects.toThrow('"deploi" is not a command');
    await expect(checkNxSstCli(['secrets', 'put', 'A'])).rejects.toThrow('use one of set');
    await expect(checkNxSstCli(['deploy', '--target', 'api'])).rejects.toThrow('--target is for bind');
    await expect(checkNxSstCli(['bind', 'vitest'])).rejects.toThrow('takes no argument');
    await expect(checkNxSstCli(['bind', '--script'])).rejects.toThrow('needs the command after --');
  });

  it('checks generators with Nx option validation against their schemas', async () => {
    await expect(
      checkGenerator(['nx-sst:resource', '--type', 'bucket', '--name', 'public', '--bind', 'web']),
    ).resolves.toBeUndefined();
    await expect(checkGenerator(['nx-sst:secret', 'STRIPE_KEY', '--bind', 'web'])).resolves.toBeUndefined();
    await expect(checkGenerator(['nx-sst:application', 'infra', '--dry-run'])).resolves.toBeUndefined();
    await expect(checkGenerator(['nx-sst:resource', '--type', 'bukkit', '--name', 'x'])).rejects.toThrow(
      "'bukkit' should be one of",
    );
    await expect(
      checkGenerator(['nx-sst:resource', '--type', 'bucket', '--name', 'x', '--nope']),
    ).rejects.toThrow("'nope' is not found in schema");
    await expect(checkGenerator(['nx-sst:site'])).rejects.toThrow("Required property 'project' is missing");
    await expect(checkGenerator(['nx-sst:lambda'])).rejects.toThrow('no generator "lambda"');
  });

  it('checks nx run of an inferred target as the CLI command it runs', async () => {
    await expect(checkCommand(['npx', 'nx', 'run', 'infra:deploy', '--stage', 'prod'])).resolves.toBe(true);
    await expect(checkCommand(['nx', 'run', 'infra:secrets', '--', 'set', 'A'])).resolves.toBe(true);
    await expect(checkCommand(['nx', 'run', 'infra:deploy', '--stag', 'prod'])).rejects.toThrow(
      'parser refuses',
    );
    await expect(checkCommand(['npm', 'ci'])).resolves.toBe(false);
    await expect(checkCommand(['npm', 'install', '-D', 'nx-sst', '@nx-sst/runtime@0.1.0'])).resolves.toBe(
      true,
    );
    await expect(checkCommand(['npm', 'i', '@nx-sst/node'])).rejects.toThrow(
      '"@nx-sst/node" is not one of our packages',
    );
  });

  it('checks JSON samples: nx.json plugin options by their type, scripts by the CLI', async () => {
    expect(
      await problemsIn(
        '```json',
        '{ "plugins": [{ "plugin": "nx-sst", "options": { "deployTarget": "d" } }] }',
        '```',
        '```json',
        '{ "scripts": { "dev": "nx-sst bind --scrpt -- next dev" } }',
        '```',
        '```json',
        '{ "a": 1, }',
        '```',
        '```json',
        '{ "targets": { "dev": { "executor": "nx-sst:bind", "options": { "command": "next dev", "stag": "ci" } } } }',
        '```',
      ),
    ).toEqual([
      expect.stringMatching(/^docs\/t\.md:\d: .*deployTarget.* does not exist in type 'NxSstPluginOptions'/),
      expect.stringMatching(/^docs\/t\.md:4: script "dev": .*parser refuses it/),
      expect.stringMatching(/^docs\/t\.md:7: invalid JSON/),
      expect.stringMatching(/^docs\/t\.md:10: target "dev": 'stag' is not found in schema/),
    ]);
  });
});
