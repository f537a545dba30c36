/**
 * The wire format shared with SST v2's `sst/node` (see docs/internals.md, "Wire format"): how a
 * bound value travels from the deploy to the code that reads it.
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

/** Ids are stored with `-` replaced by `_`, as in the variable names. */
export function normalizeId(id: string): string {
  return id.indexOf('-') === -1 ? id : id.replace(/-/g, '_');
}

export function defaultSsmPrefix(app: string, stage: string): string {
  return `/sst/${app}/${stage}/`;
}

export function ssmPath(prefix: string, type: string, id: string, prop: string): string {
  return `${prefix}${type}/${id}/${prop}`;
}

/** Secrets set once for every stage; like SST v2, this path ignores a custom SSM prefix. */
export function fallbackPath(app: string, type: string, id: string, prop: string): string {
  return `/sst/${app}/.fallback/${type}/${id}/${prop}`;
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
