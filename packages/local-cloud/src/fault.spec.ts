/*
 * The local cloud under the faults a hostile or careless user brings (issue "Hardening"): each test
 * is a reproduction run against the built daemon, asserting the fixed behaviour. Those that need
 * IAM enforced are in fault-iam.spec.ts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { scanJournal } from './daemon/journal';
import { startLocalCloud, startTestCloud, stopDaemon, type LocalCloud } from './index';
import { signedJsonHeaders } from './test-utils/signed-call';
import { unsignedRequest } from './test-utils/unsigned-request';

/** The bin as published: the built file (the test target builds first). */
const CLI = path.join(__dirname, '..', 'dist', 'cli.js');

jest.setTimeout(120_000);

describe('a web page or another user of the machine', () => {
  let cloud: LocalCloud;
  let port: number;
  const SECRET = 'sk_live_do_not_leak';

  beforeAll(async () => {
    cloud = await startTestCloud();
    port = Number(new URL(cloud.endpoint).port);
    const ssm = new SSMClient(cloud.clientConfig);
    try {
      await ssm.send(
        new PutParameterCommand({ Name: '/app/STRIPE_KEY', Value: SECRET, Type: 'SecureString' }),
      );
    } finally {
      ssm.destroy();
    }
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  /** GetParameter as a page (or a guess) would sign it: any key, any secret. */
  const getParameter = async (
    credentials: { accessKeyId: string; secretAccessKey: string },
    headers: Record<string, string> = {},
  ) => {
    const body = JSON.stringify({ Name: '/app/STRIPE_KEY', WithDecryption: true });
    const signed = await signedJsonHeaders({
      credentials,
      region: cloud.region,
      service: 'ssm',
      port,
      target: 'AmazonSSM.GetParameter',
      body,
      headers,
    });
    return unsignedRequest(cloud.endpoint, 'POST', signed, body);
  };

  it('gets the secret with the workspace`s keys (the control)', async () => {
    const got = await getParameter(cloud.credentials);
    expect(got.status).toBe(200);
    expect(got.body).toContain(SECRET);
  });

  it('refuses a preflight from a foreign origin to a service other than S3', async () => {
    const preflight = await unsignedRequest(cloud.endpoint, 'OPTIONS', {
      Origin: 'https://evil.example',
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization,content-type,x-amz-target',
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
  });

  it.each([
    [
      'a forged signature with the workspace`s key id',
      () => ({ ...cloud.credentials, secretAccessKey: 'guessed' }),
      'InvalidSignatureException',
    ],
    [
      'the fixed keys every workspace used to share',
      () => ({ accessKeyId: 'AKIANXSSTLOCALCLOUD0', secretAccessKey: 'nx-sst-local-cloud' }),
      'UnrecognizedClientException',
    ],
  ])('answers %s with AWS`s error and no CORS header', async (_, credentials, code) => {
    const got = await getParameter(credentials(), { origin: 'https://evil.example' });
    expect(got.status).toBe(400);
    expect(JSON.parse(got.body).__type).toBe(code);
    expect(got.body).not.toContain(SECRET);
    expect(got.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses the keys of another workspace`s local cloud, and an unsigned call', async () => {
    const other = await startTestCloud();
    try {
      expect(other.credentials.accessKeyId).not.toBe(cloud.credentials.accessKeyId);
      const got = await getParameter(other.credentials);
      expect(JSON.parse(got.body).__type).toBe('UnrecognizedClientException');
    } finally {
      await other.stop();
    }
    const unsigned = await unsignedRequest(
      cloud.endpoint,
      'POST',
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
      JSON.stringify({ Name: '/app/STRIPE_KEY', WithDecryption: true }),
    );
    expect(unsigned.status).toBe(400);
    expect(JSON.parse(unsigned.body).__type).toBe('MissingAuthenticationTokenException');
  });

  it('gives the error each SDK client expects to a key it never issued (STS, S3, SSM)', async () => {
    const stranger = {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    };
    const config = { endpoint: cloud.endpoint, region: cloud.region, credentials: stranger, maxAttempts: 1 };
    const sts = new STSClient(config);
    const s3 = new S3Client({ ...config, forcePathStyle: true });
    const ssm = new SSMClient(config);
    try {
      await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
        name: 'InvalidClientTokenId',
      });
      await expect(s3.send(new ListBucketsCommand({}))).rejects.toMatchObject({ name: 'InvalidAccessKeyId' });
      await expect(ssm.send(new GetParameterCommand({ Name: '/app/STRIPE_KEY' }))).rejects.toMatchObject({
        name: 'UnrecognizedClientException',
      });
    } finally {
      sts.destroy();
      s3.destroy();
      ssm.destroy();
    }
  });

  it('refuses a foreign Host (DNS rebinding), even with a valid signature', async () => {
    const got = await getParameter(cloud.credentials, { host: `attacker.example:${port}` });
    expect(got.status).toBe(421);
    expect(got.body).not.toContain(SECRET);
    expect(got.body).toContain('refused the Host "attacker.example');
  });

  it('keeps its control routes (stop, faults) to the holder of daemon.json', async () => {
    const stop = await unsignedRequest(`${cloud.endpoint}/_nx-sst/stop`, 'POST', {
      'content-type': 'text/plain',
    });
    expect(stop.status).toBe(403);
    const faults = await unsignedRequest(
      `${cloud.endpoint}/_nx-sst/faults`,
      'PUT',
      {},
      '{"latencyMs":{"*":5000}}',
    );
    expect(faults.status).toBe(403);
    expect((await unsignedRequest(`${cloud.endpoint}/_nx-sst/health`, 'GET')).status).toBe(200);
    await cloud.setFaults({ latencyMs: { ssm: 1 } });
    await cloud.clearFaults();
  });

  it('keeps moto`s own port to the daemon: no request without its token gets an answer', async () => {
    const info = JSON.parse(fs.readFileSync(path.join(cloud.stateDir, 'daemon.json'), 'utf8'));
    expect(info.motoPort).toEqual(expect.any(Number));
    const moto = `http://127.0.0.1:${info.motoPort}`;
    // A dump of every value, a reset of the cloud, and a plain AWS call straight at moto.
    for (const [method, url, headers] of [
      ['GET', '/moto-api/data.json', {}],
      ['GET', '/moto-api/data.json', { 'x-nx-sst-moto-token': 'guessed' }],
      ['GET', '/moto-api/data.json', { 'x-nx-sst-moto-token': cloud.credentials.secretAccessKey }],
      ['POST', '/moto-api/reset', {}],
      ['GET', '/moto-api/nx-sst/lambda-code?account=000000000000&region=us-east-1&name=x', {}],
    ] as const) {
      const got = await unsignedRequest(`${moto}${url}`, method, headers);
      expect([method, url, got.status, got.body]).toEqual([method, url, 403, 'Forbidden\n']);
    }
    const direct = await unsignedRequest(
      moto,
      'POST',
      { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonSSM.GetParameter' },
      JSON.stringify({ Name: '/app/STRIPE_KEY', WithDecryption: true }),
    );
    expect(direct.status).toBe(403);
    // Still there (the reset was refused), and a client's own token header is no way in through the front.
    const got = await getParameter(cloud.credentials, { 'x-nx-sst-moto-token': 'guessed' });
    expect(got.status).toBe(200);
    expect(got.body).toContain(SECRET);
    const put = JSON.stringify({ Name: '/app/WITH_TOKEN_HEADER', Value: 'v', Type: 'String' });
    const signed = await signedJsonHeaders({
      credentials: cloud.credentials,
      region: cloud.region,
      service: 'ssm',
      port,
      target: 'AmazonSSM.PutParameter',
      body: put,
      headers: { 'x-nx-sst-moto-token': 'guessed' },
    });
    const written = await unsignedRequest(cloud.endpoint, 'POST', signed, put);
    expect(written.status).toBe(200);
    const journaled = scanJournal(fs.readFileSync(path.join(cloud.stateDir, 'journal'))).records;
    const last = journaled[journaled.length - 1];
    expect(last.body.toString()).toBe(put);
    expect(Object.keys(last.headers)).not.toContain('x-nx-sst-moto-token');
    if (process.getuid?.() !== 0) return; // only root can become another user here
    const script = `
      require('node:http').get(${JSON.stringify(`${moto}/moto-api/data.json`)}, (res) => {
        let body = ''; res.on('data', (c) => (body += c));
        res.on('end', () => console.log(JSON.stringify({ status: res.statusCode, body })));
      }).on('error', (e) => console.log(JSON.stringify({ error: e.code })));`;
    const nobody = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script],
      { encoding: 'utf8' },
    );
    expect(nobody.stderr).toBe('');
    expect(JSON.parse(nobody.stdout)).toEqual({ status: 403, body: 'Forbidden\n' });
  });

  it('keeps its state its owner`s: another user of the machine reads neither the keys nor the secret', async () => {
    expect(fs.statSync(cloud.stateDir).mode & 0o777).toBe(0o700);
    for (const file of ['cloud.json', 'daemon.json', 'journal', 'daemon.log']) {
      expect(fs.statSync(path.join(cloud.stateDir, file)).mode & 0o777).toBe(0o600);
    }
    if (process.getuid?.() !== 0) return; // only root can become another user here
    // As `nobody`: try the state directory, then the port with the keys a stranger could guess.
    const guess = await getParameter({
      accessKeyId: 'AKIANXSSTLOCALCLOUD0',
      secretAccessKey: 'nx-sst-local-cloud',
    });
    const script = `
      const fs = require('node:fs'), http = require('node:http');
      let read = 'read';
      try { fs.readFileSync(${JSON.stringify(path.join(cloud.stateDir, 'cloud.json'))}); } catch (e) { read = e.code; }
      const req = http.request(${JSON.stringify(cloud.endpoint)}, { method: 'POST', headers: JSON.parse(process.argv[1]) }, (res) => {
        let body = ''; res.on('data', (c) => (body += c));
        res.on('end', () => console.log(JSON.stringify({ read, status: res.statusCode, body })));
      });
      req.end(process.argv[2]);`;
    const body = JSON.stringify({ Name: '/app/STRIPE_KEY', WithDecryption: true });
    const signed = await signedJsonHeaders({
      credentials: { accessKeyId: 'AKIANXSSTLOCALCLOUD0', secretAccessKey: 'nx-sst-local-cloud' },
      region: cloud.region,
      service: 'ssm',
      port,
      target: 'AmazonSSM.GetParameter',
      body,
    });
    const nobody = spawnSync(
      'setpriv',
      [
        '--reuid=65534',
        '--regid=65534',
        '--clear-groups',
        process.execPath,
        '-e',
        script,
        JSON.stringify(signed),
        body,
      ],
      { encoding: 'utf8' },
    );
    expect(nobody.stderr).toBe('');
    const seen = JSON.parse(nobody.stdout);
    expect(seen.read).toBe('EACCES');
    expect(seen.status).toBe(400);
    expect(seen.body).not.toContain(SECRET);
    expect(guess.body).not.toContain(SECRET);
  });
});

describe('a damaged journal', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('refuses to start on a bit flipped in record 30 of 148, and starts from the 29 before it on request', async () => {
    const ssm = new SSMClient(cloud.clientConfig);
    try {
      for (let i = 1; i <= 148; i++) {
        await ssm.send(
          new PutParameterCommand({ Name: `/fault/p${i}`, Value: `value ${i}`, Type: 'String' }),
        );
      }
    } finally {
      ssm.destroy();
    }
    await stopDaemon(cloud.stateDir);
    const file = path.join(cloud.stateDir, 'journal');
    const data = fs.readFileSync(file);
    // Record 30 starts where the first 29 end.
    const offset = scanJournal(data)
      .records.slice(0, 29)
      .reduce((at, r) => at + recordSize(r), 0);
    data[offset + 60] ^= 0x04;
    fs.writeFileSync(file, data);

    const refused = await startLocalCloud({ stateDir: cloud.stateDir }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toContain(
      `journal ${file} is damaged at byte ${offset}: record 30 fails its checksum and 118 intact record(s) follow it`,
    );
    expect((refused as Error).message).toContain(`nx-sst-local recover --state-dir ${cloud.stateDir}`);
    expect(fs.readFileSync(file)).toEqual(data);

    const recovered = spawnSync(process.execPath, [CLI, 'recover', '--state-dir', cloud.stateDir], {
      encoding: 'utf8',
    });
    expect(recovered).toMatchObject({ status: 0, stderr: '' });
    expect(recovered.stdout).toContain(`Kept the 29 record(s) before byte ${offset}`);

    const again = await startLocalCloud({ stateDir: cloud.stateDir });
    const reader = new SSMClient(again.clientConfig);
    try {
      const names: string[] = [];
      let NextToken: string | undefined;
      do {
        const page = await reader.send(new GetParametersByPathCommand({ Path: '/fault', NextToken }));
        names.push(...page.Parameters!.map((p) => p.Name!));
        NextToken = page.NextToken;
      } while (NextToken);
      expect(names.sort()).toEqual(Array.from({ length: 29 }, (_, i) => `/fault/p${i + 1}`).sort());
    } finally {
      reader.destroy();
    }
  });
});

describe('an update the local cloud cannot complete', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  const STACK = 'fault-rollback';
  const parameter = (name: string) => ({
    Type: 'AWS::SSM::Parameter',
    Properties: { Name: `/fault/rollback/${name}`, Type: 'String', Value: name },
  });
  /** The first version: a retained bucket, three parameters, an output. */
  const v1 = {
    Resources: {
      Kept: {
        Type: 'AWS::S3::Bucket',
        DeletionPolicy: 'Retain',
        Properties: { BucketName: 'fault-rollback-kept' },
      },
      P1: parameter('one'),
      P2: parameter('two'),
      P3: parameter('three'),
    },
    Outputs: { KeptName: { Value: { Ref: 'Kept' } } },
  };
  /** Drops all of v1, creates a parameter, then a bucket S3 refuses (its name is over 63 characters). */
  const broken = {
    Resources: {
      P4: parameter('four'),
      Bad: { Type: 'AWS::S3::Bucket', Properties: { BucketName: `fault-rollback-${'x'.repeat(60)}` } },
    },
    Outputs: { BadName: { Value: { Ref: 'Bad' } } },
  };
  /** What the user fixes it to: v1's parameters go, the retained bucket stays in S3. */
  const fixed = { Resources: { P4: parameter('four') } };

  async function changeSet(cfn: CloudFormationClient, template: object, type: 'CREATE' | 'UPDATE') {
    const name = `cs-${Date.now()}`;
    await cfn.send(
      new CreateChangeSetCommand({
        StackName: STACK,
        ChangeSetName: name,
        ChangeSetType: type,
        TemplateBody: JSON.stringify(template),
      }),
    );
    await cfn.send(new ExecuteChangeSetCommand({ StackName: STACK, ChangeSetName: name }));
    return (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks![0];
  }

  async function parameters(): Promise<string[]> {
    const ssm = new SSMClient(cloud.clientConfig);
    try {
      const page = await ssm.send(new GetParametersByPathCommand({ Path: '/fault/rollback' }));
      return page.Parameters!.map((p) => p.Name!.split('/').pop()!).sort();
    } finally {
      ssm.destroy();
    }
  }

  async function buckets(): Promise<string[]> {
    const s3 = new S3Client({ ...cloud.clientConfig, forcePathStyle: true });
    try {
      return ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name!).sort();
    } finally {
      s3.destroy();
    }
  }

  it('rolls back as CloudFormation does: the old resources, template and outputs stay; the failure is named', async () => {
    const cfn = new CloudFormationClient(cloud.clientConfig);
    try {
      expect((await changeSet(cfn, v1, 'CREATE')).StackStatus).toBe('CREATE_COMPLETE');
      const failed = await changeSet(cfn, broken, 'UPDATE');
      expect(failed.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(failed.Outputs).toEqual([
        expect.objectContaining({ OutputKey: 'KeptName', OutputValue: 'fault-rollback-kept' }),
      ]);
      const events = (await cfn.send(new DescribeStackEventsCommand({ StackName: STACK }))).StackEvents!;
      expect(events).toContainEqual(
        expect.objectContaining({
          LogicalResourceId: 'Bad',
          ResourceType: 'AWS::S3::Bucket',
          ResourceStatus: 'CREATE_FAILED',
          ResourceStatusReason: expect.stringContaining('InvalidBucketName'),
        }),
      );
      const template = await cfn.send(new GetTemplateCommand({ StackName: STACK }));
      expect(JSON.parse(template.TemplateBody!)).toEqual(v1);
      expect(await parameters()).toEqual(['one', 'three', 'two']);
      expect(await buckets()).toContain('fault-rollback-kept');
      const resources = await cfn.send(new DescribeStackResourcesCommand({ StackName: STACK }));
      expect(resources.StackResources!.map((r) => r.LogicalResourceId).sort()).toEqual([
        'Kept',
        'P1',
        'P2',
        'P3',
      ]);
    } finally {
      cfn.destroy();
    }
  });

  it('replays to the same state after a restart', async () => {
    await stopDaemon(cloud.stateDir);
    cloud = await startLocalCloud({ stateDir: cloud.stateDir });
    const cfn = new CloudFormationClient(cloud.clientConfig);
    try {
      const stack = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks![0];
      expect(stack.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
      expect(await parameters()).toEqual(['one', 'three', 'two']);
    } finally {
      cfn.destroy();
    }
  });

  it('converges on the next valid update (a retained bucket stays in S3), then deletes cleanly', async () => {
    const cfn = new CloudFormationClient(cloud.clientConfig);
    try {
      expect((await changeSet(cfn, fixed, 'UPDATE')).StackStatus).toBe('UPDATE_COMPLETE');
      expect(await parameters()).toEqual(['four']);
      expect(await buckets()).toContain('fault-rollback-kept');
      const { StackId } = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks![0];
      await cfn.send(new DeleteStackCommand({ StackName: STACK }));
      // A deleted stack is described by its id only, as on AWS.
      const gone = (await cfn.send(new DescribeStacksCommand({ StackName: StackId }))).Stacks![0];
      expect(gone.StackStatus).toBe('DELETE_COMPLETE');
      expect(await parameters()).toEqual([]);
    } finally {
      cfn.destroy();
    }
  });

  it('deletes a stack whose resource was already deleted outside it', async () => {
    const cfn = new CloudFormationClient(cloud.clientConfig);
    const ssm = new SSMClient(cloud.clientConfig);
    try {
      expect((await changeSet(cfn, { Resources: { P1: parameter('one') } }, 'CREATE')).StackStatus).toBe(
        'CREATE_COMPLETE',
      );
      await ssm.send(new DeleteParameterCommand({ Name: '/fault/rollback/one' }));
      const { StackId } = (await cfn.send(new DescribeStacksCommand({ StackName: STACK }))).Stacks![0];
      await cfn.send(new DeleteStackCommand({ StackName: STACK }));
      // A deleted stack is described by its id only, as on AWS.
      const gone = (await cfn.send(new DescribeStacksCommand({ StackName: StackId }))).Stacks![0];
      expect(gone.StackStatus).toBe('DELETE_COMPLETE');
    } finally {
      cfn.destroy();
      ssm.destroy();
    }
  });

  it('names a bucket it generates within 63 characters whatever the length of the logical id', async () => {
    const cfn = new CloudFormationClient(cloud.clientConfig);
    try {
      const logicalId = 'B' + 'x'.repeat(250);
      const stack = await changeSet(
        cfn,
        {
          Resources: { [logicalId]: { Type: 'AWS::S3::Bucket' } },
          Outputs: { Name: { Value: { Ref: logicalId } } },
        },
        'CREATE',
      );
      expect(stack.StackStatus).toBe('CREATE_COMPLETE');
      const name = stack.Outputs![0].OutputValue!;
      expect(name).toMatch(/^fault-rollback-bx+-[a-z0-9]{12}$/);
      expect(name.length).toBeLessThanOrEqual(63);
      expect(await buckets()).toContain(name);
      await cfn.send(new DeleteStackCommand({ StackName: STACK }));
    } finally {
      cfn.destroy();
    }
  });
});

describe('the stall fault (a CloudFormation wait that never ends)', () => {
  let cloud: LocalCloud;
  beforeAll(async () => {
    cloud = await startTestCloud();
  });
  afterAll(async () => {
    await cloud?.stop();
  });

  it('describes change sets as still being created and stacks as still in progress, until cleared', async () => {
    const cfn = new CloudFormationClient(cloud.clientConfig);
    try {
      const template = JSON.stringify({
        Resources: {
          P: { Type: 'AWS::SSM::Parameter', Properties: { Name: '/stalled/p', Type: 'String', Value: 'v' } },
        },
      });
      await cfn.send(
        new CreateChangeSetCommand({
          StackName: 'stalled',
          ChangeSetName: 'first',
          ChangeSetType: 'CREATE',
          TemplateBody: template,
        }),
      );
      const describe = () =>
        cfn.send(new DescribeChangeSetCommand({ StackName: 'stalled', ChangeSetName: 'first' }));
      expect(await describe()).toMatchObject({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE' });
      await cloud.setFaults({ stall: ['changeSets', 'stacks'] });
      expect(await describe()).toMatchObject({
        Status: 'CREATE_IN_PROGRESS',
        ExecutionStatus: 'UNAVAILABLE',
      });
      await cfn.send(new ExecuteChangeSetCommand({ StackName: 'stalled', ChangeSetName: 'first' }));
      const stack = async () =>
        (await cfn.send(new DescribeStacksCommand({ StackName: 'stalled' }))).Stacks![0].StackStatus;
      expect(await stack()).toBe('CREATE_IN_PROGRESS');
      await cloud.clearFaults();
      expect(await stack()).toBe('CREATE_COMPLETE');
    } finally {
      cfn.destroy();
    }
  });

  it('refuses a stall target it does not know, naming the ones it does', async () => {
    await expect(cloud.setFaults({ stall: ['changesets'] } as never)).rejects.toThrow(
      'Fault stall must list some of "changeSets", "stacks"',
    );
  });
});

/** Bytes a record takes in the journal: frame, header length, header JSON and body. */
function recordSize(r: { seq: number; method: string; url: string; headers: object; body: Buffer }): number {
  const header = JSON.stringify({ seq: r.seq, method: r.method, url: r.url, headers: r.headers });
  return 8 + 4 + Buffer.byteLength(header) + r.body.length;
}
