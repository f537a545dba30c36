import { join } from 'node:path';
import type { Workspace } from './workspace';

export interface CloudHandle {
  endpoint: string;
  env: Record<string, string>;
  region: string;
}

/**
 * Connects to the workspace's local cloud through the `@nx-sst/local-cloud` the workspace installed
 * (the contract of docs/internals.md: one daemon per state directory, found or started), so the
 * tests can look at what the user's commands left in it with the real AWS SDK clients.
 */
export async function connectLocalCloud(workspace: Workspace): Promise<CloudHandle> {
  const modulePath = join(workspace.root, 'node_modules/@nx-sst/local-cloud');
  const { startLocalCloud } = require(modulePath) as {
    startLocalCloud(options: { stateDir: string }): Promise<CloudHandle>;
  };
  return startLocalCloud({ stateDir: workspace.path('.sst/local-cloud') });
}

/** SDK client options for the local cloud (credentials, region, endpoint). */
export function clientConfig(cloud: CloudHandle) {
  return {
    endpoint: cloud.endpoint,
    region: cloud.region,
    forcePathStyle: true,
    credentials: {
      accessKeyId: cloud.env.AWS_ACCESS_KEY_ID ?? 'test',
      secretAccessKey: cloud.env.AWS_SECRET_ACCESS_KEY ?? 'test',
    },
  };
}
