/**
 * nx-sst in a workspace as Nx's own tools make it: `create-nx-workspace@23.2.1 --preset=next` (a
 * Next.js app), a React app on Vite with Vitest (`@nx/react:app`), a library built by tsc and tested
 * with Jest (`@nx/js:lib`), and the plugins, inferred targets and `targetDefaults` those generators
 * write. No target is rewritten: the proof is that `nx run`/`nx affected` run them bound anyway —
 * daemon off and on, without a terminal — that caching follows the bound values, and that the sync
 * generator and the types follow the stacks.
 *
 * Runs when NX_SST_E2E=1 (see e2e/README.md). NX_SST_E2E_KEEP=1 keeps the workspace for a look.
 */
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isListening } from './harness/background';
import { launchChromium } from './harness/browser';
import { clientConfig, connectLocalCloud } from './harness/local-cloud';
import { buildAndPack, type Tarballs } from './harness/pack';
import { runStep } from './harness/run';
import { describeE2e, RESUME, storySteps } from './harness/steps';
import { Workspace } from './harness/workspace';
import {
  addJobsQueue,
  ORDERS_HANDLER,
  ORDERS_SPEC,
  PRICES_HANDLER,
  PRICES_SPEC,
  UNBOUND_READ,
  WEB_PAGE,
  WORKSPACE,
} from './nx-official/fixtures';

const MINUTE = 60_000;
const NX_VERSION = '23.2.1';
const WEB = `@${WORKSPACE}/web`;
const SHOP = `@${WORKSPACE}/shop`;
const API = `@${WORKSPACE}/api`;
/** The secret's values: they must never be printed, shown or cached. */
const SECRETS = ['sk_test_official_first_1234', 'sk_test_official_second_5678'];

describeE2e(
  `nx-sst in a workspace made by create-nx-workspace@${NX_VERSION} (Next.js, React + Vite, a Jest lib)`,
  () => {
    const step = storySteps();
    let base: string;
    let workspace: Workspace;
    let packs: string;
    let tarballs: Tarballs = {};

    beforeAll(() => {
      if (RESUME) {
        ({ base, workspace, packs } = Workspace.createTempDir(RESUME));
        tarballs = JSON.parse(readFileSync(join(packs, 'tarballs.json'), 'utf8'));
      } else {
        // create-nx-workspace makes the workspace folder itself.
        base = mkdtempSync(join(tmpdir(), 'nx-sst-e2e-official-'));
        workspace = new Workspace(join(base, WORKSPACE));
        packs = join(base, 'packs');
      }
      // Every install (ours and those the Nx generators start) takes what npm's cache has.
      workspace.env.npm_config_prefer_offline = 'true';
    });

    afterAll(async () => {
      if (!workspace) return;
      await workspace
        .run('clean up', 'npx nx daemon --stop', { timeoutMs: MINUTE })
        .catch((e: Error) => process.stderr.write(`${e.message}\n`));
      await workspace.dispose();
      if (process.env.NX_SST_E2E_KEEP === '1')
        process.stderr.write(`[e2e] kept the workspace in ${workspace.root}\n`);
      else rmSync(base, { recursive: true, force: true });
    }, 2 * MINUTE);

    /** The role a bound task says it runs as (its `nx-sst: project … as the role <arn>` line). */
    function boundRole(output: string, project: string): string {
      const line = output
        .split('\n')
        .find((l) => l.startsWith(`nx-sst: project ${project} on stage "local"`) && / as the role /.test(l));
      if (!line)
        throw new Error(`${project} did not run bound (no "nx-sst: project ${project}" line):\n${output}`);
      return line.match(/ as the role arn:aws:iam::\d+:role\/(\S+)/)![1];
    }

    /** STS's answer for a role assumed by nx-sst (its session name). */
    function assumed(role: string): RegExp {
      return new RegExp(`^arn:aws:sts::\\d+:assumed-role/${role}/nx-sst-bind$`);
    }

    function callerOf(output: string): string {
      const match = output.match(/caller: (\S+)/);
      if (!match) throw new Error(`the test printed no caller:\n${output}`);
      return match[1];
    }

    function fromCache(output: string, task: string): boolean {
      return new RegExp(`nx run ${task.replace(/[/@]/g, '\\$&')}\\s+\\[(local|remote) cache\\]`).test(output);
    }

    function expectNoSecret(text: string) {
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    }

    /** Every file under .nx (cache, terminal outputs, workspace data): no secret value in any. */
    function expectNoSecretInNxFolder() {
      const found: string[] = [];
      const walk = (dir: string) => {
        for (const name of readdirSync(dir)) {
          const path = join(dir, name);
          if (statSync(path).isDirectory()) walk(path);
          else if (SECRETS.some((s) => readFileSync(path).includes(s))) found.push(path);
        }
      };
      walk(workspace.path('.nx'));
      expect(found).toEqual([]);
    }

    async function bucketName(): Promise<string> {
      const cloud = await connectLocalCloud(workspace);
      const ssm = new SSMClient(clientConfig(cloud));
      const { Parameters = [] } = await ssm.send(
        new GetParametersByPathCommand({ Path: '/sst/', Recursive: true }),
      );
      const parameter = Parameters.find((p) => p.Name!.endsWith('/Bucket/public/bucketName'));
      if (!parameter?.Value)
        throw new Error('no bucketName parameter of the public bucket on the local stage');
      return parameter.Value;
    }

    /**
     * `nx run web:dev` as a script or an IDE starts it: no terminal, and not CI — so Nx runs the sync
     * generators first and would stop here if the workspace were out of sync. Chromium loads the page.
     */
    async function devServesBoundPage(daemon: boolean) {
      const port = await freePort();
      const dev = workspace.background(
        `nx run ${WEB}:dev (daemon ${daemon ? 'on' : 'off'})`,
        `npx nx run ${WEB}:dev`,
        {
          env: { PORT: String(port), CI: 'false', NX_DAEMON: String(daemon) },
        },
      );
      try {
        await dev.waitFor(/Ready in/, 4 * MINUTE, 'the Next.js "Ready" line');
        const role = boundRole(dev.text, WEB);
        const browser = await launchChromium();
        try {
          const page = await browser.context.newPage();
          const response = await page.goto(`http://localhost:${port}/`, { timeout: 3 * MINUTE });
          expect(response?.status()).toBe(200);
          expect((await page.locator('#brand').textContent())?.trim()).toBe('Acme');
          expect((await page.locator('#bucket').textContent())?.trim()).toBe(await bucketName());
          expect((await page.locator('#caller').textContent())?.trim()).toMatch(assumed(role));
          expect(await page.locator('#secret').textContent()).toBe('STRIPE_KEY is set');
          expectNoSecret(await page.content());
        } finally {
          await browser.close();
        }
      } finally {
        const { graceful } = await dev.stop();
        expectNoSecret(dev.text);
        expect(graceful).toBe(true);
        expect(await isListening(port)).toBe(false);
      }
    }

    step(
      '0. build and pack nx-sst, @nx-sst/constructs, @nx-sst/runtime and @nx-sst/local-cloud',
      async () => {
        tarballs = await buildAndPack(packs);
        expect(Object.keys(tarballs)).toContain('nx-sst');
      },
      10 * MINUTE,
    );

    step(
      `1. create-nx-workspace --preset=next, @nx/react:app on Vite with Vitest, @nx/js:lib with Jest`,
      async () => {
        await runStep(
          'create the workspace',
          [
            `npx -y create-nx-workspace@${NX_VERSION} ${WORKSPACE} --preset=next --appName=web`,
            '--nextAppDir=true --nextSrcDir=false --style=css --linter=eslint --formatter=prettier',
            '--unitTestRunner=none --e2eTestRunner=none --workspaces=true --packageManager=npm',
            '--nxCloud=skip --aiAgents=none --analytics=false --useGitHub=false --skipGitHubPush --interactive=false',
          ].join(' '),
          { cwd: base, env: workspace.env, timeoutMs: 10 * MINUTE },
        );
        await workspace.run(
          'add the Nx plugins',
          `npm install -D --no-audit --no-fund ${['react', 'vite', 'vitest', 'jest'].map((p) => `@nx/${p}@${NX_VERSION}`).join(' ')}`,
          { timeoutMs: 5 * MINUTE },
        );
        await workspace.run(
          'a React app on Vite with Vitest',
          'npx nx g @nx/react:app apps/shop --bundler=vite --unitTestRunner=vitest --e2eTestRunner=none --no-interactive',
        );
        await workspace.run(
          'a library built by tsc, tested with Jest',
          'npx nx g @nx/js:lib libs/api --unitTestRunner=jest --bundler=tsc --no-interactive',
        );
        // Not nx-sst's: the TypeScript 6 that create-nx-workspace installs refuses to compile the
        // generated jest.config.cts ("TS5107: moduleResolution=node10 is deprecated", from the options
        // Jest compiles it with). Its content is plain CommonJS, so as .cjs Jest loads it as it is.
        workspace.write('libs/api/jest.config.cjs', workspace.read('libs/api/jest.config.cts'));
        workspace.remove('libs/api/jest.config.cts');
        const nxJson = workspace.readJson<{ targetDefaults?: Record<string, unknown> }>('nx.json');
        expect(nxJson.targetDefaults).toEqual({ test: { dependsOn: ['^build'] } });
        const projects = (await workspace.run('list projects', 'npx nx show projects')).output;
        expect(projects.split('\n').map((l) => l.trim())).toEqual(expect.arrayContaining([WEB, SHOP, API]));
      },
      15 * MINUTE,
    );

    step(
      '2. nx-sst from the packed tarballs; web a site; a bucket, a parameter and a secret bound to web, a table and the secret to a function in libs/api, a parameter to a function in apps/shop',
      async () => {
        const local = ['nx-sst', '@nx-sst/constructs', '@nx-sst/runtime', '@nx-sst/local-cloud'].map((name) =>
          JSON.stringify(tarballs[name]),
        );
        await workspace.run(
          'install nx-sst and the AWS SDK clients the code uses',
          `npm install -D --no-audit --no-fund ${local.join(' ')} @aws-sdk/client-dynamodb@3.1169.0 @aws-sdk/client-sts@3.1174.0`,
          { timeoutMs: 5 * MINUTE },
        );
        await workspace.run('init', 'npx nx g nx-sst:init');
        await workspace.run('infra app', 'npx nx g nx-sst:app infra');
        workspace.write('libs/api/src/lib/orders.ts', ORDERS_HANDLER);
        workspace.write('apps/shop/src/api/prices.ts', PRICES_HANDLER);
        for (const generator of [
          `site --project ${WEB}`,
          `resource --type bucket --name public --bind ${WEB}`,
          `resource --type parameter --name BRAND --value Acme --bind ${WEB}`,
          `resource --type function --name orders --handler libs/api/src/lib/orders.handler`,
          `resource --type table --name items --bind ${API}`,
          `secret STRIPE_KEY --bind ${WEB} --bind ${API}`,
          `resource --type function --name prices --handler apps/shop/src/api/prices.handler`,
          `resource --type parameter --name CURRENCY --value EUR --bind ${SHOP}`,
        ]) {
          await workspace.run(`nx g nx-sst:${generator}`, `npx nx g nx-sst:${generator}`);
        }
        workspace.write('libs/api/src/lib/orders.spec.ts', ORDERS_SPEC);
        workspace.write('apps/shop/src/api/prices.spec.ts', PRICES_SPEC);
        workspace.write('apps/web/app/page.tsx', WEB_PAGE);

        // The targets stay as the Nx plugins infer them: nothing rewritten into `nx-sst bind`.
        await workspace.run('the project graph', 'npx nx graph --file=../graph.json');
        const { graph } = JSON.parse(readFileSync(join(base, 'graph.json'), 'utf8')) as {
          graph: {
            nodes: Record<
              string,
              { data: { targets: Record<string, { executor?: string; options?: { command?: string } }> } }
            >;
          };
        };
        for (const project of [WEB, SHOP, API]) {
          const { targets } = graph.nodes[project].data;
          for (const [name, target] of Object.entries(targets)) {
            expect(`${project}:${name} ${target.executor} ${target.options?.command ?? ''}`).not.toMatch(
              /nx-sst[: ]bind/,
            );
          }
        }
        expect(graph.nodes[WEB].data.targets.dev.options?.command).toBe('next dev');

        await workspace.run('sync', 'npx nx sync');
        await workspace.run('sync check', 'npx nx sync:check');
        expect(workspace.read('libs/api/sst-env.d.ts')).toMatch(/items/);
        expect(workspace.read('apps/shop/sst-env.d.ts')).toMatch(/CURRENCY/);
        workspace.commit('nx-sst, bound projects');
      },
      10 * MINUTE,
    );

    step(
      "3. `nx run infra:deploy` and `nx-sst secrets set` on the local stage; the types deploy writes are the sync generator's",
      async () => {
        await workspace.run('deploy', 'npx nx run infra:deploy', { timeoutMs: 10 * MINUTE });
        const set = await workspace.run('set the secret', `npx nx-sst secrets set STRIPE_KEY ${SECRETS[0]}`);
        expectNoSecret(set.output);
        await workspace.run('sync check after deploy', 'npx nx sync:check');
      },
      10 * MINUTE,
    );

    step(
      '4. `nx run @acme/web:dev` without a terminal, daemon off: chromium shows the bound parameter, bucket and role',
      () => devServesBoundPage(false),
      8 * MINUTE,
    );

    step(
      '5. the same with the Nx daemon on; a Jest test bound through the daemon; NX_SST_BIND=0 runs it unbound',
      async () => {
        await devServesBoundPage(true);
        const daemon = { env: { NX_DAEMON: 'true' } };
        const test = await workspace.run(
          'api test, daemon on',
          `npx nx run ${API}:test --skip-nx-cache`,
          daemon,
        );
        expect(callerOf(test.output)).toMatch(assumed(boundRole(test.output, API)));
        const unbound = await workspace.run('api test, unbound', `npx nx run ${API}:test --skip-nx-cache`, {
          env: { ...daemon.env, NX_SST_BIND: '0' },
          expectFailure: true,
        });
        expect(unbound.output).not.toMatch(/nx-sst: project/);
        expect(unbound.output).toMatch(/Cannot access bound resources/);
        await workspace.run('stop the daemon', 'npx nx daemon --stop');
      },
      8 * MINUTE,
    );

    step(
      '6. the Jest test writes to the bound table as its role; cached; `secrets set` reruns it, an unrelated change replays it',
      async () => {
        const task = `${API}:test`;
        const first = await workspace.run('api test', `npx nx run ${task}`);
        expect(callerOf(first.output)).toMatch(assumed(boundRole(first.output, API)));
        expect(boundRole(first.output, API)).toMatch(/orders/);
        expect(first.output).toContain('STRIPE_KEY: *****');
        expectNoSecret(first.output);

        const again = await workspace.run('api test again', `npx nx run ${task}`);
        expect(fromCache(again.output, task)).toBe(true);

        await workspace.run('change the secret', `npx nx-sst secrets set STRIPE_KEY ${SECRETS[1]}`);
        const changed = await workspace.run('api test after secrets set', `npx nx run ${task}`);
        expect(fromCache(changed.output, task)).toBe(false);
        expect(changed.output).toContain('STRIPE_KEY: *****');
        expectNoSecret(changed.output);

        workspace.write('apps/shop/src/app/note.ts', 'export const note = "not read by libs/api";\n');
        const unrelated = await workspace.run('api test after an unrelated change', `npx nx run ${task}`);
        expect(fromCache(unrelated.output, task)).toBe(true);
        expectNoSecretInNxFolder();
      },
      5 * MINUTE,
    );

    step(
      "7. the Vite app's Vitest test runs bound, and so does an atomized test-ci--<file> task",
      async () => {
        const test = await workspace.run('shop test', `npx nx run ${SHOP}:test`);
        expect(test.output).toMatch(/Tests\s+3 passed/);
        expect(callerOf(test.output)).toMatch(assumed(boundRole(test.output, SHOP)));
        expect(boundRole(test.output, SHOP)).toMatch(/prices/);
        const again = await workspace.run('shop test again', `npx nx run ${SHOP}:test`);
        expect(fromCache(again.output, `${SHOP}:test`)).toBe(true);
        // One of the per-file tasks @nx/vitest infers (test-ci, their parent, refuses to run without Nx Cloud).
        const atomized = await workspace.run(
          'shop test-ci, one file',
          `npx nx run "${SHOP}:test-ci--src/api/prices.spec.ts"`,
        );
        expect(atomized.output).toMatch(/Tests\s+1 passed/);
        expect(callerOf(atomized.output)).toMatch(assumed(boundRole(atomized.output, SHOP)));
      },
      5 * MINUTE,
    );

    step(
      '8. a stack edit: `nx sync:check` fails, `nx affected -t test` runs the bound projects bound, `nx sync` fixes the types',
      async () => {
        workspace.commit('the bound code');
        const stack = 'apps/infra/stacks/Default.ts';
        workspace.write(stack, addJobsQueue(workspace.read(stack)));
        workspace.commit('a queue bound to the orders function');

        const stale = await workspace.run('sync check, stale', 'npx nx sync:check', { expectFailure: true });
        expect(stale.output).toMatch(/libs\/api\/sst-env\.d\.ts/);

        const affected = await workspace.run(
          'affected tests',
          'npx nx affected -t test --base=HEAD~1 --output-style=static',
        );
        for (const project of [API, SHOP]) {
          expect(fromCache(affected.output, `${project}:test`)).toBe(false);
          boundRole(affected.output, project);
        }
        expectNoSecret(affected.output);

        await workspace.run('sync', 'npx nx sync');
        await workspace.run('sync check, synced', 'npx nx sync:check');
        expect(workspace.read('libs/api/sst-env.d.ts')).toMatch(/jobs/);
      },
      5 * MINUTE,
    );

    step(
      '9. `nx run @acme/api:build` (tsc) compiles against sst-env.d.ts; reading a resource not bound to libs/api does not',
      async () => {
        await workspace.run('build api', `npx nx run ${API}:build`);
        expect(workspace.exists('libs/api/dist/lib/orders.js')).toBe(true);
        workspace.write('libs/api/src/lib/unbound.ts', UNBOUND_READ);
        const failed = await workspace.run(
          'build api reading an unbound resource',
          `npx nx run ${API}:build`,
          {
            expectFailure: true,
          },
        );
        expect(failed.output).toContain("Property 'public' does not exist on type 'BucketResources'.");
        workspace.remove('libs/api/src/lib/unbound.ts');
      },
      5 * MINUTE,
    );
  },
);
