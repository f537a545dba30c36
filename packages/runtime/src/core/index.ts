// Everything the entry points use from the core. The build bundles the core into this one file per
// format, so importing a client loads two small files instead of eight.
export { CLIENT_MODULES } from './modules.js';
export { MissingSecretsError, NotLoadedError } from './errors.js';
export { configure, load, loadIfBound, needsLoad, refresh, type LoadOptions } from './load.js';
export { createConfigProxy, createResourceProxy } from './proxy.js';
export {
  globalState,
  newSnapshot,
  resetEnvSnapshot,
  setEntry,
  type RetryOptions,
  type RuntimeOptions,
  type SSMClientLike,
} from './state.js';
export { defaultSsmPrefix, normalizeId } from './wire.js';
