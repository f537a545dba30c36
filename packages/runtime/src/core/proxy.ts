import { NotLoadedError, missingAppError, unboundError } from './errors.js';
import { peekSnapshot, processEnv, type Entry, type Snapshot } from './state.js';
import { normalizeId } from './wire.js';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const REDACTED = '[secret]';
const NOT_LOADED = '[not loaded]';
const NOT_FOUND = Symbol('not found');

/**
 * Property names that `await`, `JSON.stringify`, `util.inspect`, React, Jest, Immutable and friends
 * probe on any object. They answer like a plain object instead of throwing the unbound error
 * (SST v2's proxies threw on `then` and `toJSON`).
 */
const PROBES = new Set([
  'then',
  'toJSON',
  'constructor',
  '$$typeof',
  'asymmetricMatch',
  'nodeType',
  'tagName',
  '@@__IMMUTABLE_ITERABLE__@@',
  '@@__IMMUTABLE_RECORD__@@',
  '_isMockFunction',
  '__esModule',
  'inspect',
  'toString',
  'toLocaleString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  '__proto__',
  'prototype',
  'length',
  'name',
]);

/** How one client finds its values in the bindings. */
interface Source {
  name: string;
  keys(snapshot: Snapshot): string[];
  /** The value for a normalised key, or NOT_FOUND. May throw for a placeholder not loaded yet. */
  get(snapshot: Snapshot, key: string): unknown;
  redacted(snapshot: Snapshot): Record<string, unknown>;
}

/** `Bucket.public.bucketName`: one level of ids, each an object of props. */
export function createResourceProxy<T>(type: string): T {
  return createProxy<T>({
    name: type,
    keys: (snapshot) => Object.keys(snapshot.bindings[type] ?? {}),
    get: (snapshot, key) => (snapshot.bindings[type]?.[key] ? resourceView(snapshot, type, key) : NOT_FOUND),
    redacted: (snapshot) => {
      const out: Record<string, unknown> = {};
      for (const [id, props] of Object.entries(snapshot.bindings[type] ?? {})) out[id] = redactProps(props);
      return out;
    },
  });
}

/** `Config.STAGE`, `Config.STRIPE_KEY`: Parameters and Secrets flattened next to APP and STAGE. */
export function createConfigProxy<T>(): T {
  const entryOf = (snapshot: Snapshot, key: string): Entry | undefined =>
    snapshot.bindings.Secret?.[key]?.value ?? snapshot.bindings.Parameter?.[key]?.value;
  return createProxy<T>({
    name: 'Config',
    keys: (snapshot) => {
      const keys = new Set(['APP', 'STAGE']);
      for (const type of ['Parameter', 'Secret'])
        for (const id of Object.keys(snapshot.bindings[type] ?? {})) keys.add(id);
      return [...keys];
    },
    get: (snapshot, key) => {
      if (key === 'APP') return snapshot.app;
      if (key === 'STAGE') return snapshot.stage;
      const entry = entryOf(snapshot, key);
      return entry ? readEntry(entry, `Config.${key}`) : NOT_FOUND;
    },
    redacted: (snapshot) => {
      const out: Record<string, unknown> = { APP: snapshot.app, STAGE: snapshot.stage };
      for (const type of ['Parameter', 'Secret']) {
        for (const [id, props] of Object.entries(snapshot.bindings[type] ?? {})) {
          if (props.value) out[id] = redactEntry(props.value);
        }
      }
      return out;
    },
  });
}

function createProxy<T>(source: Source): T {
  const readOnly = (): never => {
    throw new TypeError(
      `${source.name} is read-only. In tests, use setBindings() from "@nx-sst/runtime/testing".`,
    );
  };
  const redacted = (): Record<string, unknown> => {
    const snapshot = safePeek();
    return snapshot ? source.redacted(snapshot) : {};
  };
  const handler: ProxyHandler<object> = {
    get(_target, prop) {
      if (typeof prop === 'symbol') {
        if (prop === Symbol.toStringTag) return source.name;
        if (prop === INSPECT) return () => tagged(redacted(), source.name);
        return undefined;
      }
      const snapshot = PROBES.has(prop) ? safePeek() : peekSnapshot();
      if (snapshot) {
        const value = source.get(snapshot, normalizeId(prop));
        if (value !== NOT_FOUND) return value;
      }
      if (PROBES.has(prop)) {
        // toJSON gives the same redacted view as util.inspect, so logging a client never leaks a secret.
        if (prop === 'toJSON') return redacted;
        return prop === 'then' ? undefined : (Object.prototype as Record<string, unknown>)[prop];
      }
      if (!snapshot) throw missingAppError(processEnv());
      throw unboundError(source.name, prop);
    },
    has(_target, prop) {
      if (typeof prop === 'symbol') return false;
      const snapshot = safePeek();
      return snapshot ? source.keys(snapshot).includes(normalizeId(prop)) : false;
    },
    ownKeys() {
      const snapshot = safePeek();
      return snapshot ? source.keys(snapshot) : [];
    },
    getOwnPropertyDescriptor(_target, prop) {
      if (typeof prop === 'symbol') return undefined;
      const snapshot = safePeek();
      const key = normalizeId(prop);
      if (!snapshot || !source.keys(snapshot).includes(key)) return undefined;
      // An accessor, so Object.keys() and friends list secrets without reading them.
      return { get: () => source.get(snapshot, key), enumerable: true, configurable: true };
    },
    set: readOnly,
    defineProperty: readOnly,
    deleteProperty: readOnly,
    setPrototypeOf: readOnly,
  };
  // util.inspect looks at a proxy's target, never through its traps: the custom inspect lives there.
  const target = {};
  Object.defineProperty(target, INSPECT, {
    configurable: true,
    value: () => tagged(redacted(), source.name),
  });
  return new Proxy(target, handler) as T;
}

/** The per-id object (`Bucket.public`): plain values as data properties, placeholders as getters. */
function resourceView(snapshot: Snapshot, type: string, id: string): object {
  let views = snapshot.views.get(type);
  if (!views) {
    views = new Map();
    snapshot.views.set(type, views);
  }
  let view = views.get(id);
  if (!view) {
    const props = snapshot.bindings[type][id];
    const created: Record<string, unknown> = {};
    for (const prop of Object.keys(props)) {
      const entry = props[prop];
      if (entry.placeholder) {
        Object.defineProperty(created, prop, {
          enumerable: true,
          get: () => readEntry(entry, `${type}.${id}.${prop}`),
        });
      } else {
        Object.defineProperty(created, prop, { enumerable: true, value: entry.value });
      }
    }
    Object.defineProperty(created, INSPECT, { value: () => tagged(redactProps(props), `${type}.${id}`) });
    Object.defineProperty(created, 'toJSON', { value: () => redactProps(props) });
    view = Object.freeze(created);
    views.set(id, view);
  }
  return view;
}

function readEntry(entry: Entry, label: string): string {
  if (entry.value !== undefined) return entry.value;
  throw entry.error ?? new NotLoadedError(label);
}

function redactEntry(entry: Entry): string {
  if (entry.secret) return REDACTED;
  return entry.value ?? NOT_LOADED;
}

function redactProps(props: Record<string, Entry>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [prop, entry] of Object.entries(props)) out[prop] = redactEntry(entry);
  return out;
}

function tagged(value: Record<string, unknown>, tag: string): Record<string, unknown> {
  Object.defineProperty(value, Symbol.toStringTag, { value: tag });
  return value;
}

/** For probes: inspecting or awaiting a client must not throw, even on a malformed environment. */
function safePeek(): Snapshot | undefined {
  try {
    return peekSnapshot();
  } catch {
    return undefined;
  }
}
