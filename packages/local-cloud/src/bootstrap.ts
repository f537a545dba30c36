import type { LocalCloud } from './local-cloud';

/** The SSM parameter toolkit-lib's bootstrap template writes; its presence means "bootstrapped". */
export const BOOTSTRAP_VERSION_PARAMETER = '/cdk-bootstrap/hnb659fds/version';

export interface EnsureBootstrappedOptions {
  /** toolkit-lib IoHost for the bootstrap's messages. Default: silent. */
  ioHost?: import('@aws-cdk/toolkit-lib').IIoHost;
}

const silentIoHost = {
  notify: async () => undefined,
  requestResponse: async <T>(msg: { defaultResponse: T }) => msg.defaultResponse,
};

function loadToolkitLib(): typeof import('@aws-cdk/toolkit-lib') {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: an optional peer, loaded only to bootstrap (~500 ms); a missing one gets the error below
    return require('@aws-cdk/toolkit-lib');
  } catch {
    throw new Error(
      'ensureBootstrapped needs @aws-cdk/toolkit-lib (the deploy engine of nx-sst). Install it: npm install -D @aws-cdk/toolkit-lib',
    );
  }
}

/**
 * Runs `task` with the cloud's variables in `process.env`: toolkit-lib reads its endpoint, region
 * and credentials only from there. Restores the previous values afterwards.
 */
export async function withCloudEnv<T>(cloud: Pick<LocalCloud, 'env'>, task: () => Promise<T>): Promise<T> {
  const saved = new Map<string, string | undefined>();
  const cleared = ['AWS_PROFILE', 'AWS_SESSION_TOKEN'];
  for (const key of [...Object.keys(cloud.env), ...cleared]) saved.set(key, process.env[key]);
  Object.assign(process.env, cloud.env);
  // A developer's real session or profile must not leak into calls signed for the local cloud.
  for (const key of cleared) delete process.env[key];
  try {
    return await task();
  } finally {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

async function bootstrapVersion(cloud: LocalCloud): Promise<number | undefined> {
  const { SSMClient, GetParameterCommand } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: joining a running cloud (bind, the task preload) loads this package's index, not the SSM client (~55 ms)
    require('@aws-sdk/client-ssm') as typeof import('@aws-sdk/client-ssm');
  const ssm = new SSMClient(cloud.clientConfig);
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: BOOTSTRAP_VERSION_PARAMETER }));
    return Parameter?.Value ? Number(Parameter.Value) : undefined;
  } catch (e) {
    if ((e as Error).name === 'ParameterNotFound') return undefined;
    throw e;
  } finally {
    ssm.destroy();
  }
}

/**
 * Bootstraps the cloud's environment with toolkit-lib's own bootstrap template, once: when the
 * bootstrap version parameter exists it returns at once. Returns the bootstrap version.
 */
export async function ensureBootstrapped(
  cloud: LocalCloud,
  options: EnsureBootstrappedOptions = {},
): Promise<number> {
  const existing = await bootstrapVersion(cloud);
  if (existing !== undefined) return existing;
  const { Toolkit, BootstrapEnvironments } = loadToolkitLib();
  const toolkit = new Toolkit({ ioHost: options.ioHost ?? silentIoHost });
  await withCloudEnv(cloud, () =>
    toolkit.bootstrap(BootstrapEnvironments.fromList([`aws://${cloud.accountId}/${cloud.region}`]), {}),
  );
  const version = await bootstrapVersion(cloud);
  if (version === undefined) {
    throw new Error(`Bootstrap of the local cloud finished but ${BOOTSTRAP_VERSION_PARAMETER} is missing`);
  }
  return version;
}
