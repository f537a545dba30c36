import { createResourceProxy } from './core/index.js';

export { load, refresh } from './core/index.js';

/**
 * Every RDS bound to this code, by id. Empty here: the types nx-sst generates for your project
 * (`sst-env.d.ts`) add one member per bound RDS, e.g. `{ "db": { clusterArn: string; secretArn: string; defaultDatabaseName: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RDSResources {}

/** `RDS.db.clusterArn` */
export const RDS: RDSResources = /* @__PURE__ */ createResourceProxy<RDSResources>('RDS');
