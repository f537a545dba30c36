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
      ['api', 'libs/functions/src/get', 'libs/functions', 'files,KEY'],
      ['api', 'libs/functions/src/post', 'libs/functions', 'files,KEY'],
      ['dynamic', 'apps/elsewhere/x', undefined, ''],
      ['jobs', 'libs/jobs/src/consume', 'libs/jobs', 'files'],
      ['nightly', 'libs/jobs/src/nightly', 'libs/jobs', ''],
      ['web', 'apps/web', 'apps/web', 'files,KEY'],
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
