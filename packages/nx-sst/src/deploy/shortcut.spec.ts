import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CloudFormationClient,
  DeleteStackCommand,
  UpdateStackCommand,
  waitUntilStackDeleteComplete,
  waitUntilStackUpdateComplete,
} from '@aws-sdk/client-cloudformation';
import { startLocalCloud, stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { setSecret } from '../secrets/secrets';
import { runCli } from '../test-utils/cli';
import { sampleWorkspace } from '../test-utils/sample-workspace';
import { deploy, remove } from './deploy';
import { deployRecordFile } from './shortcut';

// Each full deploy synthesizes, bundles and runs CloudFormation on a shared 2-core machine.
jest.setTimeout(900_000);

const STACKS = [
  "import { Config, Function, type StackContext } from '@nx-sst/constructs';",
  'export function Default({ stack }: StackContext) {',
  "  const key = new Config.Secret(stack, 'STRIPE_KEY');",
  "  const fn = new Function(stack, 'api', { handler: 'apps/api/src/handler.handler', bind: [key] });",
  // An environment variable read by the stacks is an input like a file.
  "  stack.addOutputs({ Greeting: process.env.SHOP_GREETING ?? 'hello', Fn: fn.functionName });",
  '}',
].join('\n');

const root = sampleWorkspace({
  stacks: STACKS,
  extraFiles: {
    'apps/api/src/handler.ts':
      "import { greeting } from './lib/greeting';\nexport const handler = async () => ({ statusCode: 200, body: greeting });",
    'apps/api/src/lib/greeting.ts': "export const greeting = 'hello';",
  },
});
const appRoot = path.join(root, 'apps/infra');
const base = { workspaceRoot: root, appRoot, cwd: root, io: { write: () => {} } };
const record = deployRecordFile(appRoot, 'local');
const edit = (rel: string, change: (text: string) => string) => {
  const file = path.join(root, rel);
  fs.writeFileSync(file, change(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : ''));
};

async function cfn() {
  const cloud = await startLocalCloud({ stateDir: localCloudDir(root) });
  return new CloudFormationClient(cloud.clientConfig);
}

afterAll(async () => {
  await stopDaemon(localCloudDir(root));
  fs.rmSync(root, { recursive: true, force: true });
});

/** Deploys twice: the first must deploy in full (an input changed), the second must skip. */
async function expectFullThenSkipped(opts: Partial<Parameters<typeof deploy>[0]> = {}) {
  const full = await deploy({ ...base, ...opts });
  expect(full.synthesized).not.toBe(false);
  const again = await deploy({ ...base, ...opts });
  expect(again.synthesized).toBe(false);
  expect(again.stacks.map((s) => s.status)).toEqual(['skipped']);
  return { full, again };
}

describe('deploy skips synthesis when nothing changed since the last deploy', () => {
  it('records a full deploy and answers the next one from the record, with the same outputs', async () => {
    const { full, again } = await expectFullThenSkipped();
    expect(fs.existsSync(record)).toBe(true);
    expect(again.stacks[0].outputs).toEqual(full.stacks[0].outputs);
    expect(again.stacks[0].outputs.Greeting).toBe('hello');
    // Hashes and sizes only: no value of the environment in the record.
    expect(fs.readFileSync(record, 'utf8')).not.toContain(process.env.PATH ?? 'never');
  });

  it('skips after a touch that keeps the content, and after a secret is set', async () => {
    const file = path.join(root, 'apps/api/src/lib/greeting.ts');
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    await setSecret({ workspaceRoot: root, appRoot, stage: 'local', name: 'STRIPE_KEY', value: 'sk_test_1' });
    expect((await deploy(base)).synthesized).toBe(false);
  });

  it('deploys when a file the handler imports changes', async () => {
    edit('apps/api/src/lib/greeting.ts', () => "export const greeting = 'hi';");
    // As in a fresh workspace: the deploy writes the project's types too, after synthesis.
    fs.rmSync(path.join(root, 'apps/api/sst-env.d.ts'));
    // A fresh process, as every deploy is: @nx-sst/constructs keeps a process's function bundles.
    const changed = await runCli(root, ['deploy']);
    expect(changed.stdout).toMatch(/local-shop-Default {2}deployed/);
    expect(changed.stderr).not.toContain('Nothing changed');
    const again = await runCli(root, ['deploy']);
    expect(again.stderr).toContain('Nothing changed since the last deploy of shop to "local"');
    expect(again.stdout).toMatch(
      /Deployed shop to the stage "local" in \d+\.\d s\n {2}local-shop-Default {2}unchanged \(skipped\)\n {4}Fn: /,
    );
  });

  it('deploys when a stack file changes', async () => {
    edit('apps/infra/stacks/Default.ts', (t) => t.replace("?? 'hello'", "?? 'hallo'"));
    const { full } = await expectFullThenSkipped();
    expect(full.stacks[0].outputs.Greeting).toBe('hallo');
  });

  it('deploys when an environment variable the stacks read changes', async () => {
    process.env.SHOP_GREETING = 'servus';
    try {
      const { full } = await expectFullThenSkipped();
      expect(full.stacks[0].outputs.Greeting).toBe('servus');
    } finally {
      delete process.env.SHOP_GREETING;
    }
    expect((await deploy(base)).synthesized).not.toBe(false);
  });

  it('deploys when the lockfile or the CDK context changes', async () => {
    edit('package-lock.json', () => '{"lockfileVersion":3}');
    await expectFullThenSkipped();
    edit('apps/infra/cdk.context.json', () => '{"some:lookup": 1}');
    await expectFullThenSkipped();
  });

  it('answers only the stage input it was recorded for: --stage, SST_STAGE or none, and .sst/stage', async () => {
    // Without a stage input, config() or .sst/stage picks the stage: the record of --stage local cannot tell.
    await expectFullThenSkipped({ stage: 'local' });
    // SST_STAGE is an environment variable the deploy read: its value is an input.
    process.env.SST_STAGE = 'local';
    try {
      await expectFullThenSkipped();
    } finally {
      delete process.env.SST_STAGE;
    }
    await expectFullThenSkipped();
    edit('.sst/stage', () => 'local\n');
    await expectFullThenSkipped();
  });

  it('deploys when a stack was deleted or updated behind its back', async () => {
    const client = await cfn();
    try {
      await client.send(new DeleteStackCommand({ StackName: 'local-shop-Default' }));
      await waitUntilStackDeleteComplete({ client, maxWaitTime: 300 }, { StackName: 'local-shop-Default' });
      const { full } = await expectFullThenSkipped();
      expect(full.stacks[0].status).toBe('deployed');

      await client.send(
        new UpdateStackCommand({
          StackName: 'local-shop-Default',
          UsePreviousTemplate: true,
          Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
          Tags: [{ Key: 'changed-by', Value: 'hand' }],
        }),
      );
      await waitUntilStackUpdateComplete({ client, maxWaitTime: 300 }, { StackName: 'local-shop-Default' });
      await expectFullThenSkipped();
    } finally {
      client.destroy();
    }
  });

  it('deploys in full with --force, and after a deploy of some stacks only', async () => {
    expect((await deploy({ ...base, force: true })).synthesized).not.toBe(false);
    await deploy({ ...base, stacks: ['*'] });
    expect(fs.existsSync(record)).toBe(false);
    await expectFullThenSkipped();
  });

  it('says in --verbose what changed', async () => {
    edit('apps/api/src/lib/greeting.ts', () => "export const greeting = 'hey';");
    const lines: string[] = [];
    await deploy({ ...base, io: { verbose: true, write: (t) => void lines.push(t) } });
    expect(lines.join('')).toContain(
      'Deploying shop to "local": apps/api/src/lib/greeting.ts changed since its last deploy.',
    );
  });

  it('forgets the record when the app is removed', async () => {
    await remove(base);
    expect(fs.existsSync(record)).toBe(false);
  });
});
