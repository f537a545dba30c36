import { appendToInclude, includes } from './tsconfig-include';

describe('includes', () => {
  it.each([
    ['sst-env.d.ts', true],
    ['./sst-env.d.ts', true],
    ['*.d.ts', true],
    ['*.ts', true],
    ['**/*', true],
    ['**/*.ts', true],
    ['**/*.d.ts', true],
    ['.', true],
    ['./', true],
    ['..', true],
    ['../../apps/web/sst-env.d.ts', true],
    ['../../apps/web/*.d.ts', true],
    ['src/**/*.ts', false],
    ['src', false],
    ['src/**/*.d.ts', false],
    ['*.tsx', false],
    ['index.d.ts', false],
    ['../../apps/other/sst-env.d.ts', false],
    ['.next/types/**/*.ts', false],
  ])('%s in apps/web/tsconfig.json takes apps/web/sst-env.d.ts: %s', (pattern, expected) => {
    expect(includes(pattern, 'sst-env.d.ts', 'apps/web')).toBe(expected);
  });

  it('reads patterns of a tsconfig at the workspace root', () => {
    expect(includes('**/*.ts', 'sst-env.d.ts', '.')).toBe(true);
    expect(includes('stacks', 'sst-env.d.ts', '.')).toBe(false);
    expect(includes('.', 'sst-env.d.ts', '.')).toBe(true);
  });
});

describe('appendToInclude', () => {
  const add = (text: string) => appendToInclude(text, 'sst-env.d.ts');

  it('keeps a one-line array on one line', () => {
    expect(add('{ "include": ["src/**/*.ts"], "exclude": [] }')).toBe(
      '{ "include": ["src/**/*.ts", "sst-env.d.ts"], "exclude": [] }',
    );
  });

  it("puts the element on its own line with the last element's indentation, tabs and CRLF kept", () => {
    expect(add('{\r\n\t"include": [\r\n\t\t"a.ts"\r\n\t]\r\n}\r\n')).toBe(
      '{\r\n\t"include": [\r\n\t\t"a.ts",\r\n\t\t"sst-env.d.ts"\r\n\t]\r\n}\r\n',
    );
  });

  it('keeps a comment on the line of the element it follows, and a trailing comma', () => {
    expect(add('{\n  // c\n  "include": [\n    "a.ts", // first\n    "b.ts" // last\n  ]\n}\n')).toBe(
      '{\n  // c\n  "include": [\n    "a.ts", // first\n    "b.ts", // last\n    "sst-env.d.ts"\n  ]\n}\n',
    );
    expect(add('{\n  "include": [\n    "a.ts",\n  ],\n}\n')).toBe(
      '{\n  "include": [\n    "a.ts",\n    "sst-env.d.ts"\n  ],\n}\n',
    );
  });

  it('changes nothing without a top-level include array', () => {
    expect(add('{ "compilerOptions": { "include": ["x"] } }')).toBeUndefined();
    expect(add('{ "include": [] }')).toBeUndefined();
  });
});
