import { Duration } from 'aws-cdk-lib';
import { type StackContext, Api, Bucket, Config, Cron, NextjsSite, Queue, Table } from '@nx-sst/constructs';

export function Default({ stack }: StackContext) {
  // cors: the page's browser code uploads straight to the bucket with a presigned URL.
  const publicBucket = new Bucket(stack, 'public', { cors: true });
  const STRIPE_KEY = new Config.Secret(stack, 'STRIPE_KEY');
  const BRAND = new Config.Parameter(stack, 'BRAND', { value: 'Acme' });

  const notes = new Table(stack, 'notes', {
    fields: { id: 'string' },
    primaryIndex: { partitionKey: 'id' },
  });
  // A message the consumer fails on is received once more after the visibility timeout, then moved here.
  const inboxDlq = new Queue(stack, 'inboxDlq');
  const inbox = new Queue(stack, 'inbox', {
    consumer: {
      function: { handler: 'libs/functions/src/inbox.consumer', bind: [notes], timeout: 5 },
      cdk: { eventSource: { reportBatchItemFailures: true } },
    },
    cdk: {
      queue: {
        visibilityTimeout: Duration.seconds(10),
        deadLetterQueue: { queue: inboxDlq.cdk.queue, maxReceiveCount: 1 },
      },
    },
  });
  // Once a day a note counts the others (`npx nx-sst cron run digest` runs it now).
  new Cron(stack, 'digest', {
    schedule: 'rate(1 day)',
    job: { function: { handler: 'libs/functions/src/digest.handler', bind: [notes] } },
  });
  const api = new Api(stack, 'api', {
    defaults: { function: { bind: [notes, inbox] } },
    routes: {
      'GET /notes': 'libs/functions/src/notes.list',
      'POST /notes': 'libs/functions/src/notes.create',
      'POST /notes/later': 'libs/functions/src/notes.later',
    },
  });

  new NextjsSite(stack, 'web', { path: 'apps/web', bind: [publicBucket, STRIPE_KEY, BRAND, api] });
}
