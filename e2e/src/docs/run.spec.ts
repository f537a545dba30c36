import { stripVTControlCharacters } from 'node:util';
/**
 * The docs' samples that are whole test files (`<!-- docs-test: run -->`, e.g. docs/testing.md's
 * `setBindings` and fault-injection tests) are run here, not just compiled: a sample that compiles
 * but no longer passes — an API that changed behaviour — fails this suite.
 *
 * The fault-injection sample starts a local cloud: it needs moto, like the packages' own tests.
 */
import * as ts from 'typescript';
import { directive, docPages, readBlocks, type DocBlock } from './blocks';
import { sampleFile } from './typecheck';

type Fn = () => unknown;

/**
 * Runs a sample's hooks and tests in Jest's order (beforeAll; per test beforeEach, the test,
 * afterEach; afterAll — the after-hooks also when something failed), with `process.env` restored
 * afterwards. Resolves to the names of the tests that ran.
 */
export async function runSample(block: DocBlock): Promise<string[]> {
  const { text } = sampleFile(block);
  const { outputText } = ts.transpileModule(text, {
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: true,
    },
    fileName: `${block.file}:${block.line}.ts`,
  });
  const hooks: Record<'beforeAll' | 'beforeEach' | 'afterEach' | 'afterAll', Fn[]> = {
    beforeAll: [],
    beforeEach: [],
    afterEach: [],
    afterAll: [],
  };
  const tests: [string, Fn][] = [];
  const addTest = (name: string, fn: Fn) => tests.push([name, fn]);
  const globals = {
    require,
    module: { exports: {} },
    beforeAll: (fn: Fn) => hooks.beforeAll.push(fn),
    beforeEach: (fn: Fn) => hooks.beforeEach.push(fn),
    afterEach: (fn: Fn) => hooks.afterEach.push(fn),
    afterAll: (fn: Fn) => hooks.afterAll.push(fn),
    test: addTest,
    it: addTest,
    expect,
    // The sample's own timeout is for a file of its own; this suite sets the timeout here.
    jest: { setTimeout: () => undefined },
  };
  const env = { ...process.env };
  const errors: unknown[] = [];
  const guard = async (fn: Fn) => {
    try {
      await fn();
    } catch (error) {
      errors.push(error);
    }
  };
  try {
    new Function(...Object.keys(globals), 'exports', outputText)(
      ...Object.values(globals),
      globals.module.exports,
    );
    for (const fn of hooks.beforeAll) await guard(fn);
    for (const [, fn] of errors.length ? [] : tests) {
      for (const hook of hooks.beforeEach) await guard(hook);
      if (!errors.length) await guard(fn);
      for (const hook of hooks.afterEach) await guard(hook);
    }
    for (const fn of hooks.afterAll) await guard(fn);
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
    Object.assign(process.env, env);
  }
  if (errors.length) throw errors[0];
  return tests.map(([name]) => name);
}

const runnable = docPages()
  .flatMap(readBlocks)
  .filter((block) => directive(block, 'run'));

describe('the docs samples that are test files', () => {
  it('include the testing page', () => {
    expect(runnable.map((b) => b.file)).toEqual(expect.arrayContaining(['docs/testing.md']));
  });

  it.each(runnable.map((block) => [`${block.file}:${block.line}`, block] as const))(
    '%s passes',
    async (_, block) => {
      expect((await runSample(block)).length).toBeGreaterThan(0);
    },
    180_000,
  );
});

describe('runSample', () => {
  const block = (body: string): DocBlock => ({
    file: 'docs/t.md',
    line: 1,
    lang: 'ts',
    body,
    directives: [],
  });

  it('runs hooks and tests in order, and restores the environment', async () => {
    const sample = block(
      [
        'const log: string[] = [];',
        "beforeAll(() => { log.push('all'); process.env.DOCS_SAMPLE_X = '1'; });",
        "beforeEach(() => { log.push('each'); });",
        "test('a', () => { log.push('a'); });",
        "test('b', async () => { log.push('b'); });",
        "afterEach(() => { log.push('after'); });",
        "afterAll(() => { expect(log).toEqual(['all', 'each', 'a', 'after', 'each', 'b', 'after']); });",
      ].join('\n'),
    );
    await expect(runSample(sample)).resolves.toEqual(['a', 'b']);
    expect(process.env.DOCS_SAMPLE_X).toBeUndefined();
  });

  it('fails when a test fails, and still runs the after-hooks', async () => {
    const sample = block(
      [
        'let cleaned = false;',
        "test('a', () => { expect(1).toBe(2); });",
        'afterAll(() => { cleaned = true; (globalThis as any).docsSampleCleaned = cleaned; });',
      ].join('\n'),
    );
    // The matcher's message is coloured when jest decides the terminal supports it (CI streams through Nx).
    const error = await runSample(sample).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(stripVTControlCharacters(error?.message ?? '')).toContain('expect(received).toBe(expected)');
    expect((globalThis as { docsSampleCleaned?: boolean }).docsSampleCleaned).toBe(true);
  });
});
