import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Toolkit as ToolkitType, ICloudAssemblySource } from '@aws-cdk/toolkit-lib';
import { recordApp, signalBindProcesses } from '../core/app-index';
import { accountOf, connectStage, type StageCloud } from '../core/cloud';
import { NxSstError } from '../core/errors';
import { explainError, failureMessage } from '../core/known-errors';
import { resolveInfraApp } from '../core/workspace';
import { loadApp, loadConfigForStage, type ConstructsApp, type LoadedConfig } from '../synth/load-app';
import { localCloudContext } from '../synth/local-context';
import { writeTypesFromModel } from '../types/types';
import type { BindingModel } from '../types/binding-model';
import { notingEnvDuring, recordReads } from '../core/inputs';
import { acquireStageLock } from './lock';
import { ProgressHost, type ProgressOptions, type ResourceFailure } from './progress';
import { agentProtocol, WaitWatchdog } from './wait-watchdog';
import { clearDeployRecord, deployShortcut, writeDeployRecord } from './shortcut';

export interface DeployOptions {
  workspaceRoot: string;
  /** Infra app folder (absolute or relative to `cwd`) or project name; default: the app at `cwd`, or the only one. */
  appRoot?: string;
  stage?: string;
  /** Bootstrap the AWS environment (CDK's toolkit stack) first when it is missing or too old. */
  bootstrap?: boolean;
  /** Stack ids or names (patterns allowed) to deploy; default all, with their dependencies. */
  stacks?: string[];
  io?: ProgressOptions;
  cwd?: string;
  /** Parallel stack deployments when stacks do not depend on each other. */
  concurrency?: number;
  /** Deploy even when the deploy record says nothing changed (see `deployShortcut`). */
  force?: boolean;
}

export interface StackOutcome {
  name: string;
  status: 'deployed' | 'skipped' | 'removed';
  outputs: Record<string, string>;
}

export interface DeployResult {
  app: string;
  stage: string;
  stacks: StackOutcome[];
  durationMs: number;
  /** Files written by the types step after the deploy. */
  typesWritten: string[];
  /** false: the deploy record showed nothing to deploy, so nothing was synthesized. */
  synthesized?: boolean;
}

/** The bootstrap version our stacks need (DefaultStackSynthesizer with assets). */
const MIN_BOOTSTRAP_VERSION = 6;
const BOOTSTRAP_VERSION_PARAMETER = '/cdk-bootstrap/hnb659fds/version';

/**
 * toolkit-lib's synthesis settings: templates without `aws:cdk:path` or asset metadata, as nx-sst
 * has always deployed them (turning them on would update every deployed stack once), and no version
 * reporting (the App turns analytics off).
 */
const SYNTH_OPTIONS = { pathMetadata: false, assetMetadata: false, versionReporting: false };
/**
 * The context toolkit-lib derives from SYNTH_OPTIONS (its `contextFromSettings`). Should a later
 * toolkit-lib derive more, the first tree is built again inside toolkit-lib: slower, still correct.
 */
const SYNTH_CONTEXT: Record<string, unknown> = {
  'aws:cdk:disable-version-reporting': true,
  'aws:cdk:bundling-stacks': ['**'],
  '@aws-cdk/core:failSynthOnValidationErrors': false,
};

interface Session {
  workspaceRoot: string;
  appRoot: string;
  infraAppName: string;
  stage: string;
  cloud: StageCloud;
  account: string;
  appName: string;
  region: string;
  model: BindingModel;
  customPrefix: boolean;
  loaded: LoadedConfig;
  toolkit: ToolkitType;
  host: ProgressHost;
  source: ICloudAssemblySource;
  toolkitLib: typeof import('@aws-cdk/toolkit-lib');
  /** The construct tree last built (the one synthesized). */
  tree(): ConstructsApp;
  release(): void;
  restoreEnv(): void;
}

async function open(opts: DeployOptions, command: string): Promise<Session> {
  const workspaceRoot = path.resolve(opts.workspaceRoot);
  const infraApp = await resolveInfraApp(workspaceRoot, opts.cwd ?? process.cwd(), opts.appRoot);
  // The app name is needed for the lock; the construct tree is built once the account is known.
  const loaded = await loadConfigForStage({ workspaceRoot, appRoot: infraApp.root, stage: opts.stage });
  const { config, stage } = loaded;
  const release = acquireStageLock({ workspaceRoot, app: config.name, stage, command });
  let restoreEnv = () => {};
  try {
    const cloud = await connectStage({
      workspaceRoot,
      stage,
      region: config.region,
      profile: config.profile,
    });
    const account = await accountOf(cloud, stage);
    const region = cloud.region;
    // toolkit-lib has no endpoint option: it reads the standard variables (AWS_ENDPOINT_URL, …).
    restoreEnv = withEnv(cloud.local ? cloud.env : { AWS_REGION: region });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the no-op deploy (deployShortcut) loads this module, never toolkit-lib (~500 ms)
    const toolkitLib = require('@aws-cdk/toolkit-lib') as typeof import('@aws-cdk/toolkit-lib');
    // Lookups as the CDK CLI does them: what the app is missing (availability zones, a VPC by tags, …)
    // is looked up, stored and the app built again. AWS answers go to the app's cdk.context.json (to be
    // committed, so synthesis stays deterministic); the local cloud's zones are fixed and given up front.
    const contextStore = cloud.local
      ? new toolkitLib.MemoryContext(localCloudContext(account, region))
      : new toolkitLib.FileContext(path.join(infraApp.root, 'cdk.context.json'));
    // Every tree is built with the context toolkit-lib hands its assembly builder: the store's
    // context with its synthesis settings on top, which the app also reads from CDK_CONTEXT_JSON
    // while toolkit-lib builds. A tree built with the store's context alone synthesizes another
    // template than one built after a lookup, and the next deploy then sees a change where there is
    // none. The first tree (built before toolkit-lib, for its binding model and early errors) gets
    // the same settings, so it is reused unless a lookup changed the context.
    const build = (context: Record<string, unknown>) =>
      loadApp({ workspaceRoot, appRoot: infraApp.root, stage, account, region, loaded, context });
    let builtWith: Record<string, unknown> = { ...(await contextStore.read()), ...SYNTH_CONTEXT };
    // The binding model does not depend on looked-up context: the first build's is the app's.
    const first = await build(builtWith);
    const model = first.model;
    let app = first.app;
    // Ends a CloudFormation wait that would poll forever (NX_SST_WAIT_TIMEOUT), naming what hangs.
    const protocol = agentProtocol(cloud.local, process.env);
    const watchdog = new WaitWatchdog({
      local: cloud.local,
      plainHttp: protocol === 'http',
      report: (line) => host.say(line),
    });
    const host = new ProgressHost(opts.io, watchdog);
    const toolkit = new toolkitLib.Toolkit({
      ioHost: host,
      color: Boolean(process.stderr.isTTY),
      emojis: false,
      sdkConfig: {
        baseCredentials: cloud.clientConfig.credentials
          ? toolkitLib.BaseCredentials.custom({
              provider: async () => cloud.clientConfig.credentials!,
              region,
            })
          : toolkitLib.BaseCredentials.awsCliCompatible({ profile: config.profile, defaultRegion: region }),
        // An agent of the wrong protocol fails every call, credential checks first (AWS_ENDPOINT_URL=http://…).
        ...(protocol ? { httpOptions: { agent: watchdog.agent as never } } : {}),
      },
    });
    const source = await toolkit.fromAssemblyBuilder(
      // toolkit-lib puts a copy of the environment in process.env meanwhile: the reads are noted on it.
      async ({ context = {} }) =>
        notingEnvDuring(async () => {
          // toolkit-lib calls again after it looked up what the last synthesis reported missing.
          if (!isDeepStrictEqual(context, builtWith)) {
            app = (await build(context)).app;
            builtWith = context;
          }
          return app.synth() as never;
        }),
      {
        outdir: path.join(infraApp.root, '.sst', 'cdk.out', stage),
        disposeOutdir: false,
        lookups: true,
        contextStore,
        synthOptions: SYNTH_OPTIONS,
      },
    );
    return {
      workspaceRoot,
      appRoot: infraApp.root,
      infraAppName: infraApp.name,
      stage,
      cloud,
      account,
      appName: config.name,
      region,
      model,
      customPrefix: Boolean(config.ssmPrefix),
      loaded,
      toolkit,
      host,
      source,
      toolkitLib,
      tree: () => app,
      release,
      restoreEnv,
    };
  } catch (error) {
    restoreEnv();
    release();
    throw error;
  }
}

function withEnv(vars: Record<string, string>): () => void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
}

function stackSelector(s: Session, stacks?: string[]) {
  const { StackSelectionStrategy } = s.toolkitLib;
  if (!stacks?.length) return { strategy: StackSelectionStrategy.ALL_STACKS };
  // Ids as written in the stacks file are accepted too: `Default` means `{stage}-{app}-Default`.
  const patterns = stacks.map((id) =>
    id.includes('-') || id.includes('*') ? id : `${s.stage}-${s.appName}-${id}`,
  );
  return { strategy: StackSelectionStrategy.PATTERN_MUST_MATCH, patterns };
}

/**
 * Makes sure the account and region have CDK's bootstrap resources: automatic on the local cloud,
 * with `--bootstrap` on AWS, otherwise a clear error with the command that fixes it.
 */
async function ensureBootstrap(s: Session, bootstrap?: boolean): Promise<void> {
  const { SSMClient, GetParameterCommand } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the no-op deploy loads this module, not the SSM client (~55 ms)
    require('@aws-sdk/client-ssm') as typeof import('@aws-sdk/client-ssm');
  const ssm = new SSMClient({ ...s.cloud.clientConfig, region: s.region });
  let version: number | undefined;
  try {
    const out = await ssm.send(new GetParameterCommand({ Name: BOOTSTRAP_VERSION_PARAMETER }));
    version = Number(out.Parameter?.Value);
  } catch (error) {
    if ((error as Error).name !== 'ParameterNotFound') throw error;
  } finally {
    ssm.destroy();
  }
  const environment = `aws://${s.account}/${s.region}`;
  const problem = bootstrapProblem(environment, version);
  if (!problem) return;
  // The local cloud is ours to set up; an AWS account is bootstrapped only when asked.
  if (!s.cloud.local && !bootstrap) throw problem;
  s.host.notify({
    time: new Date(),
    level: 'info',
    action: 'bootstrap',
    code: 'CDK_TOOLKIT_I9100',
    message: `Bootstrapping ${environment}${s.cloud.local ? ' (local cloud)' : ''}…`,
    data: undefined,
  } as never);
  try {
    await s.toolkit.bootstrap(s.toolkitLib.BootstrapEnvironments.fromList([environment]), {});
  } catch (error) {
    // A bootstrap stack that never settles: the watchdog's error says which wait and what to do.
    throw s.host.watchdog?.failure ?? error;
  }
}

/** What is wrong with an environment's CDK bootstrap (version from SSM, undefined when missing), if anything. */
export function bootstrapProblem(environment: string, version: number | undefined): NxSstError | undefined {
  if (version !== undefined && version >= MIN_BOOTSTRAP_VERSION) return undefined;
  return new NxSstError(
    version === undefined
      ? `${environment} is not bootstrapped for the AWS CDK (no ${BOOTSTRAP_VERSION_PARAMETER}).`
      : `${environment} has CDK bootstrap version ${version}; nx-sst needs ${MIN_BOOTSTRAP_VERSION} or later.`,
    `Run the deploy with --bootstrap once (or: npx cdk bootstrap ${environment}).`,
  );
}

function failureError(what: string, s: Session, error: unknown, failures: ResourceFailure[]): NxSstError {
  // toolkit-lib's own error is then only the echo of the watchdog's, which says what hung.
  if (s.host.watchdog?.failure) return s.host.watchdog.failure;
  const lines = failures.map((f) => `  ${f.stack} ${f.logicalId} (${f.type}) ${f.status}: ${f.reason}`);
  const known = explainError(error, {
    local: s.cloud.local,
    what: `${what} of ${s.appName} on the stage "${s.stage}" failed`,
  });
  if (known && !lines.length) return known;
  const message = failureMessage(error);
  return new NxSstError(
    `${what} of ${s.appName} on the stage "${s.stage}" failed: ${message}` +
      (lines.length ? `\n${lines.join('\n')}` : ''),
    lines.length ? 'Fix the resources above; CloudFormation rolled the failed stacks back.' : undefined,
  );
}

/**
 * Synthesizes the app and deploys it with toolkit-lib (assets, change sets, dependency order,
 * rollback); stacks whose template is unchanged are skipped. Then writes types and the app index,
 * and tells running `bind` processes to re-read their values. Unless `force`, first asks the deploy
 * record whether anything changed since the last deploy (see `shortcut.ts`).
 */
export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const started = Date.now();
  const unchanged = opts.force ? undefined : await deployShortcut(opts, started);
  if (unchanged) return unchanged;
  const startEnv = { ...process.env };
  // What synthesis reads, for the record that lets the next deploy skip it.
  const reads = recordReads();
  let s: Session;
  try {
    s = await open(opts, 'deploy');
  } catch (error) {
    reads.stop();
    throw error;
  }
  try {
    clearDeployRecord(s.appRoot, s.stage);
    await ensureBootstrap(s, opts.bootstrap);
    let result;
    try {
      result = await s.toolkit.deploy(s.source, {
        stacks: stackSelector(s, opts.stacks),
        concurrency: opts.concurrency ?? 4,
        rollback: true,
        deploymentMethod: { method: 'change-set' },
      });
    } catch (error) {
      throw failureError('The deploy', s, error, s.host.failures);
    } finally {
      s.host.end();
      reads.stop();
    }
    const typesWritten = writeTypesFromModel({
      workspaceRoot: s.workspaceRoot,
      appRoot: s.appRoot,
      model: s.model,
      infraApp: `${s.infraAppName} (${path.relative(s.workspaceRoot, s.appRoot) || '.'})`,
      regenerate: `nx run ${s.infraAppName}:types`,
    }).written;
    recordApp({
      workspaceRoot: s.workspaceRoot,
      appRoot: s.appRoot,
      stage: s.stage,
      loaded: s.loaded,
      model: s.model,
    });
    // After the types step: the files it writes are in folders whose listing the record holds.
    if (!opts.stacks?.length) {
      await writeDeployRecord({
        workspaceRoot: s.workspaceRoot,
        appRoot: s.appRoot,
        stage: s.stage,
        explicitStage: s.loaded.input.stage,
        app: s.appName,
        local: s.cloud.local,
        region: s.region,
        profile: s.loaded.config.profile,
        clientConfig: { ...s.cloud.clientConfig, region: s.region },
        tree: s.tree(),
        outdir: path.join(s.appRoot, '.sst', 'cdk.out', s.stage),
        reads,
        startEnv,
        startedAt: started,
        stackNames: result.stacks.map((st) => st.stackName),
      }).catch(() => undefined); // without a record the next deploy runs in full
    }
    signalBindProcesses(s.workspaceRoot, { app: s.appName, stage: s.stage, what: 'deploy' });
    return {
      app: s.appName,
      stage: s.stage,
      stacks: result.stacks
        .map((st) => ({
          name: st.stackName,
          status: s.host.skipped.has(st.stackName) ? ('skipped' as const) : ('deployed' as const),
          outputs: { ...st.outputs },
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      durationMs: Date.now() - started,
      typesWritten,
    };
  } finally {
    reads.stop();
    s.restoreEnv();
    s.release();
  }
}

/** Destroys every stack of the app on the stage (or the given ones), dependents first. */
export async function remove(opts: DeployOptions): Promise<DeployResult> {
  const started = Date.now();
  const s = await open(opts, 'remove');
  try {
    clearDeployRecord(s.appRoot, s.stage);
    let result;
    try {
      result = await s.toolkit.destroy(s.source, {
        stacks: stackSelector(s, opts.stacks),
        concurrency: opts.concurrency ?? 4,
      });
    } catch (error) {
      throw failureError('The removal', s, error, s.host.failures);
    } finally {
      s.host.end();
    }
    signalBindProcesses(s.workspaceRoot, { app: s.appName, stage: s.stage, what: 'remove' });
    return {
      app: s.appName,
      stage: s.stage,
      stacks: result.stacks.map((st) => ({ name: st.stackName, status: 'removed' as const, outputs: {} })),
      durationMs: Date.now() - started,
      typesWritten: [],
    };
  } finally {
    s.restoreEnv();
    s.release();
  }
}

export interface DiffResult {
  app: string;
  stage: string;
  /** Number of changed resources, outputs and parameters per stack. */
  changes: Record<string, number>;
  /** The diff as toolkit-lib formats it. */
  text: string;
}

/** Compares the synthesized app with what is deployed on the stage; prints toolkit-lib's diff. */
export async function diff(opts: DeployOptions): Promise<DiffResult> {
  const s = await open(opts, 'diff');
  try {
    const stacks = stackSelector(s, opts.stacks);
    let diffs;
    try {
      // toolkit-lib's diff does not refuse an assembly with errors (a failed lookup leaves one and
      // CDK's placeholder value, vpc-12345), so it synthesizes first, which does, as deploy and
      // `cdk diff` do.
      const assembly = await s.toolkit.synth(s.source, { stacks });
      try {
        diffs = await s.toolkit.diff(assembly, { stacks });
      } finally {
        await assembly.dispose();
      }
    } catch (error) {
      throw failureError('The diff', s, error, []);
    }
    const changes: Record<string, number> = {};
    for (const [name, d] of Object.entries(diffs)) changes[name] = d.differenceCount;
    return { app: s.appName, stage: s.stage, changes, text: s.host.diffs.join('\n') };
  } finally {
    s.host.end();
    s.restoreEnv();
    s.release();
  }
}
