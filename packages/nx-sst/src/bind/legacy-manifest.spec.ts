import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { startLocalCloud, stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { deploy } from '../deploy/deploy';
import { DEFAULT_STACKS, sampleWorkspace } from '../test-utils/sample-workspace';
import { openBinding } from './bind';

jest.setTimeout(600_000);

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
const current = '/sst/shop/local/_bind/project/web';
const previous = '/sst/shop/local/_bind/project/_acme/web';
let ssm: SSMClient;

beforeAll(async () => {
  const cloud = await startLocalCloud({ stateDir: localCloudDir(root) });
  ssm = new SSMClient(cloud.clientConfig);
  await deploy({
    workspaceRoot: root,
    appRoot: path.join(root, 'apps/infra'),
    stage: 'local',
    io: { write: () => {} },
  });
});
afterAll(async () => {
  ssm.destroy();
  await stopDaemon(localCloudDir(root));
  fs.rmSync(root, { recursive: true, force: true });
});

const bucketOf = async () => {
  const session = await openBinding({ workspaceRoot: root, cwd: path.join(root, 'apps/web'), env: {} });
  session.close();
  return { summary: session.summary, bucket: session.values.env.SST_Bucket_bucketName_public };
};

describe("a project's manifest under the name nx-sst gave it before Nx names", () => {
  it('is read when the stage has only that one, and the current one wins once deployed', async () => {
    const manifest = JSON.parse(
      (await ssm.send(new GetParameterCommand({ Name: current }))).Parameter!.Value!,
    );
    const deployed = await bucketOf();
    expect(deployed.bucket).toMatch(/public/);

    // The stage as an earlier nx-sst left it: the manifest under the old name, naming the old project.
    const old = { ...manifest, project: { ...manifest.project, name: '@acme/web' } };
    await ssm.send(new PutParameterCommand({ Name: previous, Value: JSON.stringify(old), Type: 'String' }));
    await ssm.send(new DeleteParameterCommand({ Name: current }));
    const before = await bucketOf();
    expect(before).toEqual({
      summary: expect.stringMatching(/^project web on stage "local"/),
      bucket: deployed.bucket,
    });

    // Both there (a deploy under the new name not yet cleaned up): the current one decides.
    const moved = { ...manifest, env: { ...manifest.env, SST_Bucket_bucketName_public: 'moved-bucket' } };
    await ssm.send(new PutParameterCommand({ Name: current, Value: JSON.stringify(moved), Type: 'String' }));
    expect((await bucketOf()).bucket).toBe('moved-bucket');
  });
});
