import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { localCloudDir } from '../core/cloud';
import { changedInput, configBundleInputs, snapshotInputs, type StoredInputs } from '../core/inputs';
import { explicitStage, resolveInfraApp } from '../core/workspace';
import { writeAtomic } from '../core/write-atomic';
import type { DeployOptions, DeployResult, StackOutcome } from './deploy';
import { acquireStageLock } from './lock';

/**
 * The deploy record (`{appRoot}/.sst/deploy/{stage}.json`): what the last successful deploy of a
 * stage read (config, stacks, every file they import, handler sources, asset folders, lockfile,
 * context, the environment variables read, the engine's versions) and the stacks it left (id, last
 * update, outputs). A deploy whose inputs and stacks are as recorded synthesizes nothing.
 */
export interface DeployRecord {
  format: typeof RECORD_FORMAT;
  app: string;
  stage: string;
  /** `--stage`/`SST_STAGE` as given (null: none; the stage then came from config() or .sst/stage). */
  explicitStage: string | null;
  local: boolean;
  region: string;
  /** `profile` from config(), for the check on AWS. */
  profile?: string;
  inputs: StoredInputs;
  stacks: RecordedStack[];
}

interface RecordedStack {
  name: string;
  /** The stack's ARN: names the account and region, and changes when the stack is re-created. */
  id: string;
  /** LastUpdatedTime, else CreationTime (ISO). */
  updated: string;
  outputs: Record<string, string>;
  /** Hash of the stack's parameters, tags and, on the local cloud, template (see `describeStacks`). */
  state: string;
}

const RECORD_FORMAT = 1 as const;
/** A stack in any other state is being changed, failed or rolled back: never skipped. */
const SETTLED = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);
/** An asset folder beyond this many files is not recorded: walking it would cost what a deploy saves. */
const MAX_ASSET_FILES = 20_000;

export function deployRecordFile(appRoot: string, stage: string): string {
  return path.join(appRoot, '.sst', 'deploy', `${stage}.json`);
}

/** Forgets the record of a stage: its stacks are about to change, or were removed. */
export function clearDeployRecord(appRoot: string, stage: string): void {
  fs.rmSync(deployRecordFile(appRoot, stage), { force: true });
}

function readRecords(appRoot: string): DeployRecord[] {
  const dir = path.join(appRoot, '.sst', 'deploy');
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const records: DeployRecord[] = [];
  for (const name of names) {
    try {
      const record = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as DeployRecord;
      if (record.format === RECORD_FORMAT) records.push(record);
    } catch {
      // half-written by a crashed older version, or edited: ignored, the deploy runs in full
    }
  }
  return records;
}

/**
 * The result of a deploy that would change nothing, without synthesizing or deploying: when a
 * record of this app and stage input exists, every input is as recorded, no other deploy of the
 * stage runs, and one DescribeStacks per stack shows each stack as the record left it (same id,
 * settled, not updated since, same outputs). Undefined whenever any of that does not hold, or
 * cannot be told; the caller then deploys in full.
 */
export async function deployShortcut(
  opts: DeployOptions,
  started: number,
): Promise<DeployResult | undefined> {
  if (opts.bootstrap || opts.stacks?.length) return undefined;
  const workspaceRoot = path.resolve(opts.workspaceRoot);
  const infraApp = await resolveInfraApp(workspaceRoot, opts.cwd ?? process.cwd(), opts.appRoot);
  const explicit = explicitStage({ flag: opts.stage }) ?? null;
  const say = (text: string) => opts.io?.verbose && (opts.io.write ?? ((t) => process.stderr.write(t)))(text);
  for (const record of readRecords(infraApp.root)) {
    if (record.explicitStage !== explicit) continue;
    const changed = changedInput(workspaceRoot, infraApp.root, record.inputs);
    if (changed) {
      say(`Deploying ${record.app} to "${record.stage}": ${changed} changed since its last deploy.\n`);
      continue;
    }
    let release: () => void;
    try {
      release = acquireStageLock({ workspaceRoot, app: record.app, stage: record.stage, command: 'deploy' });
    } catch {
      return undefined; // the full deploy reports who holds it
    }
    try {
      const drift = await stacksDrift(workspaceRoot, record);
      if (drift) {
        say(`Deploying ${record.app} to "${record.stage}": ${drift}.\n`);
        return undefined;
      }
    } finally {
      release();
    }
    (opts.io?.write ?? ((t: string) => process.stderr.write(t)))(
      `Nothing changed since the last deploy of ${record.app} to "${record.stage}": inputs and stacks as it left them, nothing synthesized (--force deploys anyway).\n`,
    );
    return {
      app: record.app,
      stage: record.stage,
      stacks: record.stacks.map((st): StackOutcome => ({
        name: st.name,
        status: 'skipped',
        outputs: { ...st.outputs },
      })),
      durationMs: Date.now() - started,
      typesWritten: [],
      synthesized: false,
    };
  }
  return undefined;
}

/** What differs between the recorded stacks and the deployed ones (a phrase), or undefined. */
async function stacksDrift(workspaceRoot: string, record: DeployRecord): Promise<string | undefined> {
  let clientConfig: Record<string, unknown>;
  if (record.local) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: a no-op deploy to AWS does not load the local cloud's client (~7 ms)
    const { joinRunningLocalCloud } = require('@nx-sst/local-cloud') as typeof import('@nx-sst/local-cloud');
    // A stopped local cloud is started by the full deploy: checking it here would cost that anyway.
    const cloud = joinRunningLocalCloud(localCloudDir(workspaceRoot));
    if (!cloud) return 'the local cloud is not running';
    clientConfig = cloud.clientConfig;
  } else {
    // The same choice of credentials as connectStage: static keys in the environment win over the profile.
    const keys = process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY;
    clientConfig = { region: record.region, ...(record.profile && !keys ? { profile: record.profile } : {}) };
  }
  try {
    const deployed = await describeStacks(
      clientConfig,
      record.stacks.map((s) => s.name),
      record.local,
    );
    for (const want of record.stacks) {
      const got = deployed.get(want.name);
      if (!got) return `the stack ${want.name} does not exist`;
      if (got.id !== want.id) return `the stack ${want.name} was re-created`;
      if (!SETTLED.has(got.status)) return `the stack ${want.name} is ${got.status}`;
      if (got.updated !== want.updated) return `the stack ${want.name} was updated since`;
      if (JSON.stringify(sorted(got.outputs)) !== JSON.stringify(sorted(want.outputs)))
        return `the outputs of ${want.name} changed`;
      if (got.state !== want.state) return `the stack ${want.name} was changed since`;
    }
    return undefined;
  } catch (error) {
    return `the stacks could not be checked (${(error as Error).name})`;
  }
}

interface DeployedStack {
  id: string;
  status: string;
  updated: string;
  outputs: Record<string, string>;
  state: string;
}

/**
 * One DescribeStacks per stack, in parallel. The local cloud (moto) reports no LastUpdatedTime, so
 * there the template is fetched too (GetTemplate, a loopback call) and hashed with the stack's
 * parameters and tags: an update behind our back changes one of them. AWS sets LastUpdatedTime on
 * every update, so one call per stack is enough there.
 */
async function describeStacks(
  clientConfig: Record<string, unknown>,
  names: string[],
  withTemplate: boolean,
): Promise<Map<string, DeployedStack>> {
  const client = new CloudFormationClient({ ...clientConfig, maxAttempts: 2 });
  try {
    const found = new Map<string, DeployedStack>();
    await Promise.all(
      names.map(async (name) => {
        try {
          const out = await client.send(new DescribeStacksCommand({ StackName: name }));
          const st = out.Stacks?.[0];
          if (!st) return;
          const template = withTemplate
            ? (await client.send(new GetTemplateCommand({ StackName: st.StackId }))).TemplateBody
            : undefined;
          found.set(name, {
            id: st.StackId ?? '',
            status: st.StackStatus ?? '',
            updated: (st.LastUpdatedTime ?? st.CreationTime)?.toISOString() ?? '',
            outputs: Object.fromEntries(
              (st.Outputs ?? []).map((o) => [o.OutputKey ?? '', o.OutputValue ?? '']),
            ),
            state: createHash('sha256')
              .update(
                JSON.stringify([
                  sorted(
                    Object.fromEntries(
                      (st.Parameters ?? []).map((p) => [p.ParameterKey ?? '', p.ParameterValue ?? '']),
                    ),
                  ),
                  sorted(Object.fromEntries((st.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']))),
                  template ?? null,
                ]),
              )
              .digest('hex'),
          });
        } catch (error) {
          // CloudFormation's answer for a missing stack; anything else cannot be told apart from drift.
          if (!/does not exist/.test((error as Error).message)) throw error;
        }
      }),
    );
    return found;
  } finally {
    client.destroy();
  }
}

function sorted(o: Record<string, string>): [string, string][] {
  return Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Writes the record of a deploy that succeeded for every stack of the app. Best effort: when the
 * inputs cannot be told (an asset outside the workspace, a huge asset folder) or the stacks cannot
 * be described, no record is written and the next deploy runs in full.
 */
export async function writeDeployRecord(opts: {
  workspaceRoot: string;
  appRoot: string;
  stage: string;
  explicitStage: string | undefined;
  app: string;
  local: boolean;
  region: string;
  profile?: string;
  clientConfig: Record<string, unknown>;
  /** The construct tree that was synthesized and deployed. */
  tree: unknown;
  /** The folder the app was synthesized to (derived files, not inputs). */
  outdir: string;
  reads: { files: Set<string>; contents: Map<string, string>; dirs: Set<string>; envKeys: Set<string> };
  startEnv: NodeJS.ProcessEnv;
  startedAt: number;
  stackNames: string[];
}): Promise<void> {
  const assets = assetInputs(opts.workspaceRoot, opts.appRoot, opts.tree, opts.outdir);
  if (!assets) return;
  const bundle = configBundleInputs(opts.workspaceRoot, opts.appRoot);
  const inputs = snapshotInputs({
    workspaceRoot: opts.workspaceRoot,
    appRoot: opts.appRoot,
    startedAt: opts.startedAt,
    files: [...opts.reads.files, ...assets.files],
    dirs: [...opts.reads.dirs, ...assets.dirs],
    compiled: [...Object.keys(bundle).map((rel) => path.join(opts.workspaceRoot, rel)), ...assets.compiled],
    knownHashes: [bundle, opts.reads.contents],
    envKeys: opts.reads.envKeys,
    env: opts.startEnv,
  });
  const deployed = await describeStacks(opts.clientConfig, opts.stackNames, opts.local);
  const stacks: RecordedStack[] = [];
  for (const name of [...opts.stackNames].sort()) {
    const st = deployed.get(name);
    if (!st || !SETTLED.has(st.status)) return;
    stacks.push({ name, id: st.id, updated: st.updated, outputs: st.outputs, state: st.state });
  }
  const record: DeployRecord = {
    format: RECORD_FORMAT,
    app: opts.app,
    stage: opts.stage,
    explicitStage: opts.explicitStage ?? null,
    local: opts.local,
    region: opts.region,
    ...(opts.profile ? { profile: opts.profile } : {}),
    inputs,
    stacks,
  };
  writeAtomic(deployRecordFile(opts.appRoot, opts.stage), JSON.stringify(record, null, 2) + '\n');
}

/**
 * The sources of every asset of the tree: for a function bundle, the files esbuild compiled into it
 * (`{bundle}.inputs.json`, written by @nx-sst/constructs) and its copyFiles; for any other asset,
 * its file or folder. Undefined when one cannot be followed.
 */
function assetInputs(
  workspaceRoot: string,
  appRoot: string,
  tree: unknown,
  outdir: string,
): { files: string[]; dirs: string[]; compiled: string[] } | undefined {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- path known at run time: the aws-cdk-lib of the app, whose tree this is
  const { AssetStaging } = require(
    require.resolve('aws-cdk-lib', { paths: [appRoot] }),
  ) as typeof import('aws-cdk-lib');
  const files: string[] = [];
  const dirs: string[] = [];
  const compiled: string[] = [];
  const tmp = fs.realpathSync(os.tmpdir());
  const inside = (parent: string, p: string) => {
    const rel = path.relative(parent, p);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  };
  const nodes = (tree as { node: { findAll(): unknown[] } }).node.findAll();
  for (const node of nodes) {
    if (!(node instanceof AssetStaging)) continue;
    const source = path.resolve(node.sourcePath);
    const described = readBundleInputs(`${source}`);
    if (described) {
      compiled.push(...described.files);
      for (const from of described.copied) if (!walk(from, files, dirs)) return undefined;
      continue;
    }
    // Installed packages (CDK's own handlers) are covered by the lockfile; files made during
    // synthesis (in the assembly, or a temporary folder) by the inputs that made them.
    if (source.split(path.sep).includes('node_modules')) continue;
    if (inside(outdir, source) || inside(path.join(appRoot, '.sst'), source)) continue;
    if (inside(tmp, source) && !inside(workspaceRoot, source)) continue;
    if (!inside(workspaceRoot, source)) return undefined;
    if (!walk(source, files, dirs)) return undefined;
  }
  return { files, dirs, compiled };
}

function readBundleInputs(dir: string): { files: string[]; copied: string[] } | undefined {
  try {
    return JSON.parse(fs.readFileSync(`${dir}.inputs.json`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every file and folder under `source`; false when there are too many to be worth it. */
function walk(source: string, files: string[], dirs: string[]): boolean {
  let count = 0;
  const visit = (p: string): boolean => {
    const stat = fs.statSync(p, { throwIfNoEntry: false });
    if (!stat) {
      files.push(p);
      return true;
    }
    if (!stat.isDirectory()) {
      files.push(p);
      return ++count <= MAX_ASSET_FILES;
    }
    dirs.push(p);
    for (const name of fs.readdirSync(p)) if (!visit(path.join(p, name))) return false;
    return true;
  };
  return visit(source);
}
