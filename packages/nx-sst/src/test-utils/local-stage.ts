import * as fs from 'node:fs';
import * as path from 'node:path';
import { stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { deploy } from '../deploy/deploy';
import { setSecret } from '../secrets/secrets';
import { sampleWorkspace } from './sample-workspace';

/**
 * Deploys a `sampleWorkspace` to the `local` stage of its own local cloud and sets its secret
 * STRIPE_KEY: where the specs of bound processes start.
 */
export async function deploySampleToLocal(root: string, stripeKey: string): Promise<void> {
  const appRoot = path.join(root, 'apps/infra');
  await deploy({ workspaceRoot: root, appRoot, stage: 'local', io: { write: () => {} } });
  await setSecret({ workspaceRoot: root, stage: 'local', appRoot, name: 'STRIPE_KEY', value: stripeKey });
}

/** Stops the sample workspace's local cloud and deletes the workspace. */
export async function removeSampleWorkspace(root: string): Promise<void> {
  await stopDaemon(localCloudDir(root));
  fs.rmSync(root, { recursive: true, force: true });
}

/**
 * A `sampleWorkspace` deployed to `local` before the tests of the calling `describe` (with STRIPE_KEY set
 * to `stripeKey`), its cloud stopped and its folder deleted after them. Returns the workspace root at once.
 */
export function deployedSampleWorkspace(opts: {
  stripeKey: string;
  extraFiles?: Record<string, string>;
}): string {
  const root = sampleWorkspace({ extraFiles: opts.extraFiles });
  beforeAll(() => deploySampleToLocal(root, opts.stripeKey));
  afterAll(() => removeSampleWorkspace(root));
  return root;
}
