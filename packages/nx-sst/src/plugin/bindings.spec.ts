import { createProjectLocator, locateTargets, readStaticBindings } from './bindings';

const read = (content: string) =>
  locateTargets(
    readStaticBindings([{ file: 'apps/infra/stacks/Default.ts', content }]),
    createProjectLocator(['apps/web', 'libs/functions', 'libs/jobs', 'apps/infra']),
  );

describe('readStaticBindings', () => {
  it('reads sites, functions, Api routes, Cron jobs and Queue consumers, with every way of binding', () => {
    const bindings = read(`
import { Api, Bucket as S3, Config, Cron, Function, NextjsSite, Queue, type StackContext } from '@nx-sst/constructs';
import { Bucket } from 'somewhere-else';

export function Default({ stack }: StackContext) {
  const files = new S3(stack, 'files');
  const notOurs = new Bucket(stack, 'ignored');
  const KEY = new Config.Secret(stack, 'KEY');
  const site = new NextjsSite(stack, 'web', { path: './apps/web/', bind: [{ resource: files, permissions: [] }] });
  site.bind([KEY]);
  const api = new Api(stack, 'api', {
    defaults: { function: { bind: [KEY] } },
    routes: { 'GET /': 'libs/functions/src/get.handler', 'POST /': { function: { handler: 'libs/functions/src/post.handler', bind: [files] } } },
  });
  new Cron(stack, 'nightly', { schedule: 'rate(1 day)', job: 'libs/jobs/src/nightly.handler' });
  const jobs = new Queue(stack, 'jobs', { consumer: 'libs/jobs/src/consume.handler' });
  jobs.bind([files]);
  new Function(stack, \`dynamic\`, { handler: 'apps/elsewhere/x.handler' });
}
`);
    expect(bindings.resources.map((r) => `${r.type}.${r.id}`)).toEqual([
      'Api.api',
      'Bucket.files',
      'Function.dynamic',
      'NextjsSite.web',
      'Queue.jobs',
      'Secret.KEY',
    ]);
    expect(
      bindings.targets.map((t) => [t.id, t.location, t.projectRoot, t.bindings.map((b) => b.id).join(',')]),
    ).toEqual([
      // Each route's function: the defaults' bindings, and its own (as the constructs merge them).
      ['api', 'libs/functions/src/get', 'libs/functions', 'KEY'],
      ['api', 'libs/functions/src/post', 'libs/functions', 'files,KEY'],
      ['dynamic', 'apps/elsewhere/x', undefined, ''],
      ['jobs', 'libs/jobs/src/consume', 'libs/jobs', 'files'],
      ['nightly', 'libs/jobs/src/nightly', 'libs/jobs', ''],
      ['web', 'apps/web', 'apps/web', 'files,KEY'],
    ]);
  });

  it('counts constructs created inside a bind array, and gives each function only its own bindings', () => {
    const bindings = read(`
import { Api, Bucket, Config, Cron, Function, NextjsSite, Table, Topic, type StackContext } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  new NextjsSite(stack, 'web', { path: 'apps/web', bind: [new Config.Secret(stack, 'KEY'), new Bucket(stack, 'b') as Bucket] });
  const worker = new Function(stack, 'worker', {
    handler: 'libs/functions/src/worker.handler',
    bind: [{ resource: new Table(stack, 'items', { fields: { id: 'string' }, primaryIndex: { partitionKey: 'id' } }), permissions: [] }],
  });
  worker.bind([new Topic(stack, 'events')]);
  new Api(stack, 'api', {
    routes: {
      'GET /a': { function: { handler: 'libs/functions/src/a.handler', bind: [new Config.Parameter(stack, 'A', { value: 'a' })] } },
      'GET /b': 'libs/functions/src/b.handler',
    },
  });
  new Cron(stack, 'nightly', { schedule: 'rate(1 day)', job: { function: { handler: 'libs/jobs/src/n.handler', bind: [new Config.Secret(stack, 'JOB')] } } });
}
`);
    expect(bindings.resources.map((r) => `${r.type}.${r.id}`)).toEqual([
      'Api.api',
      'Bucket.b',
      'Function.worker',
      'NextjsSite.web',
      'Parameter.A',
      'Secret.JOB',
      'Secret.KEY',
      'Table.items',
      'Topic.events',
    ]);
    expect(
      bindings.targets.map((t) => [t.id, t.location, t.bindings.map((b) => `${b.type}.${b.id}`).join(',')]),
    ).toEqual([
      ['api', 'libs/functions/src/a', 'Parameter.A'],
      ['api', 'libs/functions/src/b', ''],
      ['nightly', 'libs/jobs/src/n', 'Secret.JOB'],
      ['web', 'apps/web', 'Bucket.b,Secret.KEY'],
      ['worker', 'libs/functions/src/worker', 'Table.items,Topic.events'],
    ]);
  });

  it('ignores files that do not use @nx-sst/constructs and ids that are not literals', () => {
    expect(read(`import { Bucket } from 'sst/constructs';\nnew Bucket(stack, 'x');\n`)).toEqual({
      resources: [],
      targets: [],
    });
    expect(read(`import { Bucket } from '@nx-sst/constructs';\nnew Bucket(stack, name);\n`)).toEqual({
      resources: [],
      targets: [],
    });
  });
});
