import type { Tree } from '@nx/devkit';
import { resourceGenerator } from '../resource/resource';
import { siteGenerator } from '../site/site';
import { createWorkspace, treeContent } from '../test-utils/workspace';
import { bindGenerator } from './bind';

const STACK = 'apps/infra/stacks/Default.ts';

describe('bind generator', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = await createWorkspace();
    await siteGenerator(tree, { project: 'web', skipFormat: true });
    await resourceGenerator(tree, { type: 'bucket', name: 'public', skipFormat: true });
  });

  it('binds a resource declared after the target with a .bind() call after it', async () => {
    await bindGenerator(tree, { resource: 'public', project: 'web', skipFormat: true });
    expect(tree.read(STACK, 'utf-8')).toMatchInlineSnapshot(`
     "import { type StackContext, NextjsSite, Bucket } from '@nx-sst/constructs';

     export function Default({ stack }: StackContext) {
       const webSite = new NextjsSite(stack, 'web', { path: 'apps/web' });
       const publicBucket = new Bucket(stack, 'public');
       webSite.bind([publicBucket]);
     }
     "
    `);
  });

  it('binds a resource declared before the target through its bind prop', async () => {
    await resourceGenerator(tree, {
      type: 'function',
      name: 'worker',
      handler: 'libs/functions/src/index.handler',
      skipFormat: true,
    });
    await bindGenerator(tree, { resource: 'public', project: 'functions', skipFormat: true });
    expect(tree.read(STACK, 'utf-8')).toContain(
      `new Function(stack, 'worker', { handler: 'libs/functions/src/index.handler', bind: [publicBucket] })`,
    );
  });

  it('changes nothing when run twice', async () => {
    await bindGenerator(tree, { resource: 'public', project: 'web', skipFormat: true });
    const first = treeContent(tree);
    await bindGenerator(tree, { resource: 'public', project: 'web', skipFormat: true });
    expect(treeContent(tree)).toEqual(first);
  });

  it.each([
    [
      { resource: 'nope', project: 'web' },
      `No resource 'nope' in the stacks of 'infra'. Resources: public, web.`,
    ],
    [{ resource: 'bad id', project: 'web' }, `Invalid resource id 'bad id'`],
    [{ resource: 'public', project: 'nope' }, `Cannot find project 'nope'`],
    [
      { resource: 'public', project: 'utils' },
      `Project 'utils' has nothing in apps/infra/stacks/Default.ts that runs its code`,
    ],
  ])('refuses %j and writes nothing', async (options, message) => {
    const before = treeContent(tree);
    await expect(bindGenerator(tree, { ...options, skipFormat: true })).rejects.toThrow(message);
    expect(treeContent(tree)).toEqual(before);
  });

  it('refuses a construct that is not bindable', async () => {
    await resourceGenerator(tree, {
      type: 'cron',
      name: 'nightly',
      handler: 'libs/functions/src/index.handler',
      skipFormat: true,
    });
    await expect(
      bindGenerator(tree, { resource: 'nightly', project: 'web', skipFormat: true }),
    ).rejects.toThrow(`'nightly' is a Cron, which is not bindable`);
  });
});
