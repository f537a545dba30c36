import { MissingSecretsError, missingParameterError } from './errors.js';
import { createDefaultClient, ssmReader } from './ssm.js';
import {
  currentSnapshot,
  globalState,
  peekSnapshot,
  placeholderEntries,
  processEnv,
  type Entry,
  type RetryOptions,
  type RuntimeOptions,
  type SSMClientLike,
  type Snapshot,
} from './state.js';
import { planParameters, readPlanned, type PlaceholderRequest } from '../wire.js';

export interface LoadOptions {
  /**
   * Re-fetch values fetched longer ago than this many milliseconds. A failed re-fetch keeps the
   * last good values (and waits another `maxAge` before trying again), so a long-running server can
   * call `await load({ maxAge: 60_000 })` on every request.
   * @default Infinity (fetch once per process)
   */
  maxAge?: number;
}

/**
 * Sets how the runtime talks to SSM: the client (an `SSMClient` from `@aws-sdk/client-ssm`, e.g.
 * with a custom endpoint or credentials) and the retry policy. Values are kept until changed;
 * pass `undefined` to go back to the default.
 */
export function configure(options: RuntimeOptions): void {
  Object.assign(globalState().options, options);
}

/**
 * Resolves every placeholder in this process's bindings (secrets, site URLs) with `GetParameters`:
 * 10 names per call, all calls at once, Secrets missing for the stage read from the fallback path,
 * throttling retried with backoff. Concurrent calls share one fetch; once loaded it does nothing
 * unless `maxAge` says the values are stale. Resolves at once, without loading the AWS SDK, when
 * nothing needs fetching. Rejects with `MissingSecretsError` listing every secret that is not set.
 */
export function load(options: LoadOptions = {}): Promise<void> {
  let snapshot: Snapshot;
  try {
    snapshot = currentSnapshot();
  } catch (error) {
    return Promise.reject(error);
  }
  const placeholders = placeholderEntries(snapshot);
  if (placeholders.length === 0) return Promise.resolve();
  if (placeholders.some(({ entry }) => needsFetch(entry))) return fetchInto(snapshot);
  // Every value is there: a refresh that may be running does not hold this caller up.
  if (options.maxAge === undefined || Date.now() - (snapshot.attemptedAt ?? 0) < options.maxAge) {
    return Promise.resolve();
  }
  return fetchInto(snapshot).catch((error: Error) => {
    // Stale values beat an outage; the error names what failed, never a value.
    process.emitWarning(
      `Could not refresh bound values, keeping the last ones: ${error.message}`,
      'NxSstRuntime',
    );
  });
}

/**
 * Re-fetches every SSM value now (shared with a fetch already running). On failure it rejects and
 * every value keeps its last good state.
 */
export function refresh(): Promise<void> {
  let snapshot: Snapshot;
  try {
    snapshot = currentSnapshot();
  } catch (error) {
    return Promise.reject(error);
  }
  if (placeholderEntries(snapshot).length === 0) return Promise.resolve();
  return fetchInto(snapshot);
}

/**
 * `load()` for a process that may have no bindings at all (a handler wrapper: its function may bind
 * nothing, or run in a unit test): resolves at once when there is nothing to load.
 */
export function loadIfBound(): Promise<void> {
  let snapshot: Snapshot | undefined;
  try {
    snapshot = peekSnapshot();
  } catch (error) {
    return Promise.reject(error);
  }
  return snapshot ? load() : Promise.resolve();
}

/** True when a client of these types would read a placeholder that is not resolved yet. */
export function needsLoad(types: readonly string[]): boolean {
  let snapshot: Snapshot | undefined;
  try {
    snapshot = peekSnapshot();
  } catch {
    // A malformed environment is reported when a value is read, not at import.
    return false;
  }
  if (!snapshot) return false;
  return placeholderEntries(snapshot, types).some(({ entry }) => needsFetch(entry));
}

/**
 * Not fetched yet, or a Secret that was missing (it may have been set since). A site URL found
 * missing stays settled until a refresh, so a handler calling `load()` per request does not hammer SSM.
 */
function needsFetch(entry: Entry): boolean {
  return (
    entry.value === undefined && (entry.error === undefined || entry.error instanceof MissingSecretsError)
  );
}

function fetchInto(snapshot: Snapshot): Promise<void> {
  if (snapshot.inflight) return snapshot.inflight;
  const state = globalState();
  snapshot.attemptedAt = Date.now();
  const run = (async () => {
    const client = state.options.ssmClient ?? (state.defaultClient ??= await createDefaultClient());
    await fetchPlaceholders(snapshot, client, state.options.retry);
    snapshot.fetchedAt = Date.now();
  })();
  const inflight = run.then(
    () => {
      snapshot.inflight = undefined;
    },
    (error: unknown) => {
      snapshot.inflight = undefined;
      throw error;
    },
  );
  snapshot.inflight = inflight;
  return inflight;
}

interface EntryRequest extends PlaceholderRequest {
  entry: Entry;
}

async function fetchPlaceholders(
  snapshot: Snapshot,
  client: SSMClientLike,
  retry?: RetryOptions,
): Promise<void> {
  const requests: EntryRequest[] = placeholderEntries(snapshot).map(({ type, id, prop, entry }) => ({
    type,
    id,
    prop,
    placeholder: entry.placeholder ?? '',
    entry,
  }));
  const planned = planParameters(requests, snapshot);
  const answers = await readPlanned(ssmReader(client, retry), planned);

  const missingSecrets = new Set<string>();
  const unsetEntries: { entries: Entry[]; error?: Error; secret?: string }[] = [];
  for (const [path, p] of planned) {
    const entries = p.requests.map((r) => r.entry);
    const found = answers.get(path);
    if (found) {
      for (const entry of entries) {
        entry.value = found.value;
        entry.secret = entry.secret || Boolean(found.secure);
        entry.error = undefined;
      }
    } else if (p.secret !== undefined) {
      missingSecrets.add(p.secret);
      unsetEntries.push({ entries, secret: p.secret });
    } else {
      const { type, id, prop } = p.requests[0];
      const label = type === 'Secret' || type === 'Parameter' ? `Config.${id}` : `${type}.${id}.${prop}`;
      unsetEntries.push({ entries, error: missingParameterError(label, path) });
    }
  }
  const missingError =
    missingSecrets.size > 0
      ? new MissingSecretsError(
          [...missingSecrets].sort(),
          snapshot.stage,
          processEnv()?.NX_SST_APP || undefined,
        )
      : undefined;
  for (const unset of unsetEntries) {
    // A value that vanished from SSM keeps its last good value.
    for (const entry of unset.entries)
      if (entry.value === undefined) entry.error = unset.error ?? missingError;
  }
  if (missingError) throw missingError;
}
