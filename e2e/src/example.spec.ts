/**
 * `npm start` (scripts/start.mjs) on a copy of examples/quickstart: builds and packs our packages,
 * installs the example from them, deploys it to the local cloud, starts the web app with its
 * bindings and prints the URL — which then serves the quick start page.
 *
 * Runs when NX_SST_E2E=1 (see e2e/README.md).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
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

describeE2e('npm start: the example workspace on the local cloud (scripts/start.mjs)', () => {
  const step = storySteps();
  // Made in beforeAll, not here: a skipped describe still runs its body, and must leave nothing behind.
  let base: string;
  let example: string;
  let env: NodeJS.ProcessEnv;
  let start: BackgroundCommand | undefined;

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
    await start?.stop(10_000);
    const inExample = { cwd: example, env, timeoutMs: 5 * MINUTE };
    await runStep('clean up', 'npx nx run infra:remove', inExample).catch((e: Error) =>
      process.stderr.write(`${e.message}\n`),
    );
    await runStep('clean up', 'npx nx-sst local stop', inExample).catch((e: Error) =>
      process.stderr.write(`${e.message}\n`),
    );
    rmSync(base, { recursive: true, force: true });
  }, 10 * MINUTE);

  step(
    'npm start deploys the example and serves the quick start page at the URL it prints',
    async () => {
      const port = await freePort();
      start = new BackgroundCommand('npm start', 'node scripts/start.mjs', {
        cwd: repoRoot,
        env: { ...env, PORT: String(port) },
      });
      const [, url] = await start.waitFor(/Open (http:\/\/localhost:\d+)/, 20 * MINUTE, 'the URL to open');
      expect(url).toBe(`http://localhost:${port}`);
      const response = await fetch(url);
      // React separates adjacent text nodes with <!-- --> in server-rendered HTML.
      const html = (await response.text()).replace(/<!-- -->/g, '');
      expect(response.status).toBe(200);
      expect(html).toContain('Acme uploads');
      expect(html).toContain('STRIPE_KEY is set');
      expect(html).not.toContain('sk_test_nx_sst_quickstart_demo');
      expect(start.text).not.toContain('sk_test_nx_sst_quickstart_demo');
      const { graceful } = await start.stop();
      start = undefined;
      expect(graceful).toBe(true);
      expect(await isListening(port)).toBe(false);
    },
    25 * MINUTE,
  );
});
