import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { startLocalCloud } from '@nx-sst/local-cloud';
import { connectStage, localCloudDir, type StageCloud } from '../core/cloud';
import { deploySampleToLocal, removeSampleWorkspace } from '../test-utils/local-stage';
import { DEFAULT_STACKS, sampleWorkspace } from '../test-utils/sample-workspace';
import { openBinding } from './bind';
import { BoundReader } from './bound-reader';
import { resolveScope } from './scope';
import { type BindAws, localBindAws } from './ssm-reader';
import { LOCAL_CREDENTIALS_CACHE, MANIFEST_CACHE } from './warm-cache';

// A deploy to the local cloud on a shared 2-core machine: minutes, not seconds.
jest.setTimeout(600_000);

const SECRET = 'sk_test_bound_reader';
/** web: package.json `@acme/web`, Nx name `web` (nx.name) — nx-sst named it `@acme/web` before. */
const root = sampleWorkspace({
  stacks: DEFAULT_STACKS.replace(
    /\n}$/,
    "\n  new Function(stack, 'web', { handler: 'apps/web/src/handler.handler', bind: [bucket] });\n}",
  ),
  extraFiles: {
    'package.json': JSON.stringify({ name: 'sample', private: true, workspaces: ['apps/*'] }),
    'apps/web/package.json': JSON.stringify({ name: '@acme/web', nx: { name: 'web' } }),
    'apps/web/src/handler.ts': 'export const handler = async () => ({});',
  },
});
const manifestCache = path.join(root, '.sst', MANIFEST_CACHE);
const credentialsCache = path.join(root, '.sst', LOCAL_CREDENTIALS_CACHE);
const API_ROLE = /^arn:aws:iam::\d+:role\/local-shop-Default-api/;
let ssm: SSMClient;

beforeAll(async () => {
  await deploySampleToLocal(root, SECRET);
  ssm = new SSMClient((await startLocalCloud({ stateDir: localCloudDir(root) })).clientConfig);
});
afterAll(async () => {
  ssm?.destroy();
  await removeSampleWorkspace(root);
});

/** The calls that reach the cloud, in order: `>X` when sent, `<X` when answered. */
const calls: string[] = [];
const sent = () => calls.filter((c) => c.startsWith('>'));
/** The real local reader, counted. */
function countedClients(cloud: StageCloud): BindAws {
  const real = localBindAws(cloud);
  const count = <T>(name: string, call: () => Promise<T>) => {
    calls.push(`>${name}`);
    return call().finally(() => calls.push(`<${name}`));
  };
  return {
    ...real,
    getParameters: (names) => count('GetParameters', () => real.getParameters(names)),
    getParametersByPath: (p, token) => count('GetParametersByPath', () => real.getParametersByPath(p, token)),
    assumeRole: (arn, duration, name) => count('AssumeRole', () => real.assumeRole(arn, duration, name)),
  };
}

/** A reader as `openBinding` opens one (warm join), its calls counted from here on. */
async function open(opts: { cwd?: string; target?: string; script?: boolean; cloud?: StageCloud } = {}) {
  const env = {};
  const { target, script } = opts;
  const scope = await resolveScope({ workspaceRoot: root, cwd: opts.cwd ?? root, env, target, script });
  const connect = (warm: boolean) =>
    connectStage({ workspaceRoot: root, stage: scope.stage, region: scope.entry.region, env, warm });
  const reader = new BoundReader({
    workspaceRoot: root,
    scope,
    cloud: opts.cloud ?? (await connect(true)),
    reconnect: () => connect(false),
    target,
    clients: countedClients,
  });
  calls.length = 0;
  return { reader, scope };
}

const parameter = async (Name: string) =>
  (await ssm.send(new GetParameterCommand({ Name }))).Parameter!.Value!;
const put = (Name: string, Value: string) =>
  ssm.send(new PutParameterCommand({ Name, Value, Type: 'String', Overwrite: true }));
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('start', () => {
  it('cold, reads the manifest, then its values, then assumes its role; and keeps the manifest for the next run', async () => {
    fs.rmSync(manifestCache, { force: true });
    fs.rmSync(credentialsCache, { force: true });
    const { reader, scope } = await open({ target: 'api' });
    const { values, credentials } = await reader.start();
    reader.close();
    expect(calls).toEqual([
      '>GetParameters',
      '<GetParameters',
      '>GetParameters',
      '<GetParameters',
      '>AssumeRole',
      '<AssumeRole',
    ]);
    expect(values.env).toMatchObject({
      SST_Bucket_bucketName_public: expect.stringMatching(/public/),
      SST_Parameter_value_VERSION: '1.0.0',
      SST_Secret_value_STRIPE_KEY: SECRET,
    });
    expect(values.secrets).toEqual([SECRET]);
    expect(reader.roleArn).toMatch(API_ROLE);
    expect(credentials?.source).toBe(`the role ${reader.roleArn} (12 h)`);
    // The copy is the manifest as deployed, keyed by the cloud and the manifest; it holds no secret.
    const text = await parameter(scope.manifest!);
    expect(readJson(manifestCache)).toEqual({ [`${reader.cloud.endpoint}|${scope.manifest}`]: text });
    expect(fs.readFileSync(manifestCache, 'utf8')).not.toContain(SECRET);
  });

  it('warm, is one round trip: one GetParameters (manifest, values, secret) beside AssumeRole, or alone when the session is reused', async () => {
    const first = await open({ target: 'api' });
    const before = await first.reader.start();
    first.reader.close();

    const reused = await open({ target: 'api' });
    const warm = await reused.reader.start();
    reused.reader.close();
    expect(calls).toEqual(['>GetParameters', '<GetParameters']);
    expect(warm).toEqual(before);

    fs.rmSync(credentialsCache);
    const fresh = await open({ target: 'api' });
    const renewed = await fresh.reader.start();
    fresh.reader.close();
    // Both sent before either answered.
    expect(calls.slice(0, 2).sort()).toEqual(['>AssumeRole', '>GetParameters']);
    expect(calls).toHaveLength(4);
    expect(renewed.values).toEqual(before.values);
    expect(renewed.credentials?.accessKeyId).not.toBe(before.credentials?.accessKeyId);
  });

  it('obeys a manifest changed since the last run: new values, a secret the copy did not name, the new role', async () => {
    const { reader, scope } = await open({ target: 'api' });
    const key = `${reader.cloud.endpoint}|${scope.manifest}`;
    const current = await parameter(scope.manifest!);
    // A copy from before a redeploy: other values, no secret yet, a role that no longer exists.
    const stale = JSON.parse(current);
    stale.env.SST_Parameter_value_VERSION = '0.9.0';
    stale.env.SST_Bucket_bucketName_public = 'gone-bucket';
    delete stale.env.SST_Secret_value_STRIPE_KEY;
    stale.roleArn = 'arn:aws:iam::000000000000:role/gone';
    fs.writeFileSync(manifestCache, JSON.stringify({ [key]: JSON.stringify(stale) }));

    const { values, credentials } = await reader.start();
    reader.close();
    expect(values.env).toMatchObject({
      SST_Bucket_bucketName_public: expect.stringMatching(/public/),
      SST_Parameter_value_VERSION: '1.0.0',
      SST_Secret_value_STRIPE_KEY: SECRET,
    });
    expect(reader.roleArn).toMatch(API_ROLE);
    expect(credentials?.source).toContain(`the role ${reader.roleArn}`);
    // The guessed role went out with the first round, the secret the copy did not name after it; the
    // bound role's session was reused.
    expect(sent()).toEqual(['>AssumeRole', '>GetParameters', '>GetParameters']);
    expect(readJson(manifestCache)[key]).toBe(current);
  });

  it("refuses a project's manifest that names another project (names that map to one SSM parameter)", async () => {
    const { reader, scope } = await open({ cwd: path.join(root, 'apps/api') });
    const Name = scope.manifest!;
    const original = await parameter(Name);
    // As if `_api`'s manifest had been deployed under the same name before synthesis refused the pair.
    const foreign = JSON.parse(original);
    foreign.project.name = '@api';
    await put(Name, JSON.stringify(foreign));
    try {
      await expect(reader.start()).rejects.toMatchObject({
        message: `The bind manifest ${Name} on the stage "local" belongs to the project "@api", not "api": the two names map to one SSM parameter name.`,
        hint: 'Rename one of the projects so their names differ once characters other than letters, digits and "_.-/" are "_", then deploy: nx-sst deploy --stage local',
      });
    } finally {
      reader.close();
      await put(Name, original);
    }
  });

  it.each<[{ cwd?: string; target?: string }, string, string]>([
    [
      { cwd: 'apps/api' },
      'project api has nothing deployed on the stage "local" yet.',
      'Deploy it first: nx-sst deploy --stage local, or run without bindings: nx-sst bind --script',
    ],
    [
      { target: 'worker' },
      'Unknown target "worker" on the stage "local" of shop.',
      'Targets of shop: api, web, worker. If "worker" is new, deploy first: nx-sst deploy --stage local',
    ],
  ])('says what to do when %j has nothing deployed on the stage', async (which, message, hint) => {
    const { reader, scope } = await open({ ...which, cwd: path.join(root, which.cwd ?? '') });
    const Name = scope.manifest!;
    const original = await parameter(Name);
    await ssm.send(new DeleteParameterCommand({ Name }));
    try {
      await expect(reader.start()).rejects.toMatchObject({ message, hint });
    } finally {
      reader.close();
      await put(Name, original);
    }
  });

  it('with --script, reads every value of the stage by path and runs as the local cloud credentials', async () => {
    const { reader } = await open({ script: true });
    const { values, credentials } = await reader.start();
    reader.close();
    // Only reads by path (the stage's and the fallback's, paged); no role is assumed.
    expect([...new Set(sent())]).toEqual(['>GetParametersByPath']);
    expect(values.env).toMatchObject({
      SST_Bucket_bucketName_public: expect.stringMatching(/public/),
      SST_Table_tableName_orders: expect.any(String),
      SST_Parameter_value_VERSION: '1.0.0',
      SST_Secret_value_STRIPE_KEY: SECRET,
    });
    expect(values.secrets).toEqual([SECRET]);
    expect(reader.roleArn).toBeUndefined();
    expect(credentials?.source).toBe('the local cloud credentials (no role is bound)');
    // readValues reads the stage again, the same way.
    calls.length = 0;
    const again = await open({ script: true });
    expect(await again.reader.readValues()).toEqual(values);
    again.reader.close();
    expect([...new Set(sent())]).toEqual(['>GetParametersByPath']);
  });
});

describe('assumeRole', () => {
  it("reuses the local cloud's session for the bound role; reuse off asks for a new one, which the next run reuses", async () => {
    const { reader } = await open({ target: 'api' });
    const { credentials } = await reader.start();
    calls.length = 0;
    expect(await reader.assumeRole()).toEqual(credentials);
    expect(calls).toEqual([]);
    const renewed = await reader.assumeRole(false);
    expect(sent()).toEqual(['>AssumeRole']);
    expect(renewed?.accessKeyId).toMatch(/^ASIA/);
    expect(renewed?.accessKeyId).not.toBe(credentials?.accessKeyId);
    reader.close();
    const next = await open({ target: 'api' });
    expect((await next.reader.start()).credentials).toEqual(renewed);
    next.reader.close();
  });
});

describe('reconnect', () => {
  it('joins with the health check when the discovery file named a daemon that does not answer', async () => {
    const { reader: probe } = await open({ target: 'api' });
    const real = probe.cloud;
    probe.close();
    // A port nothing listens on any more.
    const closed = await new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const gone = `http://127.0.0.1:${closed}`;
    const unchecked = { ...real, endpoint: gone, clientConfig: { ...real.clientConfig, endpoint: gone } };

    const { reader } = await open({ target: 'api', cloud: { ...unchecked, unchecked: true } });
    const error = await reader.start().catch((e: unknown) => e);
    expect(reader.mayReconnect(error)).toBe(true);
    await reader.reconnect();
    expect(reader.cloud.endpoint).toBe(real.endpoint);
    expect((await reader.start()).values.env.SST_Parameter_value_VERSION).toBe('1.0.0');
    reader.close();

    // A cloud joined with the health check is not joined again.
    const checked = await open({ target: 'api', cloud: { ...unchecked, unchecked: false } });
    expect(checked.reader.mayReconnect(await checked.reader.start().catch((e: unknown) => e))).toBe(false);
    checked.reader.close();
  });
});

// Moved from legacy-manifest.spec.ts: the same start-up, through openBinding.
describe("a project's manifest under the name nx-sst gave it before Nx names", () => {
  const current = '/sst/shop/local/_bind/project/web';
  const previous = '/sst/shop/local/_bind/project/_acme/web';
  const bucketOf = async () => {
    const session = await openBinding({ workspaceRoot: root, cwd: path.join(root, 'apps/web'), env: {} });
    session.close();
    return { summary: session.summary, bucket: session.values.env.SST_Bucket_bucketName_public };
  };

  it('is read when the stage has only that one, and the current one wins once deployed', async () => {
    const manifest = JSON.parse(await parameter(current));
    const deployed = await bucketOf();
    expect(deployed.bucket).toMatch(/public/);

    // The stage as an earlier nx-sst left it: the manifest under the old name, naming the old project.
    const old = { ...manifest, project: { ...manifest.project, name: '@acme/web' } };
    await put(previous, JSON.stringify(old));
    await ssm.send(new DeleteParameterCommand({ Name: current }));
    const before = await bucketOf();
    expect(before).toEqual({
      summary: expect.stringMatching(/^project web on stage "local"/),
      bucket: deployed.bucket,
    });

    // Both there (a deploy under the new name not yet cleaned up): the current one decides.
    const moved = { ...manifest, env: { ...manifest.env, SST_Bucket_bucketName_public: 'moved-bucket' } };
    await put(current, JSON.stringify(moved));
    expect((await bucketOf()).bucket).toBe('moved-bucket');
  });
});
