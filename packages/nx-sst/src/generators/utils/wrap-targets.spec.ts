import { readJson, writeJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { bindScript, wrapBoundTargets } from './wrap-targets';

describe('wrapBoundTargets', () => {
  it('prefixes simple scripts and runs scripts with shell syntax whole in the bound shell', () => {
    expect(bindScript('next dev')).toBe('nx-sst bind -- next dev');
    expect(bindScript('next build && next export')).toBe(
      `nx-sst bind --shell -- 'next build && next export'`,
    );
    expect(bindScript(`echo 'hi' | cat`)).toBe(`nx-sst bind --shell -- 'echo '\\''hi'\\'' | cat'`);
  });

  it('wraps project.json commands with the bind executor, and leaves other executors alone', () => {
    const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
    writeJson(tree, 'apps/api/project.json', {
      name: 'api',
      targets: {
        dev: { command: 'tsx watch src/main.ts', options: { cwd: 'apps/api' } },
        test: { executor: 'nx:run-commands', options: { command: 'vitest run' }, cache: true },
        build: { executor: '@nx/esbuild:esbuild' },
      },
    });
    const result = wrapBoundTargets(tree, { name: 'api', root: 'apps/api' });
    expect(result).toEqual({ wrapped: ['dev', 'test'], skipped: ['build'] });
    expect(readJson(tree, 'apps/api/project.json').targets).toMatchInlineSnapshot(`
     {
       "build": {
         "executor": "@nx/esbuild:esbuild",
       },
       "dev": {
         "continuous": true,
         "executor": "nx-sst:bind",
         "options": {
           "command": "tsx watch src/main.ts",
           "cwd": "apps/api",
         },
       },
       "test": {
         "cache": true,
         "continuous": false,
         "executor": "nx-sst:bind",
         "options": {
           "command": "vitest run",
         },
       },
     }
    `);
    // Running it again changes nothing.
    const before = tree.read('apps/api/project.json', 'utf-8');
    wrapBoundTargets(tree, { name: 'api', root: 'apps/api' });
    expect(tree.read('apps/api/project.json', 'utf-8')).toBe(before);
  });

  it('does not wrap a script that project.json overrides, nor one wrapped already', () => {
    const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
    writeJson(tree, 'apps/web/package.json', {
      name: 'web',
      scripts: { dev: 'nx-sst bind -- next dev', test: 'vitest' },
    });
    writeJson(tree, 'apps/web/project.json', {
      name: 'web',
      targets: { test: { executor: '@nx/vitest:test' } },
    });
    wrapBoundTargets(tree, { name: 'web', root: 'apps/web' });
    expect(readJson(tree, 'apps/web/package.json').scripts).toEqual({
      dev: 'nx-sst bind -- next dev',
      test: 'vitest',
    });
  });
});
