import { logger, readJson, writeJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { bindScript, wrapBoundTargets } from './wrap-targets';

/** What `--wrapTargets` asks for when a target must be rewritten (a program that is not Node.js). */
const ASKED = ['dev', 'start', 'serve', 'build', 'test'];

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
    const result = wrapBoundTargets(tree, { name: 'api', root: 'apps/api' }, 'infra', ASKED);
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
    wrapBoundTargets(tree, { name: 'api', root: 'apps/api' }, 'infra', ASKED);
    expect(tree.read('apps/api/project.json', 'utf-8')).toBe(before);
  });

  it('does not wrap a script that project.json overrides, nor one wrapped already', () => {
    const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
    writeJson(tree, 'apps/web/package.json', {
      name: 'web',
      scripts: {
        dev: 'nx-sst bind -- next dev',
        test: 'vitest',
        start: 'PORT=3001 nx-sst bind -- next start',
      },
    });
    writeJson(tree, 'apps/web/project.json', {
      name: 'web',
      targets: {
        test: { executor: '@nx/vitest:test' },
        serve: { command: 'FOO=1 nx-sst bind -- node server.js' },
      },
    });
    wrapBoundTargets(tree, { name: 'web', root: 'apps/web' }, 'infra', ASKED);
    expect(readJson(tree, 'apps/web/package.json').scripts).toEqual({
      dev: 'nx-sst bind -- next dev',
      test: 'vitest',
      start: 'PORT=3001 nx-sst bind -- next start',
    });
    expect(readJson(tree, 'apps/web/project.json').targets.serve).toEqual({
      command: 'FOO=1 nx-sst bind -- node server.js',
    });
  });

  it('rewrites nothing by default: the plugin binds the targets as they are, and says so', () => {
    const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
    writeJson(tree, 'nx.json', { plugins: ['@nx/next/plugin', 'nx-sst'] });
    writeJson(tree, 'apps/web/package.json', { name: 'web', scripts: { dev: 'next dev' } });
    const info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => undefined);
    try {
      expect(wrapBoundTargets(tree, { name: 'web', root: 'apps/web' }, 'infra')).toEqual({
        wrapped: [],
        skipped: [],
      });
      expect(readJson(tree, 'apps/web/package.json').scripts).toEqual({ dev: 'next dev' });
      expect(info).toHaveBeenCalledWith(
        expect.stringContaining(
          'nx-sst: web is bound; its targets dev, serve, start, preview, test, e2e, build',
        ),
      );
      expect(info).toHaveBeenCalledWith(
        expect.stringMatching(/Deploy the stage first: nx run infra:deploy$/),
      );
      writeJson(tree, 'nx.json', { plugins: [] });
      wrapBoundTargets(tree, { name: 'web', root: 'apps/web' }, 'infra');
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('Add it: nx g nx-sst:init'));
    } finally {
      info.mockRestore();
      warn.mockRestore();
    }
  });
});
