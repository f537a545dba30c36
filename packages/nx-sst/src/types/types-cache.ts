import * as fs from 'node:fs';
import * as path from 'node:path';
import { readAppIndex } from '../core/app-index';
import { changedInput, configBundleInputs, snapshotInputs, type StoredInputs } from '../core/inputs';
import { writeAtomic } from '../core/write-atomic';
import type { BindingModel } from './binding-model';

/**
 * The types record (`{appRoot}/.sst/types/inputs.json`): what the last `types` of an app read
 * (config, stacks and their imports, the project files its handlers resolved to, the files the
 * types writer read, the environment variables read, the engine's versions), what it wrote, and the
 * binding model it computed. While all of that is as recorded, running it again would write the
 * same bytes: `types` then loads neither the app nor Nx.
 */
interface TypesRecord {
  format: typeof FORMAT;
  /** `--stage`/`SST_STAGE` as given (null: none). */
  explicitStage: string | null;
  stage: string;
  /** What `recordApp` needs, as the full run had it. */
  loaded: {
    config: { name: string; region?: string; stage?: string; profile?: string; ssmPrefix?: string };
    input: { stage?: string };
    bundle: string;
  };
  model: BindingModel;
  inputs: StoredInputs;
}

const FORMAT = 1 as const;

export function typesRecordFile(appRoot: string): string {
  return path.join(appRoot, '.sst', 'types', 'inputs.json');
}

function readRecords(appRoot: string): TypesRecord[] {
  try {
    const all = JSON.parse(fs.readFileSync(typesRecordFile(appRoot), 'utf8')) as { records?: TypesRecord[] };
    return (all.records ?? []).filter((r) => r.format === FORMAT);
  } catch {
    return [];
  }
}

/** The record of the last `types` for this stage input, when every input and output is as it left them. */
export function unchangedTypes(opts: {
  workspaceRoot: string;
  appRoot: string;
  explicitStage: string | undefined;
}): Pick<TypesRecord, 'stage' | 'loaded' | 'model'> | undefined {
  const record = readRecords(opts.appRoot).find((r) => r.explicitStage === (opts.explicitStage ?? null));
  if (!record || sharesProjects(opts.workspaceRoot, opts.appRoot, record.model)) return undefined;
  return changedInput(opts.workspaceRoot, opts.appRoot, record.inputs) ? undefined : record;
}

/**
 * Whether another infra app binds one of this app's projects: their `sst-env.d.ts` then also holds
 * that app's part, read from its stack sources, which this record does not follow.
 */
function sharesProjects(workspaceRoot: string, appRoot: string, model: BindingModel): boolean {
  const rel = path.relative(workspaceRoot, appRoot).split(path.sep).join('/') || '.';
  const ours = new Set(model.targets.flatMap((t) => (t.project ? [t.project.name] : [])));
  return readAppIndex(workspaceRoot).some(
    (app) => app.appRoot !== rel && app.projects.some((p) => ours.has(p)),
  );
}

/**
 * State the types writer reads or writes besides sources: each app's `.sst/types` and the
 * sync generator's cache of bindings in Nx's workspace data.
 */
const TYPES_STATE = (rel: string) =>
  /(^|\/)\.sst\/types\//.test(rel) || /^\.nx\/workspace-data\/nx-sst/.test(rel);

export function saveTypesRecord(opts: {
  workspaceRoot: string;
  appRoot: string;
  stage: string;
  loaded: TypesRecord['loaded'];
  model: BindingModel;
  reads: { files: Set<string>; contents: Map<string, string>; dirs: Set<string>; envKeys: Set<string> };
  startEnv: NodeJS.ProcessEnv;
  startedAt: number;
  written: string[];
}): void {
  const file = typesRecordFile(opts.appRoot);
  const bundle = configBundleInputs(opts.workspaceRoot, opts.appRoot);
  const inputs = snapshotInputs({
    workspaceRoot: opts.workspaceRoot,
    appRoot: opts.appRoot,
    startedAt: opts.startedAt,
    files: [...opts.reads.files].filter((f) => f !== file),
    dirs: opts.reads.dirs,
    compiled: Object.keys(bundle).map((rel) => path.join(opts.workspaceRoot, rel)),
    knownHashes: [bundle, opts.reads.contents],
    envKeys: opts.reads.envKeys,
    env: opts.startEnv,
    also: TYPES_STATE,
    // The types writer's own state is read and rewritten by it: as it is now.
    written: [
      ...opts.written,
      ...[...opts.reads.files].filter((f) =>
        TYPES_STATE(path.relative(opts.workspaceRoot, f).split(path.sep).join('/')),
      ),
    ].filter((f) => f !== file),
  });
  const explicitStage = opts.loaded.input.stage ?? null;
  const record: TypesRecord = {
    format: FORMAT,
    explicitStage,
    stage: opts.stage,
    loaded: {
      config: pick(opts.loaded.config),
      input: opts.loaded.input,
      bundle: opts.loaded.bundle,
    },
    model: opts.model,
    inputs,
  };
  const records = [...readRecords(opts.appRoot).filter((r) => r.explicitStage !== explicitStage), record];
  writeAtomic(file, JSON.stringify({ records }) + '\n');
}

function pick(config: TypesRecord['loaded']['config']): TypesRecord['loaded']['config'] {
  const { name, region, stage, profile, ssmPrefix } = config;
  return JSON.parse(JSON.stringify({ name, region, stage, profile, ssmPrefix }));
}
