import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  GetParametersByPathCommand,
  GetParametersCommand,
  PutParameterCommand,
  SSMClient,
  paginateGetParametersByPath,
} from '@aws-sdk/client-ssm';
import { resetLocalCloud, startLocalCloud, startTestCloud, type LocalCloud } from './index';
import { isHealthy, joinRunningLocalCloud } from './local-cloud';
import { isAlive, readJson, type DaemonInfo } from './state-dir';

jest.setTimeout(120_000);

describe('startTestCloud', () => {
  let cloud: LocalCloud;
  let ssm: SSMClient;

  beforeAll(async () => {
    cloud = await startTestCloud();
    ssm = new SSMClient({ ...cloud.clientConfig, maxAttempts: 1 });
  });
  afterAll(async () => {
    ssm?.destroy();
    await cloud?.stop();
  });

  it('publishes one loopback endpoint and the environment a child process needs', () => {
    expect(cloud.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cloud.env).toEqual({
      AWS_ENDPOINT_URL: cloud.endpoint,
      AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: 'https://s3.us-east-1.amazonaws.com',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: cloud.credentials.secretAccessKey,
      CDK_DEFAULT_ACCOUNT: '000000000000',
      CDK_DEFAULT_REGION: 'us-east-1',
    });
    expect(cloud.accountId).toBe('000000000000');
    expect(cloud.region).toBe('us-east-1');
  });

  it('stores SecureStrings and reports the names it does not have', async () => {
    await ssm.send(new PutParameterCommand({ Name: '/app/secret', Value: 'hunter2', Type: 'SecureString' }));
    const { Parameters, InvalidParameters } = await ssm.send(
      new GetParametersCommand({ Names: ['/app/secret', '/app/missing'], WithDecryption: true }),
    );
    expect(Parameters?.map((p) => [p.Name, p.Type, p.Value])).toEqual([
      ['/app/secret', 'SecureString', 'hunter2'],
    ]);
    expect(InvalidParameters).toEqual(['/app/missing']);
  });

  it('pages GetParametersByPath and keeps Advanced-tier values', async () => {
    for (let i = 0; i < 14; i++) {
      await ssm.send(new PutParameterCommand({ Name: `/paged/p${i}`, Value: `v${i}`, Type: 'String' }));
    }
    const big = 'x'.repeat(6000);
    await ssm.send(
      new PutParameterCommand({ Name: '/paged/big', Value: big, Type: 'String', Tier: 'Advanced' }),
    );
    const first = await ssm.send(new GetParametersByPathCommand({ Path: '/paged', MaxResults: 10 }));
    expect(first.Parameters).toHaveLength(10);
    expect(first.NextToken).toBeDefined();
    const names: string[] = [];
    for await (const page of paginateGetParametersByPath(
      { client: ssm },
      { Path: '/paged', Recursive: true },
    )) {
      names.push(...(page.Parameters ?? []).map((p) => p.Name!));
    }
    expect(names).toHaveLength(15);
    const { Parameters } = await ssm.send(new GetParametersCommand({ Names: ['/paged/big'] }));
    expect(Parameters?.[0].Value).toBe(big);
  });

  it('adds latency per service', async () => {
    await cloud.setFaults({ latencyMs: { ssm: 300 } });
    try {
      const started = Date.now();
      await ssm.send(new GetParametersCommand({ Names: ['/app/secret'] }));
      expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    } finally {
      await cloud.clearFaults();
    }
  });

  it('throttles beyond N requests per second per API, as AWS answers', async () => {
    await cloud.setFaults({ throttle: { 'ssm:GetParameters': 2 } });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () => ssm.send(new GetParametersCommand({ Names: ['/app/secret'] }))),
      );
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(2);
      expect(rejected.length).toBeGreaterThanOrEqual(4);
      const error = rejected[0].reason as {
        name: string;
        message: string;
        $metadata: { httpStatusCode: number };
      };
      expect(error.name).toBe('ThrottlingException');
      expect(error.message).toBe('Rate exceeded');
      expect(error.$metadata.httpStatusCode).toBe(400);
      // Other APIs of the service are not limited.
      await ssm.send(new GetParametersByPathCommand({ Path: '/app' }));
    } finally {
      await cloud.clearFaults();
    }
  });

  it('health check: true for its daemon, false for another server on the port or a wrong pid', async () => {
    const info = readJson<DaemonInfo>(path.join(cloud.stateDir, 'daemon.json'))!;
    expect(await isHealthy(info)).toBe(true);
    // A daemon.json whose pid is alive but is not the one answering (a reused port) is not ours.
    expect(await isHealthy({ ...info, pid: process.pid })).toBe(false);
    const other = http.createServer((_req, res) => res.end('not json'));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const port = (other.address() as AddressInfo).port;
      expect(await isHealthy({ ...info, port })).toBe(false);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('is joined without the health check only when the discovery file names its live daemon', () => {
    const joined = joinRunningLocalCloud(cloud.stateDir);
    expect(joined?.endpoint).toBe(cloud.endpoint);
    expect(joined?.clientConfig).toEqual(cloud.clientConfig);
    const file = path.join(cloud.stateDir, 'daemon.json');
    const text = fs.readFileSync(file, 'utf8');
    const info = JSON.parse(text) as DaemonInfo;
    try {
      // Alive but another program (a reused pid): the caller must take the health-checked way.
      fs.writeFileSync(file, JSON.stringify({ ...info, pid: process.pid }));
      expect(joinRunningLocalCloud(cloud.stateDir)).toBeUndefined();
      fs.writeFileSync(file, JSON.stringify({ ...info, pid: 2 ** 31 - 2 }));
      expect(joinRunningLocalCloud(cloud.stateDir)).toBeUndefined();
      fs.rmSync(file);
      expect(joinRunningLocalCloud(cloud.stateDir)).toBeUndefined();
    } finally {
      fs.writeFileSync(file, text);
    }
  });

  it('rejects faults it does not know', async () => {
    await expect(cloud.setFaults({ latency: 5 } as never)).rejects.toThrow('Unknown fault "latency"');
  });
});

describe('startLocalCloud', () => {
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-cloud-spec-'));
  afterAll(() => fs.rmSync(stateDir, { recursive: true, force: true }));

  it('keeps state across stop and start, on the same port', async () => {
    const first = await startLocalCloud({ stateDir });
    const ssm1 = new SSMClient(first.clientConfig);
    await ssm1.send(new PutParameterCommand({ Name: '/kept', Value: 'still here', Type: 'SecureString' }));
    ssm1.destroy();
    const info = readJson<DaemonInfo>(path.join(stateDir, 'daemon.json'))!;
    await first.stop();
    expect(isAlive(info.pid)).toBe(false);
    expect(isAlive(info.motoPid)).toBe(false);

    const second = await startLocalCloud({ stateDir });
    try {
      expect(second.endpoint).toBe(first.endpoint);
      const ssm2 = new SSMClient(second.clientConfig);
      const { Parameters } = await ssm2.send(
        new GetParametersCommand({ Names: ['/kept'], WithDecryption: true }),
      );
      ssm2.destroy();
      expect(Parameters?.[0].Value).toBe('still here');
    } finally {
      await second.stop();
    }
  });

  it('reset deletes the state but keeps the workspace`s account, region and port', async () => {
    const cloud = await startLocalCloud({ stateDir });
    const ssm = new SSMClient(cloud.clientConfig);
    await ssm.send(
      new PutParameterCommand({ Name: '/to-forget', Value: 'x', Type: 'String', Overwrite: true }),
    );
    ssm.destroy();
    await resetLocalCloud(stateDir);
    expect(fs.existsSync(path.join(stateDir, 'daemon.json'))).toBe(false);
    const fresh = await startLocalCloud({ stateDir });
    try {
      expect(fresh.endpoint).toBe(cloud.endpoint);
      const ssm2 = new SSMClient(fresh.clientConfig);
      const { InvalidParameters } = await ssm2.send(
        new GetParametersCommand({ Names: ['/to-forget', '/kept'] }),
      );
      ssm2.destroy();
      expect(InvalidParameters).toEqual(['/to-forget', '/kept']);
    } finally {
      await fresh.stop();
    }
  });

  it('refuses to change the account of an existing state directory', async () => {
    const cloud = await startLocalCloud({ stateDir });
    try {
      await expect(startLocalCloud({ stateDir, accountId: '123456789012' })).rejects.toThrow(
        /runs with account 000000000000, not 123456789012/,
      );
    } finally {
      await cloud.stop();
    }
  });

  it('starts one daemon when two processes start the cloud at once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-cloud-race-'));
    const cli = path.join(__dirname, '..', 'dist', 'cli.js');
    const start = () =>
      promisify(execFile)(process.execPath, [cli, 'start', '--state-dir', dir], { encoding: 'utf8' });
    try {
      const [a, b] = await Promise.all([start(), start()]);
      const endpoint = (out: string) => /^Local cloud on (\S+)/.exec(out)?.[1];
      expect(endpoint(a.stdout)).toBeDefined();
      expect(endpoint(a.stdout)).toBe(endpoint(b.stdout));
      const daemons = fs
        .readdirSync('/proc')
        .filter((pid) => /^\d+$/.test(pid))
        .filter((pid) => {
          try {
            const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
            return cmdline.includes('daemon/main.js') && cmdline.includes(dir);
          } catch {
            return false;
          }
        });
      expect(daemons).toEqual([String(readJson<DaemonInfo>(path.join(dir, 'daemon.json'))!.pid)]);
    } finally {
      execFileSync(process.execPath, [cli, 'stop', '--state-dir', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says how to install moto when it is missing', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-cloud-nomoto-'));
    const saved = process.env.NX_SST_PYTHON;
    process.env.NX_SST_PYTHON = path.join(dir, 'no-such-python');
    try {
      await expect(startLocalCloud({ stateDir: dir })).rejects.toThrow('pip install "moto[server]"');
      expect(fs.existsSync(path.join(dir, 'daemon.json'))).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.NX_SST_PYTHON;
      else process.env.NX_SST_PYTHON = saved;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has a bin that starts, reports and stops the cloud', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-cloud-bin-'));
    const cli = path.join(__dirname, '..', 'dist', 'cli.js');
    const run = (...args: string[]) =>
      execFileSync(process.execPath, [cli, ...args, '--state-dir', dir], { encoding: 'utf8' });
    try {
      expect(run('start')).toMatch(/^Local cloud on http:\/\/127\.0\.0\.1:\d+/);
      expect(run('status')).toMatch(/^Running: http:\/\/127\.0\.0\.1:\d+/);
      expect(run('stop')).toBe('Stopped.\n');
      expect(() => run('status')).toThrow(
        expect.objectContaining({ status: 3, stdout: expect.stringMatching(/^Not running/) }),
      );
    } finally {
      execFileSync(process.execPath, [cli, 'stop', '--state-dir', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
