import { NxSstError } from '../core/errors';
import type { BindAws, FoundParameter } from './ssm-reader';

export const FETCH_FROM_SSM = '__FETCH_FROM_SSM__';
export const FETCH_FROM_SECRET = '__FETCH_FROM_SECRET__:';

/** What the bind manifest gives a target or project (docs/internals.md). */
export interface BindManifest {
  project?: { name: string; root: string } | null;
  targets?: string[];
  target?: string;
  kind?: string;
  roleArn?: string | null;
  env: Record<string, string>;
}

export interface ResolvedValues {
  /** Every `SST_*` variable with its real value. */
  env: Record<string, string>;
  /** The values of secrets among them, to keep out of output. */
  secrets: string[];
  /**
   * For each secret's variable, the parameter it was read from and that parameter's version
   * (`name#version@lastModified`): what identifies a secret's value without holding it.
   */
  secretVersions?: Record<string, string>;
  /**
   * The same variables as the deployed target holds them: values kept in SSM as their placeholders
   * (`__FETCH_FROM_SSM__`, `__FETCH_FROM_SECRET__:{name}`), which the runtime's `load()` fetches.
   * What `bind --like-lambda` gives the command.
   */
  lambdaEnv?: Record<string, string>;
}

/** `SST_{Type}_{prop}_{id}`: types and props hold no `_`; ids may. */
export function parseBindingEnvName(name: string): { type: string; prop: string; id: string } | undefined {
  const match = /^SST_([A-Za-z0-9]+)_([A-Za-z0-9]+)_(.+)$/.exec(name);
  return match ? { type: match[1], prop: match[2], id: match[3] } : undefined;
}

export function ssmPathOf(prefix: string, type: string, id: string, prop: string): string {
  return `${prefix}${type}/${id}/${prop}`;
}

export function fallbackPathOf(app: string, type: string, id: string, prop: string): string {
  return `/sst/${app}/.fallback/${type}/${id}/${prop}`;
}

/** SSM parameter names as the constructs write them (characters SSM refuses become `_`). */
export function projectManifestName(ssmPrefix: string, projectName: string): string {
  return `${ssmPrefix}_bind/project/${projectName.replace(/[^a-zA-Z0-9_.\-/]/g, '_')}`;
}

export function targetManifestName(ssmPrefix: string, targetId: string): string {
  return `${ssmPrefix}_bind/target/${targetId}`;
}

/** `GetParameters` on exact names, 10 per call (the API's limit), all calls at once. */
export async function getParameters(aws: BindAws, names: string[]): Promise<Map<string, string>> {
  return new Map([...(await getParameterRecords(aws, names))].map(([name, p]) => [name, p.value]));
}

async function getParameterRecords(aws: BindAws, names: string[]): Promise<Map<string, FoundParameter>> {
  const chunks: string[][] = [];
  for (let i = 0; i < names.length; i += 10) chunks.push(names.slice(i, i + 10));
  const pages = await Promise.all(chunks.map((chunk) => aws.getParameters(chunk)));
  return new Map(pages.flat().map((p) => [p.name, p]));
}

/** The one variable a target gets instead of `SST_*` ones when those would pass Lambda's 4 KB (see constructs). */
export const COMPACT_BINDINGS_VAR = 'SST_BINDINGS';

/**
 * Expands the compact form `SST_BINDINGS={"Type":{"id":{"prop":"value"}}}` back into one
 * `SST_{Type}_{prop}_{id}` per value: a local process has no 4 KB limit, and placeholders inside it
 * are then resolved like any other.
 */
export function expandCompactBindings(env: Record<string, string>): Record<string, string> {
  const compact = env[COMPACT_BINDINGS_VAR];
  if (compact === undefined) return env;
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (key !== COMPACT_BINDINGS_VAR) out[key] = value;
  const grouped = JSON.parse(compact) as Record<string, Record<string, Record<string, string>>>;
  for (const [type, ids] of Object.entries(grouped)) {
    for (const [id, props] of Object.entries(ids)) {
      for (const [prop, value] of Object.entries(props)) out[`SST_${type}_${prop}_${id}`] = value;
    }
  }
  return out;
}

/** What a manifest's env asks for: plain values, and the SSM parameters to read for the rest. */
export interface ValuePlan {
  /** Values the manifest holds as they are. */
  plain: Record<string, string>;
  /** `SST_*` variable → the value it needs (a secret reference wants its secret's value). */
  wanted: Map<string, { type: string; id: string; prop: string }>;
  /** `SST_*` variable → its parameter under the stage prefix. */
  paths: Map<string, string>;
  /** `SST_*` variable → the secret whose value it takes. */
  references: Map<string, string>;
  /** `SST_*` variable of a secret → its parameter in the fallback shared by all stages. */
  fallbacks: Map<string, string>;
}

/** Values kept out of output: Secrets, and an Auth's key pair (SecureStrings its custom resource writes). */
function isSecretValue(p: { type: string; prop: string }): boolean {
  return p.type === 'Secret' || (p.type === 'Auth' && (p.prop === 'publicKey' || p.prop === 'privateKey'));
}

export function planValues(opts: { app: string; ssmPrefix: string; env: Record<string, string> }): ValuePlan {
  const plain: Record<string, string> = {};
  const wanted = new Map<string, { type: string; id: string; prop: string }>();
  const references = new Map<string, string>();
  for (const [key, value] of Object.entries(expandCompactBindings(opts.env))) {
    const parsed = parseBindingEnvName(key);
    if (value === FETCH_FROM_SSM && parsed) wanted.set(key, parsed);
    else if (value.startsWith(FETCH_FROM_SECRET)) {
      const name = value.slice(FETCH_FROM_SECRET.length);
      references.set(key, name);
      wanted.set(`SST_Secret_value_${name}`, { type: 'Secret', id: name, prop: 'value' });
    } else plain[key] = value;
  }
  const paths = new Map(
    [...wanted].map(([key, p]) => [key, ssmPathOf(opts.ssmPrefix, p.type, p.id, p.prop)]),
  );
  const fallbacks = new Map(
    [...wanted]
      .filter(([, p]) => p.type === 'Secret')
      .map(([key, p]) => [key, fallbackPathOf(opts.app, p.type, p.id, p.prop)]),
  );
  return { plain, wanted, paths, references, fallbacks };
}

/**
 * The parameters to read in the first round for a plan, after `first` (e.g. the manifest itself).
 * The secrets' fallbacks come along when they fit in the calls that are made anyway (10 names per
 * `GetParameters`), so a secret set only in the fallback costs no second round trip and no extra call.
 */
export function firstRoundNames(plan: ValuePlan, first: string[] = []): string[] {
  const names = [...new Set([...first, ...plan.paths.values()])];
  const room = Math.ceil(names.length / 10) * 10 - names.length;
  const fallbacks = [...new Set(plan.fallbacks.values())];
  return fallbacks.length <= room ? [...names, ...fallbacks] : names;
}

/** Parameters read so far: every name asked for, and the values of those that exist. */
export interface ReadParameters {
  asked: Set<string>;
  found: Map<string, string>;
  /** Versions of the parameters found, when the reader gives them. */
  versions?: Map<string, string>;
}

/** Reads `names` (10 per call, all calls at once) into what was read before. */
export async function readParameters(
  aws: BindAws,
  names: string[],
  into: ReadParameters = { asked: new Set(), found: new Map() },
): Promise<ReadParameters> {
  const todo = names.filter((n) => !into.asked.has(n));
  for (const [name, p] of await getParameterRecords(aws, todo)) {
    into.found.set(name, p.value);
    if (p.version !== undefined) (into.versions ??= new Map()).set(name, `${name}#${p.version}`);
  }
  for (const name of todo) into.asked.add(name);
  return into;
}

/**
 * Turns a manifest's env (plain values and placeholders) into real values: SSM values fetched,
 * secrets fetched with their fallback, secret references filled in. Every missing secret is named
 * at once, before anything runs. `read` holds parameters already fetched (the first round of
 * `bind`); only what it lacks is asked for.
 */
export async function resolveValues(opts: {
  aws: BindAws;
  app: string;
  stage: string;
  ssmPrefix: string;
  env: Record<string, string>;
  read?: ReadParameters;
  /** ` --app <name>` for the commands the errors name, when the workspace has several infra apps. */
  appFlag?: string;
}): Promise<ResolvedValues> {
  const plan = planValues(opts);
  const { wanted, paths, references, fallbacks } = plan;
  const read = await readParameters(opts.aws, firstRoundNames(plan), opts.read);
  const needFallback = [...fallbacks]
    .filter(([key]) => !read.found.has(paths.get(key)!))
    .map(([, fallback]) => fallback);
  await readParameters(opts.aws, needFallback, read);
  const env: Record<string, string> = { ...plan.plain };
  const secrets: string[] = [];
  const secretVersions: Record<string, string> = {};
  const missingSecrets: string[] = [];
  const missingValues: string[] = [];
  for (const [key, p] of wanted) {
    const source = read.found.has(paths.get(key)!) ? paths.get(key)! : fallbacks.get(key);
    const value = source === undefined ? undefined : read.found.get(source);
    if (value === undefined) {
      (p.type === 'Secret' ? missingSecrets : missingValues).push(
        p.type === 'Secret' ? p.id : paths.get(key)!,
      );
      continue;
    }
    env[key] = value;
    if (isSecretValue(p)) {
      secrets.push(value);
      secretVersions[key] = read.versions?.get(source!) ?? `${source}#?`;
    }
  }
  for (const [key, name] of references) {
    const value = env[`SST_Secret_value_${name}`];
    if (value !== undefined) env[key] = value;
  }
  if (missingSecrets.length) {
    const names = [...new Set(missingSecrets)].sort();
    throw new NxSstError(
      `These secrets are not set for the stage "${opts.stage}": ${names.join(', ')}.`,
      names
        .map((n) => `nx-sst secrets set ${n} <value> --stage ${opts.stage}${opts.appFlag ?? ''}`)
        .join('\n'),
    );
  }
  if (missingValues.length) {
    throw new NxSstError(
      `These bound values are missing from SSM on the stage "${opts.stage}": ${missingValues.sort().join(', ')}.`,
      `Deploy the stage again: nx-sst deploy --stage ${opts.stage}${opts.appFlag ?? ''}`,
    );
  }
  return { env, secrets, secretVersions, lambdaEnv: expandCompactBindings(opts.env) };
}

/**
 * Every value of a stage (script mode, for tests not tied to one target): all binding parameters
 * under the stage prefix, secrets with their fallback, as `SST_{Type}_{prop}_{id}`.
 */
export async function readStageValues(opts: {
  aws: BindAws;
  app: string;
  ssmPrefix: string;
}): Promise<ResolvedValues> {
  const read = async (path: string) => {
    const out: { name: string; value: string }[] = [];
    let nextToken: string | undefined;
    do {
      const page = await opts.aws.getParametersByPath(path, nextToken);
      out.push(...page.params);
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  };
  const fallbackRoot = `/sst/${opts.app}/.fallback/`;
  const [fallback, own] = await Promise.all([read(`${fallbackRoot}Secret`), read(opts.ssmPrefix)]);
  const env: Record<string, string> = {};
  const secrets = new Map<string, string>();
  // Fallback first, so the stage's own values win.
  for (const [root, params] of [
    [fallbackRoot, fallback],
    [opts.ssmPrefix, own],
  ] as const) {
    for (const { name, value } of params) {
      const [type, id, prop, ...rest] = name.slice(root.length).split('/');
      if (!type || !id || !prop || rest.length || type.startsWith('_')) continue;
      env[`SST_${type}_${prop}_${id}`] = value;
      if (isSecretValue({ type, prop })) secrets.set(`${type}/${id}/${prop}`, value);
    }
  }
  const lambdaEnv = Object.fromEntries(
    Object.entries(env).map(([key, value]) => [
      key,
      key.startsWith('SST_Secret_') || /^SST_Auth_(publicKey|privateKey)_/.test(key) ? FETCH_FROM_SSM : value,
    ]),
  );
  return { env, secrets: [...secrets.values()], lambdaEnv };
}
