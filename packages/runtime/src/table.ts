import { createResourceProxy } from './core/index.js';

export { load, refresh } from './core/index.js';

/**
 * Every Table bound to this code, by id. Empty here: the types nx-sst generates for your project
 * (`sst-env.d.ts`) add one member per bound Table, e.g. `{ "orders": { tableName: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TableResources {}

/** `Table.orders.tableName` */
export const Table: TableResources = /* @__PURE__ */ createResourceProxy<TableResources>('Table');
