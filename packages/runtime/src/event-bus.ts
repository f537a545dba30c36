import { createResourceProxy } from './core/index.js';

export { load, refresh } from './core/index.js';

/**
 * Every EventBus bound to this code, by id. Empty here: the types nx-sst generates for your project
 * (`sst-env.d.ts`) add one member per bound EventBus, e.g. `{ "bus": { eventBusName: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface EventBusResources {}

/** `EventBus.bus.eventBusName` */
export const EventBus: EventBusResources = /* @__PURE__ */ createResourceProxy<EventBusResources>('EventBus');
