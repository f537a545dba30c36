/**
 * The code the user writes in the workspace made by create-nx-workspace (see nx-official.spec.ts):
 * two function handlers (one in the Jest library, one in the Vite app), their tests, and a Next.js
 * page that shows what is bound to it.
 */

/** The workspace's name: projects are `@acme/web`, `@acme/shop`, `@acme/api`. */
export const WORKSPACE = 'acme';

/** libs/api: a function handler writing to the bound table (the `orders` function of the stack). */
export const ORDERS_HANDLER = `import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { Table } from '@nx-sst/runtime/table';

const dynamo = new DynamoDBClient({});

export async function handler(event: { id: string }) {
  await dynamo.send(new PutItemCommand({ TableName: Table.items.tableName, Item: { pk: { S: event.id } } }));
  return { statusCode: 201, body: event.id };
}
`;

/**
 * libs/api's Jest test: writes through the handler and reads the item back with the credentials the
 * task was given, prints who the caller is (the suite checks it is the function's assumed role) and
 * prints the secret (the suite checks it is masked, in the output and in Nx's cache).
 */
export const ORDERS_SPEC = `import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Config, load } from '@nx-sst/runtime/config';
import { Table } from '@nx-sst/runtime/table';
import { handler } from './orders.js';

beforeAll(() => load());

it('writes to the bound table with the role of its function', async () => {
  const caller = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  console.log(\`caller: \${caller.Arn}\`);
  const id = \`order-\${Date.now()}\`;
  await handler({ id });
  const { Item } = await new DynamoDBClient({}).send(
    new GetItemCommand({ TableName: Table.items.tableName, Key: { pk: { S: id } } }),
  );
  expect(Item?.pk.S).toBe(id);
});

it('reads the secret', () => {
  console.log(\`STRIPE_KEY: \${Config.STRIPE_KEY}\`);
  expect(Config.STRIPE_KEY).toMatch(/^sk_test_/);
});
`;

/** libs/api: reads a resource that no stack binds to libs/api — a compile error. */
export const UNBOUND_READ = `import { Bucket } from '@nx-sst/runtime/bucket';

export const uploads = Bucket.public.bucketName;
`;

/** apps/shop: a function handler that lives in the Vite app (the `prices` function of the stack). */
export const PRICES_HANDLER = `import { Config } from '@nx-sst/runtime/config';

export async function handler() {
  return { statusCode: 200, body: JSON.stringify({ currency: Config.CURRENCY }) };
}
`;

/** apps/shop's Vitest test (jsdom, as the generator set it up). */
export const PRICES_SPEC = `import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { handler } from './prices';

it('answers with the bound currency', async () => {
  expect(JSON.parse((await handler()).body)).toEqual({ currency: 'EUR' });
  const caller = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  console.log(\`caller: \${caller.Arn}\`);
});
`;

/** apps/web's page: a server component showing a bound parameter, the bucket and who it runs as. */
export const WEB_PAGE = `import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Bucket } from '@nx-sst/runtime/bucket';
import { Config, load } from '@nx-sst/runtime/config';

export const dynamic = 'force-dynamic';

export default async function Index() {
  await load();
  const caller = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  return (
    <main>
      <h1 id="brand">{Config.BRAND}</h1>
      <p>
        Bucket: <code id="bucket">{Bucket.public.bucketName}</code>
      </p>
      <p>
        Caller: <code id="caller">{caller.Arn}</code>
      </p>
      <p id="secret">{Config.STRIPE_KEY ? 'STRIPE_KEY is set' : 'STRIPE_KEY is not set'}</p>
    </main>
  );
}
`;

/** The stack edit of the affected step: a queue bound to the orders function, by hand. */
export function addJobsQueue(stack: string): string {
  const edits: [RegExp, string][] = [
    [
      /import \{([^}]*?),?(\s*)\} from '@nx-sst\/constructs'/,
      "import {$1, Queue$2} from '@nx-sst/constructs'",
    ],
    [
      /(\n\s*)const ordersFunction = /,
      "$1const jobsQueue = new Queue(stack, 'jobs');$1const ordersFunction = ",
    ],
    [/bind: \[itemsTable, STRIPE_KEY\]/, 'bind: [itemsTable, STRIPE_KEY, jobsQueue]'],
  ];
  return edits.reduce((text, [pattern, replacement]) => {
    if (!pattern.test(text)) {
      throw new Error(`the generated stack is not the one the suite expects (no ${pattern}):\n${stack}`);
    }
    return text.replace(pattern, replacement);
  }, stack);
}
