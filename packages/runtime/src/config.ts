import { createConfigProxy } from './core/index.js';

export { load, refresh } from './core/index.js';

/** Always present on a bound target. */
export interface ConfigTypes {
  /** The app name (`SST_APP`). */
  APP: string;
  /** The stage (`SST_STAGE`). */
  STAGE: string;
}

/** Every Parameter bound to this code; the generated types add `{ "VERSION": { value: string } }`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ParameterResources {}

/** Every Secret bound to this code; the generated types add `{ "STRIPE_KEY": { value: string } }`. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SecretResources {}

export type ConfigValues = ConfigTypes & { [K in keyof ParameterResources]: string } & {
  [K in keyof SecretResources]: string;
};

/**
 * `Config.APP`, `Config.STAGE`, and every bound Parameter and Secret by name (`Config.STRIPE_KEY`).
 * Secrets come from SSM: resolved by the top-level await of the ESM entry, or by `await load()`.
 */
export const Config: ConfigValues = /* @__PURE__ */ createConfigProxy<ConfigValues>();
