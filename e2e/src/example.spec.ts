/**
 * `npm start` (scripts/start.mjs) on a copy of examples/quickstart: builds and packs our packages,
 * installs the example from them, deploys it to the local cloud, starts the web app with its
 * bindings and prints the URL — which then serves the quick start page. Then what the example's Api
 * and queues do on the local cloud, seen as a user sees it: `curl` on the bound `Api.api.url`, the
 * AWS CLI (`aws lambda invoke`, `aws sqs …`) pointed at the local cloud, the server-rendered notes
 * page, `nx-sst cron run` firing the Cron now, and `nx run infra:dev` swapping an edited handler in
 * without a deploy.
 *
 * Here rather than in the quick start e2e: the Api, the queues and the notes page are the example's
 * (docs/getting-started.md stops at a bucket, a secret and a function), and these steps need the
 * example deployed and served, which the first step leaves running.
 *
 * Runs when NX_SST_E2E=1 (see e2e/README.md).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackgroundCommand, freePort, isListening } from './harness/background';
import { runStep } from './harness/run';
import { describeE2e, storySteps } from './harness/steps';
import { repoRoot, userEnv } from './harness/workspace';

const MINUTE = 60_000;
/** Never copied: what an earlier `npm start` in the repo left behind. */
const LEFTOVERS = new Set([
  'node_modules',
  '.packs',
  '.sst',
  '.next',
  '.nx',
  'package-lock.json',
  'next-env.d.ts',
]);

interface Note {
  id: string;
  text: string;
  via: 'api' | 'queue';
}

/** Calls `check` every second until it returns something, or fails naming `what` after `timeoutMs`. */
async function eventually<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not within ${timeoutMs / 1000}s${last ? ` (last error: ${String(last)})` : ''}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

describeE2e('npm start: the example workspace on the local cloud (scripts/start.mjs)', () => {
  const step = storySteps();
  // Made in beforeAll, not here: a skipped describe still runs its body, and must leave nothing behind.
  let base: string;
  let example: string;
  let env: NodeJS.ProcessEnv;
  let start: BackgroundCommand | undefined;
  let dev: BackgroundCommand | undefined;
  let webUrl: string;
  let apiUrl: string;
  /** userEnv plus the local cloud's credentials and region, as `npx nx-sst-local start` prints them. */
  let awsEnv: NodeJS.ProcessEnv;
  let endpoint: string;

  const inExample = (timeoutMs = MINUTE) => ({ cwd: example, env: awsEnv, timeoutMs });
  /** The AWS CLI (v1 here, which has no AWS_ENDPOINT_URL) pointed at the local cloud, its JSON answer parsed. */
  async function aws<T>(name: string, args: string): Promise<T | undefined> {
    const { output } = await runStep(
      name,
      `aws --endpoint-url ${endpoint} --output json ${args}`,
      inExample(),
    );
    return output.trim() ? (JSON.parse(output) as T) : undefined;
  }
  /** The notes page as the server renders it (React's <!-- --> between text nodes removed). */
  async function notesPage(): Promise<string> {
    const response = await fetch(`${webUrl}/notes`);
    const html = (await response.text()).replace(/<!-- -->/g, '');
    if (response.status !== 200)
      throw new Error(`GET /notes answered ${response.status}: ${html.slice(0, 500)}`);
    return html;
  }
  /** The notes the page lists, each as its text reads (`written by curl (through the Api)`). */
  async function listedNotes(): Promise<string[]> {
    const list = (await notesPage()).match(/<ul id="notes">(.*?)<\/ul>/)?.[1] ?? '';
    return [...list.matchAll(/<li>(.*?)<\/li>/g)].map(([, item]) => item.replace(/<[^>]+>/g, ''));
  }
  async function queueUrl(name: string, suffix: RegExp): Promise<string> {
    const { QueueUrls = [] } = (await aws<{ QueueUrls?: string[] }>(name, 'sqs list-queues')) ?? {};
    const url = QueueUrls.find((u) => suffix.test(u.split('/').pop()!));
    if (!url) throw new Error(`no queue matching ${suffix} in ${QueueUrls.join(', ')}`);
    return url;
  }

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'nx-sst-example-'));
    example = join(base, 'quickstart');
    env = userEnv({ NX_SST_EXAMPLE_DIR: example });
    cpSync(join(repoRoot, 'examples/quickstart'), example, {
      recursive: true,
      filter: (source) => !LEFTOVERS.has(source.split('/').pop()!),
    });
  });

  afterAll(async () => {
    if (!base) return;
    await dev?.stop(10_000);
    await start?.stop(10_000);
    const options = { cwd: example, env, timeoutMs: 5 * MINUTE };
    await runStep('clean up', 'npx nx run infra:remove', options).catch((e: Error) =>
      process.stderr.write(`${e.message}\n`),
    );
    await runStep('clean up', 'npx nx-sst local stop', options).catch((e: Error) =>
      process.stderr.write(`${e.message}\n`),
    );
    rmSync(base, { recursive: true, force: true });
  }, 10 * MINUTE);

  step(
    '1. npm start deploys the example and serves the quick start page at the URL it prints',
    async () => {
      const port = await freePort();
      start = new BackgroundCommand('npm start', 'node scripts/start.mjs', {
        cwd: repoRoot,
        env: { ...env, PORT: String(port) },
      });
      const [, url] = await start.waitFor(/Open (http:\/\/localhost:\d+)/, 20 * MINUTE, 'the URL to open');
      expect(url).toBe(`http://localhost:${port}`);
      webUrl = url;
      const response = await fetch(url);
      // React separates adjacent text nodes with <!-- --> in server-rendered HTML.
      const html = (await response.text()).replace(/<!-- -->/g, '');
      expect(response.status).toBe(200);
      expect(html).toContain('Acme uploads');
      expect(html).toContain('STRIPE_KEY is set');
      expect(html).not.toContain('sk_test_nx_sst_quickstart_demo');
      expect(start.text).not.toContain('sk_test_nx_sst_quickstart_demo');

      // The workspace's credentials for the AWS CLI, as docs/local-cloud.md says: the cloud prints them.
      const started = await runStep('local cloud environment', 'npx nx-sst-local start', {
        cwd: example,
        env,
        timeoutMs: MINUTE,
      });
      const exported = Object.fromEntries(
        [...started.output.matchAll(/^export (\w+)=(.*)$/gm)].map(([, key, value]) => [key, value]),
      );
      expect(exported).toMatchObject({
        AWS_ACCESS_KEY_ID: expect.any(String),
        AWS_ENDPOINT_URL: expect.any(String),
      });
      awsEnv = { ...env, ...exported };
      endpoint = exported.AWS_ENDPOINT_URL;
    },
    25 * MINUTE,
  );

  step(
    '2. the Api answers at the bound Api.api.url (POST /notes with curl) and its handler writes the bound table',
    async () => {
      const page = await notesPage();
      apiUrl = page.match(/<code id="api">([^<]+)<\/code>/)?.[1] ?? '';
      expect(apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/_aws\/execute-api\/\w+$/);

      const { output } = await runStep(
        'curl the Api',
        `curl -sS -X POST -H 'content-type: application/json' -d '{"text":"written by curl"}' ${apiUrl}/notes`,
        inExample(),
      );
      const created = JSON.parse(output) as Note;
      expect(created).toMatchObject({ id: expect.any(String), text: 'written by curl', via: 'api' });

      const tables = await aws<{ TableNames: string[] }>('the table', 'dynamodb list-tables');
      const table = tables?.TableNames.find((name) => /notes/.test(name));
      expect(table).toBeDefined();
      const item = await aws<{ Item: unknown }>(
        'the table',
        `dynamodb get-item --table-name ${table} --key '{"id":{"S":"${created.id}"}}'`,
      );
      expect(item?.Item).toMatchObject({ text: { S: 'written by curl' }, via: { S: 'api' } });

      expect(await listedNotes()).toEqual(['written by curl (through the Api)']);
      const refused = await fetch(`${apiUrl}/notes`, { method: 'POST', body: '{}' });
      expect(refused.status).toBe(400);
    },
    5 * MINUTE,
  );

  step(
    '3. aws lambda invoke runs the GET /notes function on the local cloud',
    async () => {
      const functions = await aws<{ Functions: { FunctionName: string }[] }>(
        'find the function',
        'lambda list-functions',
      );
      const names = functions?.Functions.map((f) => f.FunctionName) ?? [];
      const list = names.find((name) => /apiGETnotes/i.test(name));
      if (!list) throw new Error(`no GET /notes function among ${names.join(', ')}`);
      const out = join(base, 'invoke.json');
      const answer = await aws<{ StatusCode: number; FunctionError?: string }>(
        'aws lambda invoke',
        `lambda invoke --function-name ${list} ${out}`,
      );
      expect(answer).toMatchObject({ StatusCode: 200 });
      expect(answer?.FunctionError).toBeUndefined();
      const { notes } = JSON.parse(readFileSync(out, 'utf8')) as { notes: Note[] };
      expect(notes.map((n) => n.text)).toContain('written by curl');
    },
    5 * MINUTE,
  );

  step(
    '4. a message sent to the inbox queue is consumed, and the note it makes is on the page',
    async () => {
      const inbox = await queueUrl('the inbox queue', /inbox(?!Dlq)/i);
      const sent = await aws<{ MessageId: string }>(
        'aws sqs send-message',
        `sqs send-message --queue-url ${inbox} --message-body 'sent to the queue'`,
      );
      expect(sent?.MessageId).toEqual(expect.any(String));
      // The Api's own route to the queue too.
      const later = await fetch(`${apiUrl}/notes/later`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'sent through the Api to the queue' }),
      });
      expect(later.status).toBe(202);
      await eventually('both notes on the page', MINUTE, async () => {
        const notes = await listedNotes();
        return notes.includes('sent to the queue (through the inbox queue)') &&
          notes.includes('sent through the Api to the queue (through the inbox queue)')
          ? notes
          : undefined;
      });
    },
    5 * MINUTE,
  );

  step(
    '5. a message the consumer fails on lands in the dead-letter queue, and makes no note',
    async () => {
      const poison = await fetch(`${apiUrl}/notes/later`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'poison' }),
      });
      expect(poison.status).toBe(202);
      const { messageId } = (await poison.json()) as { messageId: string };
      const dlq = await queueUrl('the dead-letter queue', /inboxDlq/i);
      // Received once, failed, visible again after the 10 s visibility timeout, then moved.
      const dead = await eventually('the poison message in the dead-letter queue', 2 * MINUTE, async () => {
        const received = await aws<{ Messages?: { MessageId: string; Body: string }[] }>(
          'aws sqs receive-message',
          `sqs receive-message --queue-url ${dlq} --wait-time-seconds 2 --attribute-names All`,
        );
        return received?.Messages?.[0];
      });
      expect(dead).toMatchObject({ MessageId: messageId, Body: 'poison' });
      const inbox = await queueUrl('the inbox queue', /inbox(?!Dlq)/i);
      const attributes = await aws<{ Attributes: Record<string, string> }>(
        'the inbox is empty',
        `sqs get-queue-attributes --queue-url ${inbox} --attribute-names ApproximateNumberOfMessages ApproximateNumberOfMessagesNotVisible`,
      );
      expect(attributes?.Attributes).toEqual({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '0',
      });
      expect((await listedNotes()).filter((note) => note.startsWith('poison'))).toEqual([]);
    },
    5 * MINUTE,
  );

  step(
    '6. npx nx-sst cron run digest fires the digest Cron now, and the note its job writes is on the page',
    async () => {
      const { output } = await runStep(
        'nx-sst cron run',
        'npx nx-sst cron run digest',
        inExample(2 * MINUTE),
      );
      expect(output).toMatch(/Running Cron "digest" \(rule .+, rate\(1 day\)\) on the stage "local"/);
      expect(output).toMatch(/✔ \S+ finished in \d+ ms/);
      // The job's answer: the notes of steps 2 and 4 (the poison message made none).
      expect(output).toMatch(/^\{"count":3\}$/m);
      expect(await listedNotes()).toContain('Digest: 3 notes (by the digest Cron)');
    },
    5 * MINUTE,
  );

  step(
    '7. nx run infra:dev swaps an edited handler in: the Api answers differently without a deploy',
    async () => {
      const stack = async () =>
        (
          await aws<{ Stacks: { StackName: string; LastUpdatedTime?: string }[] }>(
            'the stack',
            'cloudformation describe-stacks',
          )
        )?.Stacks.find((s) => /Default/.test(s.StackName));
      dev = new BackgroundCommand('nx run infra:dev', 'npx nx run infra:dev', { cwd: example, env });
      await dev.waitFor(/Watching \d+ function\(s\)/, 10 * MINUTE, 'the "Watching" line');
      const before = await stack();
      const handler = join(example, 'libs/functions/src/notes.ts');
      const source = readFileSync(handler, 'utf8');
      const edited = source.replace(
        'return { notes: await listNotes() };',
        "return { notes: await listNotes(), edited: 'live' };",
      );
      expect(edited).not.toBe(source);
      writeFileSync(handler, edited);
      await dev.waitFor(/↻ api-GET-notes updated/, 2 * MINUTE, 'the swap of api-GET-notes');
      const answer = (await (await fetch(`${apiUrl}/notes`)).json()) as { edited?: string; notes: Note[] };
      expect(answer.edited).toBe('live');
      expect(answer.notes.map((n) => n.text)).toContain('written by curl');
      // Swapped with UpdateFunctionCode: no deploy ran after the watch began, and the stack is as it was.
      expect(dev.text.slice(dev.text.indexOf('Watching'))).not.toMatch(/Deploy/);
      const after = await stack();
      expect(after?.LastUpdatedTime).toBe(before?.LastUpdatedTime);

      const { graceful } = await dev.stop();
      dev = undefined;
      expect(graceful).toBe(true);
    },
    15 * MINUTE,
  );

  step(
    '8. Ctrl-C stops npm start and frees the port',
    async () => {
      const port = Number(new URL(webUrl).port);
      const { graceful } = await start!.stop();
      start = undefined;
      expect(graceful).toBe(true);
      expect(await isListening(port)).toBe(false);
    },
    MINUTE,
  );
});
