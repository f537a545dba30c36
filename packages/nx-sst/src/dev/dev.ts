import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStackResourceCommand } from '@aws-sdk/client-cloudformation';
import { LambdaClient, UpdateFunctionCodeCommand } from '@aws-sdk/client-lambda';
import { zipSync } from 'fflate';
import { connectStage, LOCAL_STAGE } from '../core/cloud';
import { NxSstError } from '../core/errors';
import { resolveInfraApp } from '../core/workspace';
import { loadApp, loadConfigForStage, requireFromApp } from '../synth/load-app';

/**
 * `nx-sst dev`: deploy to `local` once, then keep each Function's deployed code in step with its
 * sources — rebuilt with the deploy's own bundling and swapped in with `UpdateFunctionCode`, so the
 * stack is not redeployed — and redeploy when the config or a stack file changes.
 */
export interface DevOptions {
  workspaceRoot: string;
  cwd: string;
  app?: string;
  stage?: string;
  verbose?: boolean;
  /** Ends the watch (Ctrl-C): the cloud and its state stay as they are. */
  signal: AbortSignal;
  say(line: string): void;
  /** The first deploy (the command layer's, so it prints what `nx-sst deploy` prints). */
  deploy(): Promise<void>;
  /** Quiet time after a stack edit before the redeploy starts (ms). */
  redeployDelayMs?: number;
}

/** A deployed Function and how to bundle it again. */
interface DevFunction {
  id: string;
  physicalName: string;
  /** Where its bundle is built. */
  dir: string;
  bundleInto(dir: string): { files: string[] };
  /** The files its bundle was last made from. */
  files: Set<string>;
}

interface FunctionNode {
  id: string;
  /** The handler's source file. */
  targetPath: string;
  node: { path: string; defaultChild?: unknown };
  _bundleInto(dir: string): { files: string[] };
}

const SWAP_DELAY_MS = 50;

export async function dev(opts: DevOptions): Promise<void> {
  const workspaceRoot = path.resolve(opts.workspaceRoot);
  const infraApp = await resolveInfraApp(workspaceRoot, opts.cwd, opts.app);
  const loaded = await loadConfigForStage({ workspaceRoot, appRoot: infraApp.root, stage: opts.stage });
  if (loaded.stage !== LOCAL_STAGE) {
    throw new NxSstError(
      `nx-sst dev runs on the local stage only, not "${loaded.stage}".`,
      `It swaps function code behind CloudFormation's back, which a shared or production stage must not get. ` +
        `Run it without --stage (or with --stage local; check SST_STAGE and .sst/stage), and deploy "${loaded.stage}" with nx-sst deploy.`,
    );
  }
  await opts.deploy();
  if (opts.signal.aborted) return;

  const cloud = await connectStage({
    workspaceRoot,
    stage: LOCAL_STAGE,
    region: loaded.config.region,
    profile: loaded.config.profile,
  });
  const clientConfig = { ...cloud.clientConfig, region: cloud.region };
  const lambda = new LambdaClient(clientConfig);
  const cfn = new CloudFormationClient(clientConfig);
  const buildRoot = path.join(infraApp.root, '.sst', 'dev');

  /** The app's Functions as the deployed tree has them, with their physical names. */
  async function discover(): Promise<DevFunction[]> {
    const { app } = await loadApp({
      workspaceRoot,
      appRoot: infraApp.root,
      stage: LOCAL_STAGE,
      region: cloud.region,
      account: cloud.accountId,
    });
    const { Stack } = requireFromApp(infraApp.root, 'aws-cdk-lib') as typeof import('aws-cdk-lib');
    const nodes = (app as unknown as { node: { findAll(): unknown[] } }).node
      .findAll()
      .filter((n): n is FunctionNode => typeof (n as Partial<FunctionNode>)._bundleInto === 'function');
    const found: DevFunction[] = [];
    for (const fn of nodes) {
      const stack = Stack.of(fn as never);
      const logicalId = stack.resolve(stack.getLogicalId(fn.node.defaultChild as never)) as string;
      let physicalName: string | undefined;
      try {
        const { StackResourceDetail } = await cfn.send(
          new DescribeStackResourceCommand({ StackName: stack.stackName, LogicalResourceId: logicalId }),
        );
        physicalName = StackResourceDetail?.PhysicalResourceId;
      } catch {
        // Its stack is not deployed (yet): nothing to swap into.
      }
      if (!physicalName) {
        opts.say(`Function "${fn.id}" is not deployed in ${stack.stackName}: not watched.\n`);
        continue;
      }
      const dir = path.join(buildRoot, fn.node.path.replace(/[^\w.-]+/g, '_'));
      // Built once now for the list of its sources; the deploy's own bundle has them too, but only
      // when this process synthesized (a deploy that skipped did not).
      let files: string[];
      try {
        files = fn._bundleInto(dir).files;
      } catch (error) {
        // Its handler is watched alone until a save bundles again.
        opts.say(`✖ ${(error as Error).message}\n`);
        files = [fn.targetPath];
      }
      found.push({
        id: fn.id,
        physicalName,
        dir,
        bundleInto: (d) => fn._bundleInto(d),
        files: new Set(files),
      });
    }
    return found;
  }

  /** The config and the stack files it imports (the config bundle's inputs). */
  function stackFiles(): Set<string> {
    const files = new Set<string>([infraApp.configFile]);
    try {
      const record = JSON.parse(
        fs.readFileSync(path.join(infraApp.root, '.sst', 'config', 'bundle.json'), 'utf8'),
      ) as { inputs?: Record<string, string> };
      for (const rel of Object.keys(record.inputs ?? {})) files.add(path.resolve(workspaceRoot, rel));
    } catch {
      // No record: the config file alone is watched.
    }
    return files;
  }

  let functions = await discover();
  let stacks = stackFiles();

  const watchers = new Map<string, fs.FSWatcher>();
  const pending = new Set<DevFunction>();
  let redeployPending = false;
  let timer: NodeJS.Timeout | undefined;
  let queue = Promise.resolve();

  function rewatch(): void {
    const dirs = new Set<string>();
    for (const f of [...stacks, ...functions.flatMap((fn) => [...fn.files])]) {
      if (f.split(path.sep).includes('node_modules')) continue;
      dirs.add(path.dirname(f));
    }
    for (const [dir, w] of watchers) {
      if (dirs.has(dir)) continue;
      w.close();
      watchers.delete(dir);
    }
    // Folders, not files: an editor that saves by renaming replaces the file a watch would hold.
    for (const dir of dirs) {
      if (watchers.has(dir) || !fs.existsSync(dir)) continue;
      const w = fs.watch(dir, (_event, name) => name && changed(path.join(dir, name.toString())));
      w.on('error', () => undefined);
      watchers.set(dir, w);
    }
  }

  function changed(file: string): void {
    if (opts.signal.aborted) return;
    if (stacks.has(file)) redeployPending = true;
    else for (const fn of functions) if (fn.files.has(file)) pending.add(fn);
    if (!redeployPending && !pending.size) return;
    clearTimeout(timer);
    timer = setTimeout(
      () => (queue = queue.then(flush)),
      redeployPending ? (opts.redeployDelayMs ?? 300) : SWAP_DELAY_MS,
    );
  }

  async function flush(): Promise<void> {
    if (opts.signal.aborted) return;
    if (redeployPending) {
      redeployPending = false;
      pending.clear();
      await redeploy();
    } else {
      const swaps = [...pending];
      pending.clear();
      for (const fn of swaps) await swap(fn);
    }
    rewatch();
  }

  async function swap(fn: DevFunction): Promise<void> {
    const started = Date.now();
    try {
      fn.files = new Set(fn.bundleInto(fn.dir).files);
    } catch (error) {
      // esbuild's errors, with file:line; the next save tries again.
      opts.say(`✖ ${(error as Error).message}\n`);
      return;
    }
    try {
      await lambda.send(
        new UpdateFunctionCodeCommand({ FunctionName: fn.physicalName, ZipFile: zipFolder(fn.dir) }),
      );
      opts.say(`↻ ${fn.id} updated (${Date.now() - started} ms)\n`);
    } catch (error) {
      opts.say(`✖ ${fn.id}: the code swap failed: ${(error as Error).message}\n`);
    }
  }

  async function redeploy(): Promise<void> {
    opts.say(`Stack files changed: redeploying ${infraApp.name} to "${LOCAL_STAGE}"…\n`);
    // In a process of its own: this one has bundled, loaded and cached the app as it was.
    const code = await runDeploy();
    if (code !== 0) {
      opts.say(`✖ The redeploy failed (above); fix it and save again. Still watching.\n`);
      stacks = stackFiles();
      return;
    }
    try {
      functions = await discover();
    } catch (error) {
      opts.say(`✖ ${(error as Error).message}\n`);
    }
    stacks = stackFiles();
  }

  function runDeploy(): Promise<number> {
    const cli = path.resolve(__dirname, '../cli/main.js');
    const args = [cli, 'deploy', '--app', infraApp.root, '--stage', LOCAL_STAGE];
    if (opts.verbose) args.push('--verbose');
    return new Promise((resolve) => {
      // Its own process group: a terminal's Ctrl-C stops the watch, not a deploy halfway.
      const child = spawn(process.execPath, args, { cwd: opts.cwd, stdio: 'inherit', detached: true });
      child.on('error', () => resolve(1));
      child.on('exit', (c) => resolve(c ?? 1));
    });
  }

  rewatch();
  opts.say(
    `Watching ${functions.length} function(s) and the stacks of ${infraApp.name} on "${LOCAL_STAGE}". Ctrl-C to stop (the local cloud keeps running).\n`,
  );
  await new Promise<void>((resolve) => {
    if (opts.signal.aborted) resolve();
    else opts.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  clearTimeout(timer);
  for (const w of watchers.values()) w.close();
  // A swap under way finishes: the function is left with whole code.
  await queue.catch(() => undefined);
  lambda.destroy();
  cfn.destroy();
}

/** The bundle folder as the zip Lambda takes. */
function zipFolder(dir: string): Uint8Array {
  const files: Record<string, Uint8Array> = {};
  const add = (abs: string, rel: string) => {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true })) {
      const a = path.join(abs, entry.name);
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) add(a, r);
      else files[r] = fs.readFileSync(a);
    }
  };
  add(dir, '');
  return zipSync(files);
}
