import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startLocalCloud, stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { runBound } from '../bind/bind';
import { setSecret } from '../secrets/secrets';
import { runCli } from '../test-utils/cli';
import { DEFAULT_STACKS, sampleWorkspace } from '../test-utils/sample-workspace';
import { deploy, diff, remove } from './deploy';

// Synthesis, asset publishing and CloudFormation on a shared 2-core machine: minutes, not seconds.
jest.setTimeout(900_000);

const root = sampleWorkspace();
const appRoot = path.join(root, 'apps/infra');
const base = { workspaceRoot: root, appRoot, stage: 'local', io: { write: () => {} } };
const quiet = { log: () => {} };
const run = (args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  runCli(opts.cwd ?? root, args, { env: { ...process.env, ...opts.env } });

afterAll(async () => {
  await stopDaemon(localCloudDir(root));
  fs.rmSync(root, { recursive: true, force: true });
});

describe('deploy, bind and remove a sample app on the local cloud', () => {
  it('deploys, writes the bind manifests and the types', async () => {
    const result = await deploy(base);
    expect(result.stacks).toEqual([
      { name: 'local-shop-Default', status: 'deployed', outputs: expect.any(Object) },
    ]);
    const cloud = await startLocalCloud({ stateDir: localCloudDir(root) });
    const ssm = new SSMClient({
      region: cloud.region,
      endpoint: cloud.endpoint,
      credentials: cloud.credentials,
    });
    const manifest = await ssm.send(new GetParameterCommand({ Name: '/sst/shop/local/_bind/project/api' }));
    ssm.destroy();
    const parsed = JSON.parse(manifest.Parameter!.Value!);
    expect(parsed.targets).toEqual(['api']);
    expect(parsed.env.SST_Bucket_bucketName_public).toMatch(/\S/);
    expect(JSON.stringify(parsed)).not.toContain('sk_');
    expect(fs.readFileSync(path.join(root, 'apps/api/sst-env.d.ts'), 'utf8')).toMatch(
      /"public"[\s\S]*"STRIPE_KEY"/,
    );
    expect(fs.readFileSync(path.join(root, 'apps/worker/sst-env.d.ts'), 'utf8')).not.toMatch(/"public"/);
  });

  it('skips the unchanged stack on a second deploy', async () => {
    const result = await deploy(base);
    expect(result.stacks.map((s) => s.status)).toEqual(['skipped']);
  });

  it('refuses a second deploy of the same stage while one runs', async () => {
    const lock = path.join(root, '.sst/locks/shop.local.lock');
    // A live process holds it: this test's own pid stands in for the other deploy.
    fs.writeFileSync(
      lock,
      JSON.stringify({
        pid: process.pid,
        host: require('node:os').hostname(),
        command: 'deploy',
        startedAt: 'now',
      }),
    );
    try {
      await expect(deploy(base)).rejects.toThrow(
        /Another deploy of shop on the stage "local" is running \(pid \d+/,
      );
    } finally {
      fs.rmSync(lock);
    }
  });

  it('refuses to bind before the secret is set, listing it', async () => {
    const out = await run(['bind', '--target', 'api', '--', 'node', '-e', '0']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('These secrets are not set for the stage "local": STRIPE_KEY.');
    expect(out.stderr).toContain('nx-sst secrets set STRIPE_KEY <value> --stage local');
  });

  it('runs a command with the bound values, role credentials and flags after -- untouched; masks secrets', async () => {
    await setSecret({
      workspaceRoot: root,
      appRoot,
      stage: 'local',
      name: 'STRIPE_KEY',
      value: 'sk_test_masked_value',
    });
    const code = [
      'const e = process.env;',
      'console.log(JSON.stringify({ args: process.argv.slice(2), bucket: e.SST_Bucket_bucketName_public,',
      '  version: e.SST_Parameter_value_VERSION, app: e.SST_APP, stage: e.SST_STAGE, endpoint: e.AWS_ENDPOINT_URL,',
      '  session: Boolean(e.AWS_SESSION_TOKEN), secretLength: e.SST_Secret_value_STRIPE_KEY.length }));',
      'console.log("secret:" + e.SST_Secret_value_STRIPE_KEY);',
    ].join('\n');
    fs.writeFileSync(path.join(root, 'apps/api/print.js'), code);
    const out = await run(
      ['bind', '--stage', 'local', '--', 'node', '../print.js', '--stage', 'prod', '--help', '--', 'x'],
      {
        cwd: path.join(root, 'apps/api/src'),
      },
    );
    expect(out.stderr).toMatch(/project api on stage "local"/);
    expect(out.code).toBe(0);
    const [json, secretLine] = out.stdout.trim().split('\n');
    expect(JSON.parse(json)).toEqual({
      args: ['--stage', 'prod', '--help', '--', 'x'],
      bucket: expect.stringMatching(/\S/),
      version: '1.0.0',
      app: 'shop',
      stage: 'local',
      endpoint: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/),
      session: true,
      secretLength: 'sk_test_masked_value'.length,
    });
    expect(secretLine).toBe('secret:*****');
    expect(out.stdout + out.stderr).not.toContain('sk_test_masked_value');
  });

  it('starts from the manifest of the last run but always obeys the current one; that copy holds no secret', async () => {
    const cacheFile = path.join(root, '.sst/bind-manifests.json');
    const cache = JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as Record<string, string>;
    const key = Object.keys(cache).find((k) => k.endsWith('/sst/shop/local/_bind/project/api'))!;
    expect(key).toBeDefined();
    expect(fs.readFileSync(cacheFile, 'utf8')).not.toContain('sk_test_masked_value');
    // A copy from before a redeploy: another value and a role that no longer exists.
    const stale = JSON.parse(cache[key]);
    stale.env.SST_Parameter_value_VERSION = '0.9.0';
    stale.roleArn = 'arn:aws:iam::000000000000:role/gone';
    fs.writeFileSync(cacheFile, JSON.stringify({ ...cache, [key]: JSON.stringify(stale) }));
    const print = 'console.log(process.env.SST_Parameter_value_VERSION)';
    const out = await run(['bind', '--', 'node', '-e', print], { cwd: path.join(root, 'apps/api') });
    expect(out.stderr).toMatch(/as the role arn:aws:iam::000000000000:role\/local-shop-Default-api/);
    expect(out).toMatchObject({ code: 0, stdout: '1.0.0\n' });
    expect(JSON.parse(fs.readFileSync(cacheFile, 'utf8'))[key]).toBe(cache[key]);
    // A damaged copy is no copy, never a failure.
    fs.writeFileSync(cacheFile, JSON.stringify({ [key]: '{"env": ' }));
    const again = await run(['bind', '--', 'node', '-e', print], { cwd: path.join(root, 'apps/api') });
    expect(again).toMatchObject({ code: 0, stdout: '1.0.0\n' });
    fs.writeFileSync(cacheFile, '{ not json');
    expect(
      await run(['bind', '--', 'node', '-e', print], { cwd: path.join(root, 'apps/api') }),
    ).toMatchObject({
      code: 0,
      stdout: '1.0.0\n',
    });
  });

  it('reuses the role session the local cloud issued to an earlier run: same daemon, over an hour left', async () => {
    const cacheFile = path.join(root, '.sst/bind-local-credentials.json');
    const bind = async () => {
      const out = await run([
        'bind',
        '--target',
        'api',
        '--',
        'node',
        '-e',
        'console.log(process.env.AWS_ACCESS_KEY_ID)',
      ]);
      expect(out.code).toBe(0);
      return out.stdout.trim();
    };
    const first = await bind();
    expect(first).toMatch(/^ASIA/);
    expect(await bind()).toBe(first);
    expect(fs.statSync(cacheFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(cacheFile, 'utf8')).not.toContain('sk_test_masked_value');
    const entries = () =>
      JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as Record<string, { expiration: string }>;
    const key = Object.keys(entries()).find((k) =>
      /\|arn:aws:iam::\d+:role\/local-shop-Default-api/.test(k),
    )!;
    expect(key).toMatch(/^http:\/\/127\.0\.0\.1:\d+@\d{4}-.+\|43200,3600$/);

    // Under an hour left: a new session.
    fs.writeFileSync(
      cacheFile,
      JSON.stringify({
        [key]: { ...entries()[key], expiration: new Date(Date.now() + 30 * 60_000).toISOString() },
      }),
    );
    const second = await bind();
    expect(second).not.toBe(first);
    expect(await bind()).toBe(second);

    // A session of another daemon (a restarted or reset local cloud) is never used.
    const otherDaemon = key.replace(/@[^|]+/, '@2000-01-01T00:00:00.000Z');
    fs.writeFileSync(cacheFile, JSON.stringify({ [otherDaemon]: entries()[key] }));
    expect(await bind()).not.toBe(second);
  });

  it('refuses a project manifest that names another project (names that map to one SSM parameter)', async () => {
    const cloud = await startLocalCloud({ stateDir: localCloudDir(root) });
    const ssm = new SSMClient(cloud.clientConfig);
    const Name = '/sst/shop/local/_bind/project/api';
    const original = (await ssm.send(new GetParameterCommand({ Name }))).Parameter!.Value!;
    // As if `_api`'s manifest had been deployed under the same name before synthesis refused the pair.
    const foreign = JSON.parse(original);
    foreign.project.name = '@api';
    await ssm.send(new PutParameterCommand({ Name, Value: JSON.stringify(foreign), Overwrite: true }));
    try {
      const out = await run(['bind', '--', 'node', '-e', '0'], { cwd: path.join(root, 'apps/api') });
      expect(out.code).toBe(1);
      expect(out.stderr).toContain(
        `The bind manifest ${Name} on the stage "local" belongs to the project "@api", not "api": the two names map to one SSM parameter name.`,
      );
      expect(out.stderr).toContain('Rename one of the projects');
    } finally {
      await ssm.send(new PutParameterCommand({ Name, Value: original, Overwrite: true }));
      ssm.destroy();
    }
  });

  it('gives every value of the stage with --script, secrets resolved', async () => {
    const code =
      'const e = process.env; console.log(JSON.stringify([e.SST_Bucket_bucketName_public, e.SST_Table_tableName_orders, e.SST_Secret_value_STRIPE_KEY.length, e.SST_STAGE]))';
    const out = await run(['bind', '--script', '--', 'node', '-e', code], {
      cwd: path.join(root, 'apps/api'),
    });
    expect(out.code).toBe(0);
    expect(out.stderr).toMatch(/every value of shop on stage "local"/);
    const [bucket, table, secretLength, stage] = JSON.parse(out.stdout);
    expect([typeof bucket, typeof table, secretLength, stage]).toEqual([
      'string',
      'string',
      'sk_test_masked_value'.length,
      'local',
    ]);
  });

  it('says which targets exist for an unknown --target', async () => {
    const out = await run(['bind', '--target', 'nope', '--', 'node', '-e', '0']);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/Unknown target "nope"[\s\S]*api, worker/);
  });

  it('restarts the command when a secret changes and before the role credentials expire', async () => {
    const log = path.join(root, 'restarts.log');
    const child = [
      'const fs = require("fs");',
      `fs.appendFileSync(${JSON.stringify(log)}, process.env.SST_Secret_value_STRIPE_KEY.length + "\\n");`,
      // The third start ends the run, with a code of its own.
      `if (fs.readFileSync(${JSON.stringify(log)}, "utf8").trim().split("\\n").length >= 3) process.exit(5);`,
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const exit = runBound({
      ...quiet,
      workspaceRoot: root,
      cwd: root,
      stage: 'local',
      target: 'api',
      command: ['node', '-e', child],
      // One minute before expiry of a 65 s session: a restart about 5 s in.
      roleDurations: [65],
      pollIntervalMs: 0,
    });
    const lines = async (n: number) => {
      for (let i = 0; i < 600; i++) {
        const got = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
        if (got.length >= n) return got;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`expected ${n} starts, log: ${fs.existsSync(log) ? fs.readFileSync(log, 'utf8') : ''}`);
    };
    expect(await lines(1)).toEqual(['20']);
    await setSecret({
      workspaceRoot: root,
      appRoot,
      stage: 'local',
      name: 'STRIPE_KEY',
      value: 'sk_longer_value_after_rotation',
    });
    expect((await lines(2))[1]).toBe('30');
    // The credential refresh restarts with the same values.
    expect((await lines(3))[2]).toBe('30');
    expect(await exit).toBe(5);
  });

  it('diffs and deploys a change', async () => {
    fs.writeFileSync(
      path.join(appRoot, 'stacks/Default.ts'),
      DEFAULT_STACKS.replace(
        "new Bucket(stack, 'public');",
        "new Bucket(stack, 'public');\n  new Bucket(stack, 'uploads');",
      ),
    );
    const changes = await diff(base);
    expect(Object.values(changes.changes).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const result = await deploy(base);
    expect(result.stacks.map((s) => s.status)).toEqual(['deployed']);
  });

  it('fails a deploy whose resource fails, naming the resource and the reason', async () => {
    const cloud = await startLocalCloud({ stateDir: localCloudDir(root) });
    await cloud.setFaults({ failResourceTypes: ['AWS::SQS::Queue'] });
    const stacks = path.join(appRoot, 'stacks/Default.ts');
    const before = fs.readFileSync(stacks, 'utf8');
    fs.writeFileSync(
      stacks,
      before
        .replace('import { Bucket, Config,', 'import { Bucket, Config, Queue,')
        .replace("new Bucket(stack, 'public');", "new Bucket(stack, 'public');\n  new Queue(stack, 'jobs');"),
    );
    try {
      const error = await deploy(base).catch((e) => e);
      expect(error.name).toBe('NxSstError');
      expect(error.message).toMatch(/^The deploy of shop on the stage "local" failed: /);
      expect(error.message).toMatch(/local-shop-Default \S*jobs\S* \(AWS::SQS::Queue\) \w+_FAILED: \S/);
    } finally {
      await cloud.clearFaults();
      fs.writeFileSync(stacks, before);
    }
  });

  it('bind sends at once to the daemon the discovery file names, and joins with the health check when another server answers', async () => {
    const file = path.join(localCloudDir(root), 'daemon.json');
    const info = JSON.parse(fs.readFileSync(file, 'utf8'));
    const seen: string[] = [];
    const other = http.createServer((req, res) => {
      // The health check of the fallback asks too; it carries nothing.
      if (!req.url?.startsWith('/_nx-sst/')) seen.push(String(req.headers.authorization));
      req.resume();
      res.end('<html>another server</html>');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      // The daemon's pid is alive and its own, but its port now belongs to another server.
      fs.writeFileSync(file, JSON.stringify({ ...info, port: (other.address() as AddressInfo).port }));
      const print = 'console.log(process.env.SST_Parameter_value_VERSION)';
      const out = await run(['bind', '--target', 'api', '--', 'node', '-e', print]);
      expect(out).toMatchObject({ code: 0, stdout: '1.0.0\n' });
      expect(out.stderr).toContain(`(local cloud http://127.0.0.1:${info.port})`);
      // The warm path went first; that server saw only signed requests, never a secret key.
      expect(seen.length).toBeGreaterThan(0);
      for (const auth of seen) {
        expect(auth).toContain(`Credential=${info.accessKeyId}/`);
        expect(auth).not.toContain(info.secretAccessKey);
      }
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('removes the app', async () => {
    const out = await run(['remove', '--stage', 'local']);
    // The whole result, so a failure shows the CLI's own error.
    expect(out).toEqual(
      expect.objectContaining({
        code: 0,
        stdout: expect.stringContaining('Removed shop from the stage "local"'),
      }),
    );
    const again = await remove(base);
    expect(again.stacks.map((s) => s.name)).toEqual(['local-shop-Default']);
  });
});
