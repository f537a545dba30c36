import { missingAppError } from './errors.js';
import {
  COMPACT_VARIABLE,
  FETCH_FROM_SECRET,
  FETCH_FROM_SSM,
  defaultSsmPrefix,
  normalizeId,
  parseCompactBindings,
  parseEnvName,
  type WireBindings,
} from './wire.js';

/** One bound value. Placeholders start without a value until `load()` fetches it. */
export interface Entry {
  value: string | undefined;
  /** Never printed by `util.inspect` or `JSON.stringify`. */
  secret: boolean;
  /** `__FETCH_FROM_SSM__` or `__FETCH_FROM_SECRET__:{name}` as the environment gave it. */
  placeholder?: string;
  /** Why the last fetch could not give this entry a value. */
  error?: Error;
}

export type Bindings = Record<string, Record<string, Record<string, Entry>>>;

/** What one process is bound to, read once from the environment (or set by a test). */
export interface Snapshot {
  app: string;
  stage: string;
  ssmPrefix: string;
  bindings: Bindings;
  /** When the placeholders were last fetched successfully (ms since epoch). */
  fetchedAt?: number;
  /** When a fetch last started; a failed refresh waits a full max age before the next. */
  attemptedAt?: number;
  inflight?: Promise<void>;
  /** The per-id objects handed out (`Bucket.public`), by type then id. */
  views: Map<string, Map<string, object>>;
}

/** Options set through `configure()`. */
export interface RuntimeOptions {
  ssmClient?: SSMClientLike;
  retry?: RetryOptions;
}

/** The part of `SSMClient` from `@aws-sdk/client-ssm` the runtime uses. */
export interface SSMClientLike {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  send(command: any): Promise<any>;
}

export interface RetryOptions {
  /** Attempts per `GetParameters` call, the first included. @default 20 */
  maxAttempts?: number;
  /** Upper bound of the first backoff; doubles per attempt, full jitter. @default 100 */
  baseDelayMs?: number;
  /** @default 3000 */
  maxDelayMs?: number;
}

interface GlobalState {
  env?: Snapshot;
  testing?: Snapshot;
  options: RuntimeOptions;
  defaultClient?: SSMClientLike;
}

// Shared through globalThis so the ESM and CJS entries, when both end up in one process (the dual
// package hazard), see one set of values and share one fetch.
const STATE_KEY = Symbol.for('@nx-sst/runtime:state@1');

export function globalState(): GlobalState {
  const holder = globalThis as unknown as Record<symbol, GlobalState | undefined>;
  let state = holder[STATE_KEY];
  if (!state) {
    state = { options: {} };
    holder[STATE_KEY] = state;
  }
  return state;
}

/**
 * The environment of this process, or undefined in a browser: a browser bundle has no `process` (Vite,
 * esbuild, Rollup), or webpack's stand-in with an empty `env` and `browser: true` (Next.js client
 * components). Either way nothing is bound there, and reading `process.env` must not throw a
 * ReferenceError that hides the reason.
 */
export function processEnv(): Record<string, string | undefined> | undefined {
  if (typeof process === 'undefined' || !process || typeof process.env !== 'object' || !process.env) {
    return undefined;
  }
  if ((process as { browser?: unknown }).browser === true) return undefined;
  return process.env;
}

/** The bindings of this process, or undefined when `SST_APP` is not set. Never throws for that. */
export function peekSnapshot(): Snapshot | undefined {
  const state = globalState();
  if (state.testing) return state.testing;
  if (!state.env) {
    const env = processEnv();
    if (!env?.SST_APP) return undefined;
    state.env = snapshotFromEnv(env);
  }
  return state.env;
}

/** The bindings of this process; throws the "nothing is bound here" error without `SST_APP`. */
export function currentSnapshot(): Snapshot {
  const snapshot = peekSnapshot();
  if (!snapshot) throw missingAppError(processEnv());
  return snapshot;
}

export function snapshotFromEnv(env: Record<string, string | undefined>): Snapshot {
  const app = env.SST_APP ?? '';
  const stage = env.SST_STAGE ?? '';
  const snapshot = newSnapshot(app, stage, env.SST_SSM_PREFIX || defaultSsmPrefix(app, stage));
  const compact = env[COMPACT_VARIABLE];
  if (compact) {
    const wire: WireBindings = parseCompactBindings(compact);
    for (const [type, ids] of Object.entries(wire)) {
      for (const [id, props] of Object.entries(ids)) {
        for (const [prop, value] of Object.entries(props))
          addWireValue(snapshot, type, normalizeId(id), prop, value);
      }
    }
  }
  // Individual variables win over the compact one, so one value can be overridden locally.
  for (const name of Object.keys(env)) {
    const parsed = parseEnvName(name);
    const value = env[name];
    if (parsed && value !== undefined) addWireValue(snapshot, parsed.type, parsed.id, parsed.prop, value);
  }
  return snapshot;
}

export function newSnapshot(app: string, stage: string, ssmPrefix: string): Snapshot {
  return { app, stage, ssmPrefix, bindings: dictionary(), views: new Map() };
}

export function addWireValue(
  snapshot: Snapshot,
  type: string,
  id: string,
  prop: string,
  value: string,
): void {
  const isPlaceholder = value === FETCH_FROM_SSM || value.startsWith(FETCH_FROM_SECRET);
  setEntry(snapshot, type, id, prop, {
    value: isPlaceholder ? undefined : value,
    // An Auth's keys are SecureStrings too (its prefix is not).
    secret:
      type === 'Secret' || (type === 'Auth' && prop !== 'prefix') || value.startsWith(FETCH_FROM_SECRET),
    placeholder: isPlaceholder ? value : undefined,
  });
}

export function setEntry(snapshot: Snapshot, type: string, id: string, prop: string, entry: Entry): void {
  const ids = (snapshot.bindings[type] ??= dictionary());
  const props = (ids[id] ??= dictionary());
  props[prop] = entry;
}

// Without a prototype, an id such as "toString" or "constructor" is only there when bound.
function dictionary<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Every entry that holds a placeholder, with where it sits. */
export function placeholderEntries(
  snapshot: Snapshot,
  types?: readonly string[],
): { type: string; id: string; prop: string; entry: Entry }[] {
  const found: { type: string; id: string; prop: string; entry: Entry }[] = [];
  for (const type of types ?? Object.keys(snapshot.bindings)) {
    const ids = snapshot.bindings[type];
    if (!ids) continue;
    for (const id of Object.keys(ids)) {
      for (const prop of Object.keys(ids[id])) {
        const entry = ids[id][prop];
        if (entry.placeholder) found.push({ type, id, prop, entry });
      }
    }
  }
  return found;
}

/** Forgets the values read from the environment, so the next access reads it again. */
export function resetEnvSnapshot(): void {
  globalState().env = undefined;
}
