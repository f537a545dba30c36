import type { Tree } from '@nx/devkit';
import { resourceGenerator } from '../resource/resource';
import {
  STACK,
  STACK_WITH_PUBLIC_BOUND_TO_WEB,
  createWorkspaceWithSite,
  treeContent,
} from '../test-utils/workspace';
import { bindGenerator } from './bind';

describe('bind generator', () => {
  let tree: Tree;
  beforeEach(async () => {
    tree = await createWorkspaceWithSite();
    await resourceGenerator(tree, { type: 'bucket', name: 'public', skipFormat: true });
  });

  it('moves a resource declared below a site above it: a site takes bindings only in its props', async () => {
    await bindGenerator(tree, { resource: 'public', project: 'web', skipFormat: true });
    expect(tree.read(STACK, 'utf-8')).toBe(STACK_WITH_PUBLIC_BOUND_TO_WEB);
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

  it('binds a resource declared below a function with a .bind() call after it', async () => {
    await resourceGenerator(tree, {
      type: 'function',
      name: 'worker',
      handler: 'libs/functions/src/index.handler',
      skipFormat: true,
    });
    await resourceGenerator(tree, { type: 'queue', name: 'jobs', skipFormat: true });
    await bindGenerator(tree, { resource: 'jobs', project: 'functions', skipFormat: true });
    expect(tree.read(STACK, 'utf-8')).toContain(
      `const jobsQueue = new Queue(stack, 'jobs');\n  workerFunction.bind([jobsQueue]);`,
    );
  });

  it('refuses to move a resource above a site when it uses something declared after the site', async () => {
    tree.write(
      STACK,
      `import { Bucket, NextjsSite, type StackContext } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  const site = new NextjsSite(stack, 'web', { path: 'apps/web' });
  const name = \`\${stack.stage}-files\`;
  const files = new Bucket(stack, 'files', { cdk: { bucket: { bucketName: name } } });
}
`,
    );
    const before = treeContent(tree);
    await expect(
      bindGenerator(tree, { resource: 'files', project: 'web', skipFormat: true }),
    ).rejects.toThrow(`it uses name, declared after 'web'. Move 'files' above 'web' by hand`);
    expect(treeContent(tree)).toEqual(before);
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
