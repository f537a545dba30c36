import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  Api,
  Bucket,
  Config,
  Cron,
  Function,
  NextjsSite,
  Queue,
  RDS,
  StaticSite,
  Table,
  Topic,
  use,
  type StackContext,
} from '../src';

/** Writes the sample app's handler files and site folders into `root`. */
export function writeSampleWorkspace(root: string): void {
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  write(
    'packages/functions/src/notes.ts',
    'export const list = async () => ({ statusCode: 200, body: "[]" });\nexport const get = async () => ({ statusCode: 200, body: "{}" });\n',
  );
  write(
    'packages/functions/src/worker.ts',
    'export const handler = async (event: unknown) => { console.log(event); };\n',
  );
  write('packages/db/src/query.ts', 'export const handler = async () => ({ rows: [] });\n');
  write('apps/web/package.json', '{ "name": "web", "private": true }\n');
  write(
    'apps/landing/index.html',
    '<!doctype html><script>window.API_URL = "{{ VITE_API_URL }}";</script>\n',
  );
}

/**
 * The sample app: bucket, table, queue, topic, a secret, a parameter, a Next.js site and a static site in
 * `Sample`; an HTTP API with two routes bound to them, a cron job and outputs in `Http`.
 */
export function Sample({ stack }: StackContext) {
  const bucket = new Bucket(stack, 'uploads');
  const table = new Table(stack, 'notes', { fields: { pk: 'string' }, primaryIndex: { partitionKey: 'pk' } });
  const queue = new Queue(stack, 'jobs', { consumer: 'packages/functions/src/worker.handler' });
  const topic = new Topic(stack, 'events');
  const { STRIPE_KEY } = Config.Secret.create(stack, 'STRIPE_KEY');
  const version = new Config.Parameter(stack, 'VERSION', { value: '1.0.0' });
  queue.bind([bucket, table, topic, STRIPE_KEY, version]);
  const web = new NextjsSite(stack, 'web', {
    path: 'apps/web',
    bind: [bucket, STRIPE_KEY],
    environment: { NEXT_PUBLIC_STAGE: stack.stage },
  });
  const landing = new StaticSite(stack, 'landing', {
    path: 'apps/landing',
    environment: { VITE_API_URL: bucket.bucketName },
    dev: { deploy: true },
  });
  return {
    bucket,
    table,
    queue,
    topic,
    web,
    landing,
    STRIPE_KEY,
    version,
    worker: queue.consumerFunction as Function,
  };
}

export function Http({ stack }: StackContext) {
  const { bucket, table, queue, topic, STRIPE_KEY, version } = use(Sample);
  const api = new Api(stack, 'api', {
    routes: {
      'GET /notes': 'packages/functions/src/notes.list',
      'GET /notes/{id}': 'packages/functions/src/notes.get',
    },
  });
  api.bind([bucket, table, queue, topic, STRIPE_KEY, version]);
  // SST v2's forms: a Cron job given as { function: props }, and the stack's outputs.
  new Cron(stack, 'nightly', {
    schedule: 'rate(1 day)',
    job: {
      function: { handler: 'packages/functions/src/worker.handler', timeout: '1 minute', bind: [table] },
    },
  });
  stack.addOutputs({
    ApiEndpoint: api.url,
    NotesTable: { value: table.tableName, exportName: `${stack.stackName}-notes` },
  });
  return { api };
}

/** A function bound to more values than Lambda's 4 KB environment holds one variable each. */
export function Compact({ stack }: StackContext) {
  // Its own bucket, so the compact encoding holds a value deployed in this stack as well as imported ones.
  const { STRIPE_KEY } = use(Sample);
  const bucket = new Bucket(stack, 'archive');
  const flags = Array.from(
    { length: 100 },
    (_, i) => new Config.Parameter(stack, `FLAG_${i}`, { value: `on-${i}` }),
  );
  new Function(stack, 'many', {
    handler: 'packages/functions/src/worker.handler',
    bind: [...flags, bucket, STRIPE_KEY],
  });
}

/** Aurora Serverless v2 with the Data API, bound to a function of another project. */
export function Data({ stack }: StackContext) {
  const db = new RDS(stack, 'db', { engine: 'postgresql16', defaultDatabaseName: 'notes' });
  new Function(stack, 'query', { handler: 'packages/db/src/query.handler', bind: [db] });
  return { db };
}
