import * as fs from 'node:fs';
import * as path from 'node:path';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startLocalCloud, stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { runCli } from '../test-utils/cli';
import { sampleWorkspace } from '../test-utils/sample-workspace';
import { deploy, remove } from './deploy';

// Two deploys and a removal on the local cloud, on a shared 2-core machine.
jest.setTimeout(900_000);

const STACKS = `import { Bucket, Config, Function, type StackContext } from '@nx-sst/constructs';
export function Default({ stack }: StackContext) {
  const bucket = new Bucket(stack, 'public');
  const version = new Config.Parameter(stack, 'VERSION', { value: '1.0.0' });
  new Function(stack, 'web', { handler: 'apps/web/src/handler.handler', bind: [bucket, version] });
}`;

const root = sampleWorkspace({
  stacks: STACKS,
  extraFiles: {
    'package.json': JSON.stringify({ name: 'sample', private: true, workspaces: ['apps/*'] }),
    'apps/web/package.json': JSON.stringify({ name: '@acme/web' }),
    'apps/web/src/handler.ts': 'export const handler = async () => ({});',
  },
});
const base = {
  workspaceRoot: root,
  appRoot: path.join(root, 'apps/infra'),
  stage: 'local',
  io: { write: () => {} },
};
const PREFIX = '/sst/shop/local/_bind/project/';

afterAll(async () => {
  await stopDaemon(localCloudDir(root));
  fs.rmSync(root, { recursive: true, force: true });
});

/** The project manifests on the stage: parameter name → the project it names. */
async function projectManifests(): Promise<Record<string, string>> {
  const cloud = await startLocalCloud({ stateDir: localCloudDir(root) });
  const ssm = new SSMClient(cloud.clientConfig);
  try {
    const found: Record<string, string> = {};
    let NextToken: string | undefined;
    do {
      const page = await ssm.send(
        new GetParametersByPathCommand({ Path: PREFIX, Recursive: true, NextToken }),
      );
      for (const p of page.Parameters ?? []) found[p.Name!] = JSON.parse(p.Value!).project.name;
      NextToken = page.NextToken;
    } while (NextToken);
    return found;
  } finally {
    ssm.destroy();
  }
}

/** `nx-sst bind` in apps/web, printing the bound parameter. */
const bindWeb = () =>
  runCli(path.join(root, 'apps/web'), [
    'bind',
    '--',
    'node',
    '-e',
    'console.log(process.env.SST_Parameter_value_VERSION)',
  ]);

describe('a project that Nx names differently from what nx-sst named it before', () => {
  it('was deployed under the name nx-sst gave it before', async () => {
    // nx-sst named a project by its package.json name, never by nx.name: this deploy is what it did.
    await deploy(base);
    expect(await projectManifests()).toEqual({ [`${PREFIX}_acme/web`]: '@acme/web' });
    fs.writeFileSync(
      path.join(root, 'apps/web/package.json'),
      JSON.stringify({ name: '@acme/web', nx: { name: 'web' } }),
    );
  });

  it('keeps its bindings under the old name until the next deploy', async () => {
    const out = await bindWeb();
    expect(out).toEqual(expect.objectContaining({ code: 0, stdout: '1.0.0\n' }));
    expect(out.stderr).toContain('project web on stage "local"');
  });

  it('moves to the Nx name on the next deploy, which drops the old manifest, and remove leaves none', async () => {
    await deploy(base);
    // CloudFormation replaces the parameter: its logical id and name follow the project name.
    expect(await projectManifests()).toEqual({ [`${PREFIX}web`]: 'web' });
    const out = await bindWeb();
    expect(out).toEqual(expect.objectContaining({ code: 0, stdout: '1.0.0\n' }));

    await remove(base);
    expect(await projectManifests()).toEqual({});
  });
});
