// Code on the AWS SDK v2 (`aws-sdk`), which reads no endpoint variable, run bound to the local stage:
// with `nx-sst bind` and with the Nx task preload it must reach the local cloud, and nothing may go
// to AWS. The real aws-sdk package against the real local cloud.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PRELOAD_PATH, withPreload } from '../plugin/pre-tasks';
import { BOUND_TASKS_VAR } from '../preload/bind-task';
import { LOCAL_AWS_PRELOAD, withLocalAwsPreload } from '../preload/local-aws';
import { runCli } from '../test-utils/cli';
import { deployedSampleWorkspace } from '../test-utils/local-stage';

jest.setTimeout(900_000);

const repoModules = path.resolve(__dirname, '../../../../node_modules');
// The hook as NODE_OPTIONS names it in an installed workspace: the built file.
const BUILT_PRELOAD = path.resolve(__dirname, '../../dist/preload/local-aws-register.js');

const TABLE = `const AWS = require('aws-sdk');
const { Table } = require('@nx-sst/runtime/table');
const db = new AWS.DynamoDB.DocumentClient();
const TableName = Table.orders.tableName;
(async () => {
  await db.put({ TableName, Item: { id: process.argv[2], total: 42 } }).promise();
  const got = await db.get({ TableName, Key: { id: process.argv[2] } }).promise();
  console.log(JSON.stringify({ item: got.Item, endpoint: db.service.endpoint.host }));
})().catch((e) => {
  console.log(JSON.stringify({ error: e.code, message: e.message }));
  process.exitCode = 1;
});
`;

// Native ESM, the form v2 handlers were usually written in; the client module alone, as many import it.
const BUCKET = `import AWS from 'aws-sdk';
import S3 from 'aws-sdk/clients/s3.js';
import { Bucket } from '@nx-sst/runtime/bucket';
const Bucket_ = Bucket.public.bucketName;
const s3 = new S3();
await s3.putObject({ Bucket: Bucket_, Key: 'v2/hello.txt', Body: 'hi' }).promise();
const listed = await new AWS.S3().listObjectsV2({ Bucket: Bucket_, Prefix: 'v2/' }).promise();
console.log(JSON.stringify({ keys: listed.Contents.map((o) => o.Key), pathStyle: s3.config.s3ForcePathStyle }));
`;

// A client given AWS's endpoint by hand, and a raw signed request: both stopped before they leave.
const EXPLICIT = `const AWS = require('aws-sdk');
const https = require('node:https');
const s3 = new AWS.S3({ endpoint: 'https://s3.us-east-1.amazonaws.com', maxRetries: 0 });
s3.listBuckets((error) => {
  let raw;
  try {
    https.request({ host: 'sts.amazonaws.com', headers: { 'X-Amz-Date': '20260101T000000Z' } }).end();
    raw = 'sent';
  } catch (e) {
    raw = e.code;
  }
  console.log(JSON.stringify({ sdk: error && error.message, raw }));
});
`;

describe('aws-sdk v2 bound to the local stage', () => {
  const root = deployedSampleWorkspace({
    stripeKey: 'sk_v2',
    extraFiles: {
      'apps/worker/v2.cjs': TABLE,
      'apps/api/v2.mjs': BUCKET,
      'apps/api/explicit.cjs': EXPLICIT,
    },
  });
  fs.symlinkSync(path.join(repoModules, 'aws-sdk'), path.join(root, 'node_modules/aws-sdk'), 'dir');
  const quiet: NodeJS.ProcessEnv = { ...process.env, AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1' };
  for (const key of Object.keys(quiet)) if (/^(AWS_(?!SDK_JS)|SST_|NX_SST_)/.test(key)) delete quiet[key];

  const bind = async (target: string, command: string[]) => {
    const out = await runCli(root, ['bind', '--target', target, '--', ...command], { env: quiet });
    expect({ code: out.code, stderr: out.code ? out.stderr : '' }).toEqual({ code: 0, stderr: '' });
    return JSON.parse(out.stdout);
  };

  it('nx-sst bind: a DynamoDB put and get through the DocumentClient reach the local cloud', async () => {
    const out = await bind('worker', ['node', 'apps/worker/v2.cjs', 'bind-1']);
    expect(out.item).toEqual({ id: 'bind-1', total: 42 });
    expect(out.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('nx-sst bind: native ESM `import AWS from "aws-sdk"` and a client module put and list S3 objects', async () => {
    expect(await bind('api', ['node', 'apps/api/v2.mjs'])).toEqual({
      keys: ['v2/hello.txt'],
      pathStyle: true,
    });
  });

  it('nx-sst bind: a signed request to an AWS host is refused before it leaves the process', async () => {
    const out = await bind('api', ['node', 'apps/api/explicit.cjs']);
    expect(out.sdk).toMatch(
      /^nx-sst: refused a signed request to s3\.us-east-1\.amazonaws\.com: this process is bound to the local stage/,
    );
    expect(out.raw).toBe('NxSstNotLocal');
  });

  const taskEnv = (project: string): NodeJS.ProcessEnv => ({
    ...quiet,
    NODE_OPTIONS: withPreload(undefined, PRELOAD_PATH),
    NX_TASK_TARGET_PROJECT: project,
    NX_TASK_TARGET_TARGET: 'test',
    [BOUND_TASKS_VAR]: JSON.stringify({
      workspaceRoot: root,
      projects: { worker: { root: 'apps/worker', targets: ['test'] } },
    }),
  });

  it("the Nx task preload: the task's own process and a child it starts reach the local cloud", () => {
    const own = spawnSync(process.execPath, ['apps/worker/v2.cjs', 'preload-1'], {
      cwd: root,
      env: taskEnv('worker'),
      encoding: 'utf-8',
    });
    expect({ status: own.status, stdout: JSON.parse(own.stdout) }).toMatchObject({
      status: 0,
      stdout: { item: { id: 'preload-1', total: 42 } },
    });
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        "process.stdout.write(require('node:child_process').execFileSync(process.execPath, ['apps/worker/v2.cjs', 'preload-2']))",
      ],
      { cwd: root, env: taskEnv('worker'), encoding: 'utf-8' },
    );
    expect({ status: child.status, stdout: JSON.parse(child.stdout) }).toMatchObject({
      status: 0,
      stdout: { item: { id: 'preload-2', total: 42 } },
    });
  });
});

describe('the aws-sdk v2 hook', () => {
  it('NODE_OPTIONS holds it once on local, keeps what else is there, and loses it on another stage', () => {
    const local = withLocalAwsPreload('--max-old-space-size=512', true);
    expect(local).toBe(`--max-old-space-size=512 --require="${LOCAL_AWS_PRELOAD}"`);
    expect(withLocalAwsPreload(local, true)).toBe(local);
    expect(withLocalAwsPreload(local, false)).toBe('--max-old-space-size=512');
    expect(withLocalAwsPreload(undefined, false)).toBe('');
  });

  const node = (script: string, env: NodeJS.ProcessEnv = {}) => {
    const out = spawnSync(process.execPath, ['--require', BUILT_PRELOAD, '-e', script], {
      cwd: __dirname,
      env: { ...process.env, AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1', ...env },
      encoding: 'utf-8',
    });
    expect(out.stderr).toBe('');
    return JSON.parse(out.stdout);
  };
  const local = { NX_SST_LOCAL_CLOUD: 'http://127.0.0.1:4599' };

  it('loads nothing in a process that never requires aws-sdk, http or https', () => {
    const loaded = `console.log(JSON.stringify(process.moduleLoadList.filter((m) => /NativeModule (https?|tls)$/.test(m) ).concat(Object.keys(require.cache).filter((f) => /aws-sdk/.test(f)))))`;
    expect(node(loaded, local)).toEqual([]);
    expect(node(loaded)).toEqual([]);
  });

  it('points every aws-sdk v2 entry at the local cloud, also after its global config is replaced; without the variable, it does nothing', () => {
    const script = `const AWS = require('aws-sdk');
const DynamoDB = require('aws-sdk/clients/dynamodb');
const before = new DynamoDB({ region: 'eu-west-1' }).endpoint.href;
AWS.config = new AWS.Config({ region: 'eu-west-1' });
console.log(JSON.stringify({ before, after: new AWS.SQS().endpoint.href, s3: new AWS.S3().config.s3ForcePathStyle }));`;
    expect(node(script, local)).toEqual({
      before: 'http://127.0.0.1:4599/',
      after: 'http://127.0.0.1:4599/',
      s3: true,
    });
    expect(node(script)).toEqual({
      before: 'https://dynamodb.eu-west-1.amazonaws.com/',
      after: 'https://sqs.eu-west-1.amazonaws.com/',
      s3: false,
    });
  });
});
