import type { Tree } from '@nx/devkit';
import { FUNCTIONS_SST_ENV, WEB_SST_ENV } from '../../test-utils/expected-types';
import { addSampleResources, createWorkspace, treeContent } from '../test-utils/workspace';
import { syncGenerator } from './sync';

describe('sync generator', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = await createWorkspace();
    await addSampleResources(tree, ['web', 'functions']);
  });

  it("writes each bound project's sst-env.d.ts with only what is bound to it, and nothing elsewhere", async () => {
    const before = new Set(Object.keys(treeContent(tree)));
    const result = await syncGenerator(tree);
    expect(result).toMatchInlineSnapshot(`
     {
       "outOfSyncDetails": [
         "apps/web/sst-env.d.ts: missing",
         "libs/functions/sst-env.d.ts: missing",
       ],
       "outOfSyncMessage": "The sst-env.d.ts of bound projects do not match the bindings in the stacks.",
     }
    `);
    const written = Object.keys(treeContent(tree)).filter((f) => !before.has(f));
    expect(written.sort()).toEqual(['apps/web/sst-env.d.ts', 'libs/functions/sst-env.d.ts']);
    expect(tree.read('apps/web/sst-env.d.ts', 'utf-8')).toBe(WEB_SST_ENV);
    expect(tree.read('libs/functions/sst-env.d.ts', 'utf-8')).toBe(FUNCTIONS_SST_ENV);
  });

  it('reports nothing and changes nothing once in sync', async () => {
    await syncGenerator(tree);
    const first = treeContent(tree);
    expect(await syncGenerator(tree)).toBeUndefined();
    expect(treeContent(tree)).toEqual(first);
  });

  it('removes the generated file of a project that is no longer bound, never a hand-written one', async () => {
    await syncGenerator(tree);
    tree.write('libs/utils/sst-env.d.ts', '// my own declarations\n');
    // The worker function (the only target in libs/functions) is deleted from the stack.
    const stack = tree.read('apps/infra/stacks/Default.ts', 'utf-8')!;
    const worker = stack.split('\n').find((line) => line.includes("new Function(stack, 'worker'"))!;
    tree.write('apps/infra/stacks/Default.ts', stack.replace(`${worker}\n`, ''));
    const result = await syncGenerator(tree);
    expect(result?.outOfSyncDetails).toEqual(['libs/functions/sst-env.d.ts: the project is no longer bound']);
    expect(tree.exists('libs/functions/sst-env.d.ts')).toBe(false);
    expect(tree.read('libs/utils/sst-env.d.ts', 'utf-8')).toBe('// my own declarations\n');
  });
});
