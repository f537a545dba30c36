/**
 * The quick start of docs/getting-started.md, as a user does it, in a fresh Nx workspace built from
 * our packed packages: every command and every file comes from the docs' samples, run through the
 * public commands only (nx generators and targets, the nx-sst CLI, a real browser).
 *
 * Runs when NX_SST_E2E=1 (see e2e/README.md). NX_SST_E2E_KEEP=1 keeps the workspace for a look.
 */
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, isListening, type BackgroundCommand } from './harness/background';
import { launchChromium } from './harness/browser';
import { DocSamples, missingExcerptLines } from './harness/docs';
import { clientConfig, connectLocalCloud } from './harness/local-cloud';
import { buildAndPack, type Tarballs } from './harness/pack';
import { describeE2e, RESUME, storySteps } from './harness/steps';
import { Workspace } from './harness/workspace';
import { writeStarterWorkspace } from './quickstart/fixtures';

const MINUTE = 60_000;
const docs = new DocSamples('docs/getting-started.md');
/** The secret value of the docs' `secrets set` sample: it must never be shown or printed. */
const SECRET_VALUE = 'sk_test_abc123';

describeE2e('the quick start in a fresh Nx workspace (docs/getting-started.md)', () => {
  const step = storySteps();
  // Made in beforeAll, not here: a skipped describe still runs its body, and must leave nothing behind.
  let base: string;
  let workspace: Workspace;
  let packs: string;
  let tarballs: Tarballs = {};
  let dev: BackgroundCommand | undefined;

  /** Runs the commands of a `run` sample of the docs, in order. */
  async function runSample(key: string, options: { expectFailure?: boolean } = {}) {
    const outputs: string[] = [];
    for (const command of docs.commands('run', key)) {
      outputs.push(
        (await workspace.run(`docs sample "${key}"`, command, { timeoutMs: 10 * MINUTE, ...options })).output,
      );
    }
    return outputs.join('\n');
  }

  /** Writes the docs' `file` sample to its path (the key without its `#label`), as the user would. */
  function writeSample(key: string) {
    workspace.write(key.split('#')[0], docs.get('file', key).body);
  }

  /** The docs show what a generated file contains: it must really contain it. */
  function expectExcerpt(path: string) {
    const missing = missingExcerptLines(docs.get('excerpt', path).body, workspace.read(path));
    if (missing.length) {
      throw new Error(
        `${path} does not contain these lines of the docs' excerpt (in order):\n${missing.join('\n')}\n--- ${path} ---\n${workspace.read(path)}`,
      );
    }
  }

  beforeAll(() => {
    ({ base, workspace, packs } = Workspace.createTempDir(RESUME));
    if (RESUME) tarballs = JSON.parse(readFileSync(join(packs, 'tarballs.json'), 'utf8'));
  });

  afterAll(async () => {
    if (!workspace) return;
    await dev?.stop(10_000);
    await workspace.dispose();
    if (process.env.NX_SST_E2E_KEEP === '1')
      process.stderr.write(`[e2e] kept the workspace in ${workspace.root}\n`);
    else rmSync(base, { recursive: true, force: true });
  }, 2 * MINUTE);

  step(
    '0. build and pack nx-sst, @nx-sst/constructs, @nx-sst/runtime and @nx-sst/local-cloud',
    async () => {
      tarballs = await buildAndPack(packs);
      expect(Object.keys(tarballs).sort()).toEqual([
        '@nx-sst/constructs',
        '@nx-sst/local-cloud',
        '@nx-sst/runtime',
        'nx-sst',
      ]);
    },
    10 * MINUTE,
  );

  step(
    '1. a fresh Nx workspace with a Next.js app `web` and two libraries',
    async () => {
      writeStarterWorkspace(workspace);
      await workspace.run(
        'install the starter workspace',
        'npm install --no-audit --no-fund --prefer-offline',
        {
          timeoutMs: 10 * MINUTE,
        },
      );
      workspace.commit('a fresh workspace');
      const projects = (await workspace.run('list projects', 'npx nx show projects')).output;
      expect(projects.split('\n').map((line) => line.trim())).toEqual(
        expect.arrayContaining(['web', 'functions', 'unrelated']),
      );
    },
    10 * MINUTE,
  );

  step(
    '2. install nx-sst from the packed tarballs, `nx g nx-sst:init`, `nx g nx-sst:app infra`',
    async () => {
      // The docs' install command, with each package name replaced by its tarball (they are not on
      // the registry); @nx-sst/local-cloud is named too because nx-sst depends on it.
      const [install] = docs.commands('install', 'packages');
      const named = Object.keys(tarballs).filter((name) => new RegExp(`(^|\\s)${name}(\\s|$)`).test(install));
      expect(named.sort()).toEqual(['@nx-sst/constructs', '@nx-sst/runtime', 'nx-sst']);
      const fromDisk = install
        .split(/\s+/)
        .map((word) => (tarballs[word] ? JSON.stringify(tarballs[word]) : word))
        .concat(
          JSON.stringify(tarballs['@nx-sst/local-cloud']),
          '--no-audit',
          '--no-fund',
          '--prefer-offline',
        )
        .join(' ');
      await workspace.run('install nx-sst', fromDisk, { timeoutMs: 10 * MINUTE });
      await runSample('init');
      const plugins =
        workspace.readJson<{ plugins?: (string | { plugin: string })[] }>('nx.json').plugins ?? [];
      expect(plugins.map((entry) => (typeof entry === 'string' ? entry : entry.plugin))).toContain('nx-sst');
      expect(workspace.exists('apps/infra/sst.config.ts')).toBe(true);
      expect(workspace.read('.gitignore')).toMatch(/^\/?\.sst\/?$/m);
      const targets = JSON.parse(
        (await workspace.run('show infra', 'npx nx show project infra --json')).output,
      );
      expect(Object.keys(targets.targets)).toEqual(
        expect.arrayContaining(['deploy', 'remove', 'diff', 'types', 'secrets']),
      );
    },
    10 * MINUTE,
  );

  step(
    '3. `web` made a site; a bucket, a secret and a parameter bound to it; a table bound to a function in `functions`',
    async () => {
      await runSample('site');
      await runSample('bind');
      writeSample('libs/functions/src/handler.ts');
      await runSample('functions');
      writeSample('libs/functions/src/handler.test.ts');
      expectExcerpt('apps/infra/stacks/Default.ts');
      // The plugin binds the scripts as they are: no generator rewrites them.
      expectExcerpt('apps/web/package.json');
      // A generator run again for a construct the app already has is refused, naming it and
      // `nx g nx-sst:bind`, and changes nothing (docs/getting-started.md).
      const before = workspace.read('apps/infra/stacks/Default.ts');
      const again = await workspace.run('bind the bucket again', docs.commands('run', 'bind')[0], {
        expectFailure: true,
      });
      expect(again.output).toContain(
        "A construct with id 'public' already exists (Bucket in apps/infra/stacks/Default.ts)",
      );
      expect(again.output).toContain('nx g nx-sst:bind --resource public --project <project>');
      expect(workspace.read('apps/infra/stacks/Default.ts')).toBe(before);
    },
    10 * MINUTE,
  );

  step(
    '4. the quick start page: a presigned upload URL for Bucket.public.bucketName',
    async () => {
      writeSample('apps/infra/stacks/Default.ts#cors');
      await runSample('sdk');
      writeSample('apps/web/app/page.tsx');
      writeSample('apps/web/app/upload.tsx');
      writeSample('apps/web/test/bindings.test.ts');
    },
    10 * MINUTE,
  );

  step(
    '5. `nx run infra:types`: web typechecks; a resource bound only to `functions` does not',
    async () => {
      await runSample('types');
      await workspace.run('typecheck web', 'npx tsc -p apps/web/tsconfig.json --noEmit');
      writeSample('apps/web/app/orders.ts');
      const failed = await workspace.run(
        'typecheck web with a resource not bound to it',
        'npx tsc -p apps/web/tsconfig.json --noEmit',
        {
          expectFailure: true,
        },
      );
      const expected = docs.get('output', 'unbound-type-error').body.trim();
      expect(failed.output).toContain(expected);
      workspace.remove('apps/web/app/orders.ts');
    },
    5 * MINUTE,
  );

  step(
    '6. `nx run infra:deploy` to the local stage; `nx-sst secrets set STRIPE_KEY`',
    async () => {
      const output = await runSample('deploy');
      expect(output).not.toContain(SECRET_VALUE);
      const cloud = await connectLocalCloud(workspace);
      const ssm = new SSMClient(clientConfig(cloud));
      const names = await parameterNames(ssm);
      expect(names.some((name) => name.endsWith('/Bucket/public/bucketName'))).toBe(true);
      const secrets = names.filter((name) => name.endsWith('/Secret/STRIPE_KEY/value'));
      expect(secrets).toHaveLength(1);
    },
    10 * MINUTE,
  );

  step(
    '7. `nx run web:dev` runs with the bindings; a file uploaded in chromium lands in the bucket',
    async () => {
      const port = await freePort();
      const [command] = docs.commands('background', 'dev');
      dev = workspace.background('docs sample "dev"', command, { env: { PORT: String(port) } });
      await dev.waitFor(/Ready in/, 5 * MINUTE, 'the Next.js "Ready" line');
      expect(dev.text).toContain(docs.get('output', 'dev-bound').body.trim());
      const browser = await launchChromium();
      try {
        const page = await browser.context.newPage();
        // networkidle: the form is hydrated before the click (else the browser submits it natively).
        const response = await page.goto(`http://localhost:${port}/`, {
          timeout: 3 * MINUTE,
          waitUntil: 'networkidle',
        });
        expect(response?.status()).toBe(200);
        await page.getByText('STRIPE_KEY is set').waitFor({ timeout: MINUTE });
        expect(await page.content()).not.toContain(SECRET_VALUE);
        const bucketName = (await page.locator('#bucket').textContent())?.trim();
        expect(bucketName).toBeTruthy();
        const content = `uploaded by the e2e suite at ${new Date().toISOString()}`;
        await page.setInputFiles('input[type=file]', {
          name: 'hello.txt',
          mimeType: 'text/plain',
          buffer: Buffer.from(content),
        });
        await page.getByRole('button', { name: 'Upload' }).click();
        const status = page.getByRole('status');
        await status.filter({ hasText: /Uploaded|failed/ }).waitFor({ timeout: MINUTE });
        const statusText = (await status.textContent()) ?? '';
        expect(statusText).toMatch(/^Uploaded as /);
        const key = statusText.replace(/^Uploaded as /, '').trim();

        const cloud = await connectLocalCloud(workspace);
        const object = await new S3Client(clientConfig(cloud)).send(
          new GetObjectCommand({ Bucket: bucketName, Key: key }),
        );
        expect(await object.Body?.transformToString()).toBe(content);
      } finally {
        await browser.close();
      }
      expect(dev.text).not.toContain(SECRET_VALUE);
      const { graceful } = await dev.stop();
      dev = undefined;
      expect(graceful).toBe(true);
      expect(await isListening(port)).toBe(false);
    },
    10 * MINUTE,
  );

  step(
    '8. a vitest test in web reads Bucket.public.bucketName and Config.STRIPE_KEY through `nx run web:test`',
    async () => {
      const output = await runSample('test');
      expect(output).toMatch(/1 passed/);
      expect(output).not.toContain(SECRET_VALUE);
    },
    5 * MINUTE,
  );

  step(
    '9. a queue bound to `functions`: `nx sync` fixes the stale sst-env.d.ts; `nx affected -t test` selects functions, not unrelated',
    async () => {
      workspace.commit('the quick start');
      writeSample('apps/infra/stacks/Default.ts#queue');
      workspace.commit('a queue bound to functions');
      const affected = (
        await workspace.run('affected projects', 'npx nx show projects --affected --base=HEAD~1 --head=HEAD')
      ).output;
      const projects = affected.split('\n').map((line) => line.trim());
      expect(projects).toEqual(expect.arrayContaining(['infra', 'functions']));
      expect(projects).not.toContain('unrelated');
      // Before anything regenerates it: the committed sst-env.d.ts of functions is stale.
      const [check, sync, recheck] = docs.commands('run', 'sync');
      const stale = await workspace.run('sync check on a stale workspace', check, { expectFailure: true });
      expect(stale.output).toMatch(/libs\/functions\/sst-env\.d\.ts/);
      await workspace.run('sync', sync);
      await workspace.run('sync check after sync', recheck);
      const tested = await runSample('affected');
      expect(tested).toMatch(/functions:test/);
      expect(tested).not.toMatch(/unrelated:test/);
      expect(workspace.read('libs/functions/sst-env.d.ts')).toMatch(/jobs/);
    },
    10 * MINUTE,
  );

  step(
    '10. `nx run infra:remove`: the stacks and their SSM parameters are gone',
    async () => {
      const cloud = await connectLocalCloud(workspace);
      const ssm = new SSMClient(clientConfig(cloud));
      const cloudformation = new CloudFormationClient(clientConfig(cloud));
      const before = await parameterNames(ssm, 'String');
      expect(before.length).toBeGreaterThan(0);
      expect(await liveStacks(cloudformation)).not.toEqual([]);
      await runSample('remove');
      expect(await liveStacks(cloudformation)).toEqual([]);
      const after = await parameterNames(ssm, 'String');
      expect(after.filter((name) => before.includes(name))).toEqual([]);
    },
    10 * MINUTE,
  );
});

async function parameterNames(ssm: SSMClient, type?: 'String' | 'SecureString'): Promise<string[]> {
  const names: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({ Path: '/sst/', Recursive: true, NextToken }),
    );
    for (const parameter of page.Parameters ?? [])
      if (!type || parameter.Type === type) names.push(parameter.Name!);
    NextToken = page.NextToken;
  } while (NextToken);
  return names;
}

async function liveStacks(cloudformation: CloudFormationClient): Promise<string[]> {
  const { StackSummaries = [] } = await cloudformation.send(new ListStacksCommand({}));
  return StackSummaries.filter(
    (stack) => stack.StackStatus !== 'DELETE_COMPLETE' && stack.StackName !== 'CDKToolkit',
  ).map((stack) => stack.StackName!);
}
