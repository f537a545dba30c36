import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  CreateFunctionCommand,
  DeleteFunctionConcurrencyCommand,
  InvokeCommand,
  PutFunctionConcurrencyCommand,
  LambdaClient,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { zipSync, strToU8 } from 'fflate';
import { resetLocalCloud, startLocalCloud, startTestCloud, type LocalCloud } from './index';
import { unsignedRequest } from './test-utils/unsigned-request';

jest.setTimeout(180_000);

const decoder = new TextDecoder();
const json = (payload: Uint8Array | undefined) =>
  JSON.parse(decoder.decode(payload)) as Record<string, unknown>;

function zip(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([name, text]) => [name, strToU8(text)])));
}

const CJS_HANDLER = `
let invocations = 0;
exports.handler = async (event, context) => {
  invocations++;
  console.log('got', JSON.stringify(event));
  return {
    event,
    invocations,
    pid: process.pid,
    requestId: context.awsRequestId,
    functionName: context.functionName,
    invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB,
    remaining: context.getRemainingTimeInMillis(),
    greeting: process.env.GREETING,
    region: process.env.AWS_REGION,
    endpoint: process.env.AWS_ENDPOINT_URL,
    hasSessionToken: Boolean(process.env.AWS_SESSION_TOKEN),
    daemonLeak: process.env.NX_SST_PUBLIC_ENDPOINT ?? null,
    awsConfigFile: process.env.AWS_CONFIG_FILE,
    cwd: process.cwd(),
  };
};
exports.fails = async () => { throw new TypeError('the handler failed on purpose'); };
exports.sleeps = async () => { await new Promise((r) => setTimeout(r, 10000)); return 'late'; };
exports.exits = async () => { process.exit(3); };
exports.slow = async () => { await new Promise((r) => setTimeout(r, 400)); return { pid: process.pid }; };
exports.callback = (event, context, callback) => { setTimeout(() => callback(null, { viaCallback: event.n }), 5); };
`;

// ESM, and an SDK import the bundle leaves external (as nx-sst's esbuild does): resolved as in Lambda.
const ESM_HANDLER = `
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { SSMClient, PutParameterCommand } from '@aws-sdk/client-ssm';
export const handler = async () => {
  const sts = new STSClient({});
  const { Arn } = await sts.send(new GetCallerIdentityCommand({}));
  return { arn: Arn, format: typeof require === 'undefined' ? 'esm' : 'cjs' };
};
export const writes = async (event) => {
  await new SSMClient({}).send(new PutParameterCommand({ Name: event.name, Value: event.value, Type: 'String', Overwrite: true }));
  return 'written';
};
`;

describe('functions run locally: Lambda Invoke through the real SDK', () => {
  let cloud: LocalCloud;
  let lambda: LambdaClient;
  let roleArn: string;

  const create = async (
    name: string,
    handler: string,
    files: Record<string, string>,
    extra: Partial<{ Timeout: number; Environment: { Variables: Record<string, string> } }> = {},
  ) => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Role: roleArn,
        Handler: handler,
        Code: { ZipFile: zip(files) },
        ...extra,
      }),
    );
  };

  beforeAll(async () => {
    cloud = await startTestCloud();
    lambda = new LambdaClient({ ...cloud.clientConfig, maxAttempts: 1 });
    const iam = new IAMClient(cloud.clientConfig);
    const { Role } = await iam.send(
      new CreateRoleCommand({
        RoleName: 'fn-role',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    iam.destroy();
    roleArn = Role!.Arn!;
    await create(
      'cjs',
      'index.handler',
      { 'index.js': CJS_HANDLER },
      { Environment: { Variables: { GREETING: 'hello' } } },
    );
    await create('esm', 'src/handlers/main.handler', { 'src/handlers/main.mjs': ESM_HANDLER });
  });
  afterAll(async () => {
    lambda?.destroy();
    await cloud?.stop();
  });

  const invoke = (
    FunctionName: string,
    payload?: unknown,
    extra: Partial<ConstructorParameters<typeof InvokeCommand>[0]> = {},
  ) =>
    lambda.send(
      new InvokeCommand({
        FunctionName,
        ...(payload === undefined ? {} : { Payload: Buffer.from(JSON.stringify(payload)) }),
        ...extra,
      }),
    );

  it('runs a CommonJS handler with the event, Lambda`s context and the function`s environment; warm after the first call', async () => {
    const first = await invoke('cjs', { n: 1 });
    expect(first.StatusCode).toBe(200);
    expect(first.FunctionError).toBeUndefined();
    expect(first.ExecutedVersion).toBe('$LATEST');
    const a = json(first.Payload);
    expect(a).toMatchObject({
      event: { n: 1 },
      invocations: 1,
      functionName: 'cjs',
      invokedFunctionArn: `arn:aws:lambda:${cloud.region}:${cloud.accountId}:function:cjs`,
      memoryLimitInMB: '128',
      greeting: 'hello',
      region: cloud.region,
      endpoint: cloud.endpoint,
      hasSessionToken: true,
      daemonLeak: null,
    });
    expect(a.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.remaining as number).toBeGreaterThan(2000);
    expect(a.remaining as number).toBeLessThanOrEqual(3000);
    expect(fs.realpathSync(a.cwd as string)).toContain(path.join('functions', 'code'));
    // Not the user's ~/.aws: a profile there is not Lambda's.
    expect(a.awsConfigFile).toMatch(/functions\/code\/[0-9a-f]+\/aws-config$/);
    expect(fs.existsSync(a.awsConfigFile as string)).toBe(false);

    const second = json((await invoke('cjs', { n: 2 })).Payload);
    expect(second).toMatchObject({ event: { n: 2 }, invocations: 2, pid: a.pid });
    expect(second.requestId).not.toBe(a.requestId);
  });

  it('gives an empty payload as {} and runs callback-style handlers', async () => {
    expect(json((await invoke('cjs')).Payload)).toMatchObject({ event: {} });
    await create('callback', 'index.callback', { 'index.js': CJS_HANDLER });
    expect(json((await invoke('callback', { n: 7 })).Payload)).toEqual({ viaCallback: 7 });
  });

  it('runs concurrent invocations in separate environments', async () => {
    await create('slow', 'index.slow', { 'index.js': CJS_HANDLER });
    const results = await Promise.all([1, 2, 3].map((n) => invoke('slow', { n })));
    expect(new Set(results.map((r) => json(r.Payload).pid)).size).toBe(3);
    // All three are warm now: three more at once start no new process.
    const again = await Promise.all([1, 2, 3].map((n) => invoke('slow', { n })));
    const pids = new Set(results.map((r) => json(r.Payload).pid));
    for (const r of again) expect(pids.has(json(r.Payload).pid)).toBe(true);
  });

  it('honours reserved concurrency: 0 throttles every call, 1 throttles the second concurrent one', async () => {
    await create('reserved', 'index.slow', { 'index.js': CJS_HANDLER });
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'reserved', ReservedConcurrentExecutions: 0 }),
    );
    await expect(invoke('reserved', {})).rejects.toMatchObject({
      name: 'TooManyRequestsException',
      Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      $metadata: { httpStatusCode: 429 },
    });
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'reserved', ReservedConcurrentExecutions: 1 }),
    );
    const outcomes = await Promise.allSettled([invoke('reserved', {}), invoke('reserved', {})]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    await lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName: 'reserved' }));
    const free = await Promise.all([invoke('reserved', {}), invoke('reserved', {})]);
    expect(free.map((r) => r.StatusCode)).toEqual([200, 200]);
  });

  it('runs an ES module handler whose SDK calls use the role`s session on the local cloud', async () => {
    const result = await invoke('esm', {});
    expect(result.FunctionError).toBeUndefined();
    expect(json(result.Payload)).toEqual({
      arn: `arn:aws:sts::${cloud.accountId}:assumed-role/fn-role/esm`,
      format: 'esm',
    });
  });

  it('answers a handler`s error as Lambda does: Unhandled, errorType, errorMessage, trace', async () => {
    await create('fails', 'index.fails', { 'index.js': CJS_HANDLER });
    const result = await invoke('fails', {});
    expect(result.StatusCode).toBe(200);
    expect(result.FunctionError).toBe('Unhandled');
    const body = json(result.Payload);
    expect(body).toMatchObject({ errorType: 'TypeError', errorMessage: 'the handler failed on purpose' });
    expect((body.trace as string[])[0]).toBe('TypeError: the handler failed on purpose');
  });

  it('reports a handler that is not exported, and a runtime that exits', async () => {
    await create('missing', 'index.nothere', { 'index.js': CJS_HANDLER });
    const missing = await invoke('missing', {});
    expect(missing.FunctionError).toBe('Unhandled');
    expect(json(missing.Payload)).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: 'index.nothere is undefined or not exported',
    });
    await create('exits', 'index.exits', { 'index.js': CJS_HANDLER });
    const exits = await invoke('exits', {});
    expect(exits.FunctionError).toBe('Unhandled');
    expect(json(exits.Payload)).toMatchObject({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringContaining('exit status 3'),
    });
  });

  it('honours the timeout: the environment is killed and the answer is Lambda`s timeout error', async () => {
    await create('sleeps', 'index.sleeps', { 'index.js': CJS_HANDLER }, { Timeout: 1 });
    const started = Date.now();
    const result = await invoke('sleeps', {}, { LogType: 'Tail' });
    expect(Date.now() - started).toBeLessThan(8000);
    expect(result.FunctionError).toBe('Unhandled');
    const body = json(result.Payload);
    expect(body.errorType).toBe('Sandbox.Timedout');
    expect(body.errorMessage).toMatch(/^RequestId: [0-9a-f-]{36} Error: Task timed out after 1\.00 seconds$/);
    expect(Buffer.from(result.LogResult!, 'base64').toString()).toContain(
      'Task timed out after 1.00 seconds',
    );
  });

  it('returns the log tail and keeps a log file per function', async () => {
    const result = await invoke('cjs', { tail: true }, { LogType: 'Tail' });
    const tail = Buffer.from(result.LogResult!, 'base64').toString('utf8');
    const id = json(result.Payload).requestId as string;
    expect(tail).toContain(`START RequestId: ${id} Version: $LATEST`);
    expect(tail).toMatch(new RegExp(`\\t${id}\\tINFO\\tgot {"tail":true}`));
    expect(tail).toContain(`END RequestId: ${id}`);
    expect(tail).toMatch(
      new RegExp(
        `REPORT RequestId: ${id}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB`,
      ),
    );
    const file = path.join(cloud.stateDir, 'functions', 'logs', 'cjs.log');
    expect(fs.readFileSync(file, 'utf8')).toContain(`START RequestId: ${id}`);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('Event: accepted at once (202) and run in the background; DryRun: 204 without running', async () => {
    await create('writer', 'index.writes', { 'index.mjs': ESM_HANDLER });
    const accepted = await invoke(
      'writer',
      { name: '/event/ran', value: 'yes' },
      { InvocationType: 'Event' },
    );
    expect(accepted.StatusCode).toBe(202);
    const ssm = new SSMClient(cloud.clientConfig);
    let value: string | undefined;
    for (let i = 0; i < 100 && value === undefined; i++) {
      value = await ssm
        .send(new GetParameterCommand({ Name: '/event/ran' }))
        .then((r) => r.Parameter?.Value)
        .catch(() => undefined);
      if (value === undefined) await new Promise((r) => setTimeout(r, 100));
    }
    ssm.destroy();
    expect(value).toBe('yes');
    const dry = await invoke('writer', { name: '/dry/ran', value: 'no' }, { InvocationType: 'DryRun' });
    expect(dry.StatusCode).toBe(204);
  });

  it('picks up new code and configuration: the warm environment of the old version is not reused', async () => {
    const before = json((await invoke('cjs', {})).Payload);
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'cjs',
        Environment: { Variables: { GREETING: 'changed' } },
      }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'cjs' });
    const after = json((await invoke('cjs', {})).Payload);
    expect(after.greeting).toBe('changed');
    expect(after.pid).not.toBe(before.pid);
    await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: 'cjs',
        ZipFile: zip({ 'index.js': 'exports.handler = async () => "v2";' }),
      }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 30 }, { FunctionName: 'cjs' });
    expect(json((await invoke('cjs', {})).Payload)).toBe('v2');
  });

  it('answers Lambda`s errors for an unknown function and a payload that is not JSON', async () => {
    await expect(invoke('nope', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(
      lambda.send(new InvokeCommand({ FunctionName: 'esm', Payload: Buffer.from('{not json') })),
    ).rejects.toMatchObject({
      name: 'InvalidRequestContentException',
    });
  });

  it('refuses a call of Invoke that is not signed by a key the cloud issued', async () => {
    // Unsigned, it is taken for S3's (a POST to bucket "2015-03-31"), never run.
    const res = await unsignedRequest(
      `${cloud.endpoint}/2015-03-31/functions/cjs/invocations`,
      'POST',
      { 'content-type': 'application/json' },
      '{}',
    );
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.body).not.toContain('hello');
    const forged = await unsignedRequest(
      `${cloud.endpoint}/2015-03-31/functions/cjs/invocations`,
      'POST',
      {
        authorization: `AWS4-HMAC-SHA256 Credential=AKIAFORGED/20240101/${cloud.region}/lambda/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`,
        'x-amz-date': new Date()
          .toISOString()
          .replace(/[-:]/g, '')
          .replace(/\.\d{3}/, ''),
      },
      '{}',
    );
    expect(forged.status).toBe(403);
    expect(forged.headers['x-amzn-errortype']).toBe('UnrecognizedClientException');
  });

  it('serves none of moto`s own routes to clients: the code route, the state dump and reset are the daemon`s', async () => {
    for (const [method, route] of [
      ['GET', '/moto-api/nx-sst/lambda-code?account=000000000000&region=us-east-1&name=cjs'],
      ['GET', '/moto-api/data.json'],
      ['POST', '/moto-api/reset'],
      ['GET', '/%6Doto-api/data.json'],
    ]) {
      const res = await unsignedRequest(`${cloud.endpoint}${route}`, method);
      expect([route, res.status]).toEqual([route, 404]);
    }
    // Still there after the attempted reset.
    expect((await invoke('esm', {})).StatusCode).toBe(200);
  });

  const awsCli = (() => {
    try {
      execFileSync('aws', ['--version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  (awsCli ? it : it.skip)('the AWS CLI invokes a function unchanged (aws lambda invoke)', () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-cli-')), 'out.json');
    const stdout = execFileSync(
      'aws',
      ['lambda', 'invoke', '--function-name', 'esm', '--payload', '{}', out],
      {
        env: {
          ...process.env,
          ...cloud.env,
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
        encoding: 'utf8',
      },
    );
    expect(JSON.parse(stdout)).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toMatchObject({ format: 'esm' });
  });

  // Last: it kills the daemon.
  it('environments end with the daemon, even one killed with SIGKILL; after a restart functions run again', async () => {
    await create('lingers', 'index.handler', {
      'index.js': 'setInterval(() => {}, 1000);\nexports.handler = async () => process.pid;\n',
    });
    const worker = json((await invoke('lingers', {})).Payload) as unknown as number;
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(worker)).toBe(true);
    const info = JSON.parse(fs.readFileSync(path.join(cloud.stateDir, 'daemon.json'), 'utf8')) as {
      pid: number;
    };
    process.kill(info.pid, 'SIGKILL');
    const deadline = Date.now() + 10_000;
    while (alive(worker) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(worker)).toBe(false);

    const restarted = await startLocalCloud({ stateDir: cloud.stateDir });
    const again = new LambdaClient({ ...restarted.clientConfig, maxAttempts: 1 });
    try {
      const result = await again.send(new InvokeCommand({ FunctionName: 'esm', Payload: Buffer.from('{}') }));
      expect(json(result.Payload)).toMatchObject({
        format: 'esm',
        arn: expect.stringContaining('assumed-role/fn-role/esm'),
      });
    } finally {
      again.destroy();
    }
  });
});

describe('functions run locally with IAM enforced: the role`s policies decide', () => {
  let cloud: LocalCloud;
  let lambda: LambdaClient;
  const SSM_HANDLER = `
import { SSMClient, GetParameterCommand } from '@aws-sdk/client-ssm';
export const handler = async () => {
  try {
    const { Parameter } = await new SSMClient({}).send(new GetParameterCommand({ Name: '/iam/allowed' }));
    return { value: Parameter.Value };
  } catch (e) {
    return { error: e.name };
  }
};
`;

  beforeAll(async () => {
    cloud = await startTestCloud({ iam: true });
    lambda = new LambdaClient({ ...cloud.clientConfig, maxAttempts: 1 });
    const iam = new IAMClient(cloud.clientConfig);
    const ssm = new SSMClient(cloud.clientConfig);
    await ssm.send(new PutParameterCommand({ Name: '/iam/allowed', Value: 'secret-ish', Type: 'String' }));
    ssm.destroy();
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    for (const [name, allowed] of [
      ['reader', true],
      ['nobody', false],
    ] as const) {
      const { Role } = await iam.send(
        new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }),
      );
      if (allowed) {
        await iam.send(
          new PutRolePolicyCommand({
            RoleName: name,
            PolicyName: 'read',
            PolicyDocument: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: 'ssm:GetParameter',
                  Resource: `arn:aws:ssm:${cloud.region}:${cloud.accountId}:parameter/iam/allowed`,
                },
              ],
            }),
          }),
        );
      }
      await lambda.send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: 'nodejs22.x',
          Role: Role!.Arn!,
          Handler: 'index.handler',
          Code: { ZipFile: zip({ 'index.mjs': SSM_HANDLER }) },
        }),
      );
    }
    iam.destroy();
  });
  afterAll(async () => {
    lambda?.destroy();
    await cloud?.stop();
  });

  it('a function whose role may read the parameter reads it; one whose role may not is denied', async () => {
    const read = await lambda.send(new InvokeCommand({ FunctionName: 'reader', Payload: Buffer.from('{}') }));
    expect(json(read.Payload)).toEqual({ value: 'secret-ish' });
    const denied = await lambda.send(
      new InvokeCommand({ FunctionName: 'nobody', Payload: Buffer.from('{}') }),
    );
    expect(json(denied.Payload)).toEqual({ error: 'AccessDeniedException' });
  });

  it('no client can claim to be the Lambda service to assume a function`s role', async () => {
    const claim = (signed: boolean) => {
      const sts = new STSClient({ ...cloud.clientConfig, maxAttempts: 1 });
      const add = (next: (args: unknown) => Promise<unknown>) => async (args: unknown) => {
        (args as { request: { headers: Record<string, string> } }).request.headers[
          'x-nx-sst-service-principal'
        ] = 'lambda.amazonaws.com';
        return next(args);
      };
      // Signed, the front's removal of the header breaks the signature; added after signing, moto
      // never sees it and judges the caller as itself.
      if (signed) sts.middlewareStack.add(add as never, { step: 'build' });
      else
        sts.middlewareStack.addRelativeTo(add as never, {
          relation: 'after',
          toMiddleware: 'awsAuthMiddleware',
        });
      return sts
        .send(
          new AssumeRoleCommand({
            RoleArn: `arn:aws:iam::${cloud.accountId}:role/reader`,
            RoleSessionName: 'forged',
          }),
        )
        .finally(() => sts.destroy());
    };
    await expect(claim(true)).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    await expect(claim(false)).rejects.toMatchObject({ name: 'AccessDenied' });
  });
});

describe('resetLocalCloud and functions', () => {
  it('deletes the unpacked code and the logs of the functions with the state', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-reset-'));
    try {
      fs.mkdirSync(path.join(stateDir, 'functions', 'logs'), { recursive: true });
      fs.writeFileSync(path.join(stateDir, 'functions', 'logs', 'fn.log'), 'START RequestId: x\n');
      await resetLocalCloud(stateDir);
      expect(fs.existsSync(path.join(stateDir, 'functions'))).toBe(false);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
