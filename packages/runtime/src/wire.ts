/**
 * The wire format shared with SST v2's `sst/node` (see docs/internals.md, "Wire format"): how a
 * bound value travels from the deploy to the code that reads it. This module is the one place it
 * is written down: `@nx-sst/constructs` writes it, `nx-sst` (bind, secrets, types) and this
 * runtime read it, all through `@nx-sst/runtime/wire`. It imports nothing, so loading it costs a
 * single small file (bind's start-up path loads it).
 */

/** The value lives in SSM at `{SST_SSM_PREFIX}{Type}/{id}/{prop}`. */
export const FETCH_FROM_SSM = '__FETCH_FROM_SSM__';
/** The value is the bound Secret named after the colon. */
export const FETCH_FROM_SECRET = '__FETCH_FROM_SECRET__:';
/**
 * One variable holding every binding of a target as JSON, used by the deploy instead of one
 * variable per value when those would not fit Lambda's 4 KB environment.
 */
export const COMPACT_VARIABLE = 'SST_BINDINGS';

/** A value as the environment gives it: a plain value or a placeholder. */
export type WireBindings = Record<string, Record<string, Record<string, string>>>;

export interface EnvName {
  type: string;
  prop: string;
  id: string;
}

/**
 * Parses `SST_{Type}_{prop}_{id}`. Types and props never contain `_`; ids may, so everything after
 * the prop is the id. Names with fewer parts (`SST_APP`, `SST_BINDINGS`) are not bindings.
 */
export function parseEnvName(name: string): EnvName | undefined {
  if (!name.startsWith('SST_')) return undefined;
  const [, type, prop, ...idParts] = name.split('_');
  const id = idParts.join('_');
  if (!type || !prop || !id) return undefined;
  return { type, prop, id };
}

/**
 * What a bindable construct's id may be: it ends up in variable names (`SST_Bucket_bucketName_{id}`,
 * `-` read as `_`), SSM paths and the runtime's property names.
 */
export const CONSTRUCT_ID_PATTERN = /^[a-zA-Z][a-zA-Z0-9_-]*$/;

/** Ids are stored with `-` replaced by `_`, as in the variable names. */
export function normalizeId(id: string): string {
  return id.indexOf('-') === -1 ? id : id.replace(/-/g, '_');
}

export function defaultSsmPrefix(app: string, stage: string): string {
  return `/sst/${app}/${stage}/`;
}

/** Where secrets set once for every stage live (`secrets set --fallback`); ignores a custom prefix. */
export function fallbackPrefix(app: string): string {
  return `/sst/${app}/.fallback/`;
}

export function ssmPath(prefix: string, type: string, id: string, prop: string): string {
  return `${prefix}${type}/${id}/${prop}`;
}

/** Secrets set once for every stage; like SST v2, this path ignores a custom SSM prefix. */
export function fallbackPath(app: string, type: string, id: string, prop: string): string {
  return `${fallbackPrefix(app)}${type}/${id}/${prop}`;
}

/**
 * The name a bound value gets in a site's client-visible environment (the `environment` entries
 * `nx g nx-sst:resource --bind` writes, and the constructs name in their errors): the server-side
 * expression in upper snake case after the framework's prefix (`VITE_`, `NEXT_PUBLIC_`, a Vite
 * `envPrefix`). `Bucket.uploads.bucketName` → `VITE_BUCKET_UPLOADS_BUCKET_NAME`, Parameter `API_URL`
 * (read as `Config.API_URL`) → `VITE_CONFIG_API_URL`. Secrets never get one: they must not reach a
 * browser, and both callers refuse them before naming anything.
 */
export function clientEnvName(prefix: string, type: string, id: string, prop: string): string {
  const parts = type === 'Parameter' || type === 'Secret' ? ['Config', id] : [type, id, prop];
  return prefix + parts.map(upperSnake).join('_');
}

function upperSnake(text: string): string {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .toUpperCase();
}

/** SSM's characters for parameter names; any other character of a project name becomes `_`. */
const NOT_IN_SSM_NAMES = /[^a-zA-Z0-9_.\-/]/g;

/** What `nx-sst bind` reads for one target (a function, site or service): its manifest's parameter. */
export function targetManifestName(ssmPrefix: string, targetId: string): string {
  return `${ssmPrefix}_bind/target/${targetId}`;
}

/** What `nx-sst bind` reads for an Nx project: the merged manifest of the targets it holds. */
export function projectManifestName(ssmPrefix: string, projectName: string): string {
  return `${ssmPrefix}_bind/project/${projectName.replace(NOT_IN_SSM_NAMES, '_')}`;
}

/**
 * The version parameter of CDK's bootstrap stack (qualifier `hnb659fds`, the default): read to tell
 * whether an environment is bootstrapped, and how recently.
 */
export const BOOTSTRAP_VERSION_PARAMETER = '/cdk-bootstrap/hnb659fds/version';

/** Where a bind target runs: a Lambda function, a site's server (or `next dev`), a container service. */
export type BindTargetKind = 'function' | 'site' | 'service';

/**
 * What an app binds, read from the construct tree without synthesis (`App.bindingModel()` of
 * `@nx-sst/constructs`): the input of the types writer, the plugin's graph and `bind`.
 */
export interface BindingModel {
  app: string;
  stage: string;
  ssmPrefix: string;
  /** every bindable construct, sorted by type then id */
  resources: { type: string; id: string; clientPackage: string; props: string[]; stack: string }[];
  /** every bind target: functions, site server functions, static sites, services */
  targets: {
    /** construct id, unique per app */
    id: string;
    kind: BindTargetKind;
    /** the Nx project holding the target's code */
    project?: { name: string; root: string };
    /** sorted by type then id */
    bindings: { type: string; id: string }[];
    stack: string;
  }[];
}

/**
 * Reads `SST_BINDINGS`: a JSON object `{ Type: { id: { prop: value } } }` with the same values and
 * placeholders the individual variables would hold.
 */
export function parseCompactBindings(text: string): WireBindings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `${COMPACT_VARIABLE} is not valid JSON (${(error as Error).message}). It is written by the nx-sst deploy; redeploy, or remove it from the environment.`,
    );
  }
  const fail = (where: string) =>
    new Error(
      `${COMPACT_VARIABLE} must be a JSON object of the shape {"Type": {"id": {"prop": "value"}}}; ${where} is not. It is written by the nx-sst deploy; redeploy, or fix the value.`,
    );
  if (!isObject(parsed)) throw fail('the value');
  for (const [type, ids] of Object.entries(parsed)) {
    if (!isObject(ids)) throw fail(type);
    for (const [id, props] of Object.entries(ids)) {
      if (!isObject(props)) throw fail(`${type}.${id}`);
      for (const [prop, value] of Object.entries(props)) {
        if (typeof value !== 'string') throw fail(`${type}.${id}.${prop}`);
      }
    }
  }
  return parsed as WireBindings;
}

/**
 * The environment with `SST_BINDINGS` expanded into one `SST_{Type}_{prop}_{id}` per value (checked
 * as `parseCompactBindings` does): a local process has no 4 KB limit, and placeholders inside it are
 * then resolved like any other.
 */
export function expandCompactBindings(env: Record<string, string>): Record<string, string> {
  const compact = env[COMPACT_VARIABLE];
  if (compact === undefined) return env;
  const out: Record<string, string> = {};
  for (const key of Object.keys(env)) if (key !== COMPACT_VARIABLE) out[key] = env[key];
  const wire = parseCompactBindings(compact);
  for (const type of Object.keys(wire))
    for (const id of Object.keys(wire[type]))
      for (const prop of Object.keys(wire[type][id])) out[`SST_${type}_${prop}_${id}`] = wire[type][id][prop];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Resolving placeholders: one resolver for the runtime's `load()` and for `nx-sst bind`.

/** A value the environment holds as a placeholder: `__FETCH_FROM_SSM__` or `__FETCH_FROM_SECRET__:{name}`. */
export interface PlaceholderRequest {
  type: string;
  id: string;
  prop: string;
  placeholder: string;
}

/** One SSM parameter to read, and what it is for. */
export interface PlannedParameter<R> {
  /** The parameter under the stage's prefix. */
  path: string;
  /** Set for secrets (direct or referenced): the secret's name (id normalized). */
  secret?: string;
  /** Set for secrets: the same secret in the fallback every stage inherits. */
  fallback?: string;
  /** The requests this parameter answers. */
  requests: R[];
}

/** True when `value` is one of the two placeholders. */
export function isPlaceholder(value: string): boolean {
  return value === FETCH_FROM_SSM || value.startsWith(FETCH_FROM_SECRET);
}

/**
 * The parameters to read for a set of placeholders: `__FETCH_FROM_SSM__` reads its own path,
 * `__FETCH_FROM_SECRET__:{name}` the named secret's (several references to one secret share a
 * read); secrets also get their fallback path.
 */
export function planParameters<R extends PlaceholderRequest>(
  requests: readonly R[],
  where: { ssmPrefix: string; app: string },
): Map<string, PlannedParameter<R>> {
  const planned = new Map<string, PlannedParameter<R>>();
  for (const request of requests) {
    let path: string;
    let secret: string | undefined;
    if (request.placeholder === FETCH_FROM_SSM) {
      path = ssmPath(where.ssmPrefix, request.type, request.id, request.prop);
      if (request.type === 'Secret') secret = request.id;
    } else {
      secret = normalizeId(request.placeholder.slice(FETCH_FROM_SECRET.length));
      path = ssmPath(where.ssmPrefix, 'Secret', secret, 'value');
    }
    let entry = planned.get(path);
    if (!entry) {
      entry = { path, requests: [] };
      if (secret !== undefined) {
        entry.secret = secret;
        entry.fallback = fallbackPath(where.app, 'Secret', secret, 'value');
      }
      planned.set(path, entry);
    }
    entry.requests.push(request);
  }
  return planned;
}

/** A parameter as SSM returns it (decrypted). */
export interface ReadParameter {
  name: string;
  value: string;
  /** A SecureString: its value is kept out of output. */
  secure?: boolean;
  /** `{Version}@{LastModified ms}`: what changed, without the value. */
  version?: string;
}

/** `GetParameters` for at most `MAX_NAMES_PER_CALL` names (retries are the reader's own). */
export type ParameterReader = (names: string[]) => Promise<ReadParameter[]>;

/** `GetParameters` accepts at most 10 names per call. */
export const MAX_NAMES_PER_CALL = 10;

/** Reads `names`, 10 per call, every call at once: any number of names costs one round trip. */
export async function readAll(
  read: ParameterReader,
  names: readonly string[],
): Promise<Map<string, ReadParameter>> {
  const chunks: string[][] = [];
  for (let i = 0; i < names.length; i += MAX_NAMES_PER_CALL)
    chunks.push(names.slice(i, i + MAX_NAMES_PER_CALL));
  const pages = await Promise.all(chunks.map((chunk) => read(chunk)));
  const found = new Map<string, ReadParameter>();
  for (const page of pages) for (const p of page) found.set(p.name, p);
  return found;
}

/** Parameters read so far: every name asked for, and those that exist. */
export interface ReadState {
  asked: Set<string>;
  found: Map<string, ReadParameter>;
}

/**
 * Reads what a plan needs into `state` (names already asked are not asked again): the stage's
 * parameters (after `first`, e.g. a bind manifest), with the fallbacks riding along when they fit
 * in calls made anyway; then, in a second round, the fallbacks of secrets the stage does not have.
 * Returns, per planned path, the parameter that answers it (the stage's, else the fallback's).
 */
export async function readPlanned<R>(
  read: ParameterReader,
  planned: Map<string, PlannedParameter<R>>,
  state: ReadState = { asked: new Set(), found: new Map() },
  first: readonly string[] = [],
  options: { missingFallbacks?: boolean } = {},
): Promise<Map<string, ReadParameter>> {
  const ask = async (names: readonly string[]) => {
    const todo = [...new Set(names)].filter((n) => !state.asked.has(n));
    for (const [name, p] of await readAll(read, todo)) state.found.set(name, p);
    for (const name of todo) state.asked.add(name);
  };
  const names = [...new Set([...first, ...planned.keys()])].filter((n) => !state.asked.has(n));
  const fallbacks = [...new Set([...planned.values()].flatMap((p) => (p.fallback ? [p.fallback] : [])))];
  const room = Math.ceil(names.length / MAX_NAMES_PER_CALL) * MAX_NAMES_PER_CALL - names.length;
  await ask(fallbacks.length <= room ? [...names, ...fallbacks] : names);
  // `missingFallbacks: false`: a first round whose plan may still change (bind's, before it has read
  // the current manifest) leaves the second round to the final plan.
  if (options.missingFallbacks !== false)
    await ask(
      [...planned.values()].filter((p) => !state.found.has(p.path) && p.fallback).map((p) => p.fallback!),
    );
  const answers = new Map<string, ReadParameter>();
  for (const p of planned.values()) {
    const found = state.found.get(p.path) ?? (p.fallback ? state.found.get(p.fallback) : undefined);
    if (found) answers.set(p.path, found);
  }
  return answers;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
