import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NxSstError } from '../core/errors';
import { explicitStage, findConfigFile, resolveProject, resolveStage } from '../core/workspace';
import type { BindingModel } from '../types/binding-model';
import { bundleConfig } from './bundle-config';

/** What `config()` in `sst.config.ts` returns (see `ConfigOptions` in `@nx-sst/constructs`). */
export interface AppConfig {
  name: string;
  region?: string;
  stage?: string;
  ssmPrefix?: string;
  profile?: string;
}

export interface SSTConfigModule {
  config(input: { stage?: string; region?: string }): AppConfig | Promise<AppConfig>;
  stacks(app: unknown): void | Promise<void>;
}

/** The parts of `App` from `@nx-sst/constructs` the engine uses. */
export interface ConstructsApp {
  name: string;
  stage: string;
  region: string;
  account: string;
  ssmPrefix: string;
  bindingModel(): BindingModel;
  synth(): { directory: string };
}

export interface LoadedConfig {
  config: AppConfig;
  module: SSTConfigModule;
  configFile: string;
  /** The bundle it was loaded from (its name changes with its content). */
  bundle: string;
  /** What `config()` was given. */
  input: { stage?: string };
}

let esmLoads = 0;

const APP_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

/**
 * Bundles and evaluates `sst.config.ts`, then calls its `config()` with `{ stage }` (as SST v2 does:
 * the stage asked for explicitly, undefined otherwise). Cheap on a warm cache: the bundle is reused
 * while its inputs are unchanged.
 */
export async function loadConfig(opts: {
  workspaceRoot: string;
  appRoot: string;
  stage?: string;
}): Promise<LoadedConfig> {
  const configFile = findConfigFile(opts.appRoot);
  const bundle = await bundleConfig({ workspaceRoot: opts.workspaceRoot, appRoot: opts.appRoot, configFile });
  const rel = path.relative(opts.workspaceRoot, configFile);
  // Stack traces from the bundle then point at the user's TypeScript lines.
  process.setSourceMapsEnabled(true);
  const exported = await userCode(rel, async () => {
    if (bundle.endsWith('.mjs')) {
      // A fresh URL per load re-runs the config's own code, as the CommonJS path does below.
      return import(`${pathToFileURL(bundle).href}?load=${++esmLoads}`);
    }
    delete require.cache[bundle];
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- path known at run time: the user's config, bundled
    return require(bundle);
  });
  const module = (exported?.default ?? exported) as SSTConfigModule;
  if (typeof module?.config !== 'function' || typeof module?.stacks !== 'function') {
    throw new NxSstError(
      `${rel} must export default an object with config() and stacks(app).`,
      'export default { config() { return { name: "my-app", region: "us-east-1" }; }, stacks(app) { app.stack(Default); } } satisfies SSTConfig;',
    );
  }
  const input = { stage: opts.stage };
  const config = await userCode(rel, () => module.config({ ...input }));
  if (!config || typeof config.name !== 'string' || !APP_NAME.test(config.name)) {
    throw new NxSstError(
      `config() in ${rel} returned the app name ${JSON.stringify(config?.name)}.`,
      'Return { name } with a name that starts with a letter and holds only letters, digits and hyphens.',
    );
  }
  if (config.stage !== undefined && (typeof config.stage !== 'string' || config.stage === '')) {
    throw new NxSstError(
      `config() in ${rel} returned the stage ${JSON.stringify(config.stage)}.`,
      'Return a stage name, or leave stage out to use --stage, SST_STAGE, .sst/stage or "local".',
    );
  }
  return { config, module, configFile, bundle, input };
}

/**
 * Loads the config and resolves the stage of a command: `--stage` > `SST_STAGE` > `config().stage`
 * > `.sst/stage` > `local`.
 */
export async function loadConfigForStage(opts: {
  workspaceRoot: string;
  appRoot: string;
  /** `--stage`, when given. */
  stage?: string;
  env?: NodeJS.ProcessEnv;
}): Promise<LoadedConfig & { stage: string }> {
  const explicit = explicitStage({ flag: opts.stage, env: opts.env });
  const loaded = await loadConfig({
    workspaceRoot: opts.workspaceRoot,
    appRoot: opts.appRoot,
    stage: explicit,
  });
  const stage = resolveStage({
    flag: opts.stage,
    env: opts.env,
    workspaceRoot: opts.workspaceRoot,
    configStage: loaded.config.stage,
  });
  return { ...loaded, stage };
}

/**
 * Loads `sst.config.ts` and builds the construct tree for a stage: the user's stack functions run,
 * nothing is synthesized, nothing talks to AWS. `account` and `region` only label the stacks here;
 * deploy passes the real ones.
 */
export async function loadApp(opts: {
  workspaceRoot: string;
  appRoot: string;
  stage: string;
  account?: string;
  region?: string;
  outdir?: string;
  /** CDK context (lookup results: availability zones, …) the app is built with. */
  context?: Record<string, unknown>;
  /** The config as loaded for this command already (else it is loaded with `stage` as input). */
  loaded?: LoadedConfig;
}): Promise<{ app: ConstructsApp; config: AppConfig; model: BindingModel; configFile: string }> {
  const { config, module, configFile } = opts.loaded ?? (await loadConfig(opts));
  const { App } = requireFromApp(opts.appRoot, '@nx-sst/constructs') as {
    App: new (props: Record<string, unknown>) => ConstructsApp;
  };
  const rel = path.relative(opts.workspaceRoot, configFile);
  const region =
    opts.region ?? config.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const app = await userCode(rel, async () => {
    const app = new App({
      name: config.name,
      stage: opts.stage,
      region,
      account: opts.account ?? process.env.CDK_DEFAULT_ACCOUNT ?? '000000000000',
      ssmPrefix: config.ssmPrefix,
      context: opts.context,
      outdir: opts.outdir ?? path.join(opts.appRoot, '.sst', 'cdk.out', opts.stage),
      workspaceRoot: opts.workspaceRoot,
      resolveProject: (absPath: string) => resolveProject(opts.workspaceRoot, absPath),
    });
    await module.stacks(app);
    return app;
  });
  const model = await userCode(rel, () => app.bindingModel());
  return { app, config, model, configFile };
}

/**
 * Loads a package the way the user's config does (from the infra app's folder), so the engine and
 * the config share one instance of it.
 */
export function requireFromApp(appRoot: string, id: string): unknown {
  let resolved: string;
  try {
    resolved = require.resolve(id, { paths: [appRoot] });
  } catch {
    throw new NxSstError(
      `Cannot find ${id} from ${appRoot}.`,
      `Install it in the workspace: npm install ${id}`,
    );
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- path known at run time
  return require(resolved);
}

/**
 * Runs the user's code and, when it throws, reports the user's frames: their message and where in
 * their files it happened, without the engine's frames around it.
 */
async function userCode<T>(configRel: string, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof NxSstError) throw error;
    const err = error instanceof Error ? error : new Error(String(error));
    const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
    const own = path.resolve(__dirname, '..');
    const userFrames = frames.filter(
      (l) => !l.includes(own) && !l.includes('node:internal') && !l.includes('node_modules'),
    );
    const shown = (userFrames.length ? userFrames : frames).map((l) =>
      l.replace(/\.sst\/config\/bundle-[0-9a-f]+\.[cm]js(\?load=\d+)?/, '(bundle)'),
    );
    const message = `${err.name}: ${err.message}`;
    const failure = new NxSstError(`${configRel} failed: ${message}\n${shown.join('\n')}`, undefined);
    (failure as { cause?: unknown }).cause = err;
    throw failure;
  }
}

export function readJsonIfExists<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
