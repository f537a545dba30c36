export { configure, load, refresh, type LoadOptions } from './core/load.js';
export { MissingSecretsError, NotLoadedError } from './core/errors.js';
export type { RetryOptions, RuntimeOptions, SSMClientLike } from './core/state.js';
