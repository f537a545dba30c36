/*
 * Deploys under the faults of the issue "Hardening": an update the cloud cannot complete (item 3) and
 * a CloudFormation wait that never ends (item 8). Real toolkit-lib, real SDK clients, the local cloud.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startLocalCloud, stopDaemon, type LocalCloud } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { runCli } from '../test-utils/cli';
import { sampleWorkspace } from '../test-utils/sample-workspace';
import { deploy } from './deploy';

// Synthesis and CloudFormation on a shared 2-core machine: minutes, not seconds.
jest.setTimeout(900_000);

/** No default removal policy: buckets are retained (CDK's default), parameters are not. */
const CONFIG = [
  "import type { SSTConfig } from '@nx-sst/constructs';",
  "import { Default } from './stacks/Default';",
  'export default {',
  "  config() { return { name: 'shop', region: 'us-east-1' }; },",
  '  stacks(app) { app.stack(Default); },',
  '} satisfies SSTConfig;',
].join('\n');

const stacks = (...lines: string[]) =>
  [
    "import { Bucket, Config, type StackContext } from '@nx-sst/constructs';",
    'export function Default({ stack }: StackContext) {',
    ...lines.map((l) => `  ${l}`),
    '}',
  ].join('\n');

/** A retained bucket with a fixed name and three parameters. */
const V1 = stacks(
  "new Bucket(stack, 'kept', { name: 'shop-local-kept' });",
  "new Config.Parameter(stack, 'A', { value: 'a' });",
  "new Config.Parameter(stack, 'B', { value: 'b' });",
  "new Config.Parameter(stack, 'C', { value: 'c' });",
);
/**
 * Drops all of V1 for a renamed bucket that keeps the fixed name, and a new parameter: the bucket
 * cannot be created while the old one exists (BucketAlreadyExists, as on AWS, where the old one is
 * deleted only after the update succeeded).
 */
const BROKEN = stacks(
  "new Bucket(stack, 'renamed', { name: 'shop-local-kept' });",
  "new Config.Parameter(stack, 'D', { value: 'd' });",
);
/** What the user fixes it to; with the 300-character id of the reproduction. */
const FIXED = stacks(
  "new Bucket(stack, 'renamed', { name: 'shop-local-renamed' });",
  "new Config.Parameter(stack, 'D', { value: 'd' });",
  "new Bucket(stack, 'b' + 'x'.repeat(299));",
);

const root = sampleWorkspace({ stacks: V1, extraFiles: { 'apps/infra/sst.config.ts': CONFIG } });
const appRoot = path.join(root, 'apps/infra');
const STACK = 'local-shop-Default';
const base = { workspaceRoot: root, appRoot, stage: 'local', io: { write: () => {} } };
const setStacks = (text: string) => fs.writeFileSync(path.join(appRoot, 'stacks/Default.ts'), text);
let cloud: LocalCloud;

beforeAll(async () => {
  cloud = await startLocalCloud({ stateDir: localCloudDir(root) });
});
afterAll(async () => {
  await stopDaemon(localCloudDir(root));
  fs.rmSync(root, { recursive: true, force: true });
});

async function parameters(): Promise<string[]> {
  const ssm = new SSMClient(cloud.clientConfig);
  try {
    const out = await ssm.send(new GetParametersByPathCommand({ Path: '/sst/shop/local/', Recursive: true }));
    return out
      .Parameters!.map((p) => p.Name!)
      .filter((n) => n.startsWith('/sst/shop/local/Parameter/'))
      .map((n) => n.split('/')[5])
      .sort();
  } finally {
    ssm.destroy();
  }
}
async function buckets(): Promise<string[]> {
  const s3 = new S3Client({ ...cloud.clientConfig, forcePathStyle: true });
  try {
    return ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!);
  } finally {
    s3.destroy();
  }
}
async function stackStatus(): Promise<string | undefined> {
  const cfn = new CloudFormationClient(cloud.clientConfig);
  try {
    return (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks![0].StackStatus;
  } finally {
    cfn.destroy();
  }
}

describe('an update the cloud cannot complete (item 3)', () => {
  it('rolls back, naming the resource and the cause; the old bucket and parameters stay', async () => {
    expect((await deploy(base)).stacks.map((s) => s.status)).toEqual(['deployed']);
    expect(await parameters()).toEqual(['A', 'B', 'C']);
    setStacks(BROKEN);
    const error = await deploy(base).then(
      () => new Error('expected the deploy to fail'),
      (e: Error) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/^The deploy of shop on the stage "local" failed: /);
    expect(error.message).toMatch(
      new RegExp(`${STACK} renamed\\w* \\(AWS::S3::Bucket\\) CREATE_FAILED: .*BucketAlreadyExists`),
    );
    expect(await stackStatus()).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(await parameters()).toEqual(['A', 'B', 'C']);
    expect(await buckets()).toContain('shop-local-kept');
  });

  it('skips the old template on the next deploy, rightly: nothing is missing', async () => {
    setStacks(V1);
    expect((await deploy(base)).stacks.map((s) => s.status)).toEqual(['skipped']);
    expect(await parameters()).toEqual(['A', 'B', 'C']);
  });

  it('converges on the fixed template (the retained bucket stays in S3); a 300-character id deploys', async () => {
    setStacks(FIXED);
    expect((await deploy(base)).stacks.map((s) => s.status)).toEqual(['deployed']);
    expect(await stackStatus()).toBe('UPDATE_COMPLETE');
    expect(await parameters()).toEqual(['D']);
    const names = await buckets();
    expect(names).toEqual(expect.arrayContaining(['shop-local-kept', 'shop-local-renamed']));
    // CloudFormation names the bucket of the long id within S3's 63 characters.
    expect(names.filter((n) => n.includes('bxxxx')).map((n) => n.length)).toEqual([expect.any(Number)]);
    expect(Math.max(...names.map((n) => n.length))).toBeLessThanOrEqual(63);
  });
});

describe('a CloudFormation wait that never ends (item 8)', () => {
  afterEach(async () => {
    await cloud.clearFaults();
    delete process.env.NX_SST_WAIT_TIMEOUT;
  });

  it('stops waiting for a change set after NX_SST_WAIT_TIMEOUT, naming the stack, change set and status', async () => {
    await cloud.setFaults({ stall: ['changeSets'] });
    process.env.NX_SST_WAIT_TIMEOUT = '5';
    setStacks(FIXED.replace("{ value: 'd' }", "{ value: 'd2' }"));
    const lines: string[] = [];
    const started = Date.now();
    const error = await deploy({ ...base, io: { write: (l) => lines.push(l) } }).then(
      () => new Error('expected the deploy to fail'),
      (e: Error) => e,
    );
    const waited = Date.now() - started;
    expect(error).toMatchObject({ name: 'NxSstError' });
    expect(error.message).toMatch(
      new RegExp(
        `^${STACK}: the change set cdk-deploy-change-set stayed CREATE_IN_PROGRESS \\(waiting for it to be created\\); waited (?:[5-9]|1\\d) s, 5 s of them without any change \\(NX_SST_WAIT_TIMEOUT\\), and gave up\\.$`,
      ),
    );
    expect((error as { hint?: string }).hint).toContain('`nx-sst local stop`');
    expect(lines.join('')).toContain(`${STACK}: gave up waiting for the change set cdk-deploy-change-set`);
    // Synthesis and assets come first; the wait itself ends within a poll (5 s) of the limit.
    expect(waited).toBeLessThan(120_000);
    // Nothing was executed; the next deploy, with the fault gone, converges.
    expect(await parameters()).toEqual(['D']);
    await cloud.clearFaults();
    expect((await deploy(base)).stacks.map((s) => s.status)).toEqual(['deployed']);
  });

  it('stops waiting for a stack that never settles, through the CLI: exit 1, the message and the fix', async () => {
    // Every stack seems in progress: the first wait is toolkit-lib's, for its bootstrap stack.
    await cloud.setFaults({ stall: ['stacks'] });
    setStacks(FIXED.replace("{ value: 'd' }", "{ value: 'd3' }"));
    const out = await runCli(root, ['deploy', '--stage', 'local'], {
      env: { ...process.env, NX_SST_WAIT_TIMEOUT: '5' },
    });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /✖ CDKToolkit: the stack stayed CREATE_IN_PROGRESS; waited (?:[5-9]|1\d) s, 5 s of them without any change \(NX_SST_WAIT_TIMEOUT\), and gave up\.\n/,
    );
    expect(out.stderr).toContain('nx-sst local stop');
    await cloud.clearFaults();
    expect(await stackStatus()).toBe('UPDATE_COMPLETE');
    expect((await deploy(base)).stacks.map((s) => s.status)).toEqual(['deployed']);
  });
});

describe('a first deploy whose bootstrap never settles (item 8)', () => {
  it('stops with the watchdog`s error naming the CDKToolkit stack', async () => {
    const fresh = sampleWorkspace({ stacks: V1, extraFiles: { 'apps/infra/sst.config.ts': CONFIG } });
    try {
      const other = await startLocalCloud({ stateDir: localCloudDir(fresh) });
      await other.setFaults({ stall: ['stacks'] });
      process.env.NX_SST_WAIT_TIMEOUT = '5';
      const error = await deploy({
        ...base,
        workspaceRoot: fresh,
        appRoot: path.join(fresh, 'apps/infra'),
      }).then(
        () => new Error('expected the deploy to fail'),
        (e: Error) => e,
      );
      expect(error).toMatchObject({ name: 'NxSstError' });
      expect(error.message).toMatch(
        /^CDKToolkit: the stack stayed CREATE_IN_PROGRESS; waited (?:[5-9]|1\d) s, 5 s of them/,
      );
    } finally {
      delete process.env.NX_SST_WAIT_TIMEOUT;
      await stopDaemon(localCloudDir(fresh));
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });
});

describe('remove after all of it', () => {
  it('exits 0 and leaves no parameter', async () => {
    const out = await runCli(root, ['remove', '--stage', 'local'], { env: process.env });
    expect(out).toEqual(
      expect.objectContaining({ code: 0, stdout: expect.stringContaining('Removed shop') }),
    );
    expect(await parameters()).toEqual([]);
  });
});
