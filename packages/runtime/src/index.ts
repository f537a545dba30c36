export {
  MissingSecretsError,
  NotLoadedError,
  configure,
  load,
  refresh,
  type LoadOptions,
  type RetryOptions,
  type RuntimeOptions,
  type SSMClientLike,
} from './core/index.js';
