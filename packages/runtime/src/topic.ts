import { createResourceProxy } from './core/index.js';

export { load, refresh } from './core/index.js';

/**
 * Every Topic bound to this code, by id. Empty here: the types nx-sst generates for your project
 * (`sst-env.d.ts`) add one member per bound Topic, e.g. `{ "events": { topicArn: string } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface TopicResources {}

/** `Topic.events.topicArn` */
export const Topic: TopicResources = /* @__PURE__ */ createResourceProxy<TopicResources>('Topic');
