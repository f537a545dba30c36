import { createResourceProxy } from './core/index.js';

export { load, refresh } from './core/index.js';

/**
 * Every Function bound to this code, by id. Empty here: the types nx-sst generates for your project
 * (`sst-env.d.ts`) add one member per bound Function, e.g. `{ "worker": { functionName: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface FunctionResources {}

/** `Function.worker.functionName` */
export const Function: FunctionResources = /* @__PURE__ */ createResourceProxy<FunctionResources>('Function');
