// What nx-sst knows about the constructs of @nx-sst/constructs without loading TypeScript or CDK:
// the graph plugin reads this on every project graph computation.

/** The package user stacks import their constructs from. */
export const CONSTRUCTS_MODULE = '@nx-sst/constructs';

/**
 * What we know statically about each construct a stack can declare: the declared type name (as on the
 * wire), how it is written in source (`Bucket`, `Config.Secret`), the runtime client module and props
 * (docs/internals.md), and whether it is a bind target (code that runs with bindings).
 */
export interface ConstructKind {
  type: string;
  /** `['Bucket']`, or `['Config', 'Secret']` for members of a namespace export. */
  exportPath: string[];
  /** Client module under `@nx-sst/runtime/`; undefined when the construct is not bindable. */
  module?: string;
  props: string[];
  target?: 'site' | 'function' | 'service';
}

export const CONSTRUCT_KINDS: ConstructKind[] = [
  { type: 'Api', exportPath: ['Api'], module: 'api', props: ['url'] },
  // Its authenticator is a function target bound to the Auth itself.
  { type: 'Auth', exportPath: ['Auth'], module: 'auth', props: ['publicKey'], target: 'function' },
  { type: 'Bucket', exportPath: ['Bucket'], module: 'bucket', props: ['bucketName'] },
  { type: 'Cron', exportPath: ['Cron'], props: [] },
  { type: 'EventBus', exportPath: ['EventBus'], module: 'event-bus', props: ['eventBusName'] },
  {
    type: 'Function',
    exportPath: ['Function'],
    module: 'function',
    props: ['functionName'],
    target: 'function',
  },
  { type: 'KinesisStream', exportPath: ['KinesisStream'], module: 'kinesis-stream', props: ['streamName'] },
  { type: 'NextjsSite', exportPath: ['NextjsSite'], module: 'site', props: ['url'], target: 'site' },
  { type: 'Parameter', exportPath: ['Config', 'Parameter'], module: 'config', props: ['value'] },
  { type: 'Queue', exportPath: ['Queue'], module: 'queue', props: ['queueUrl'] },
  {
    type: 'RDS',
    exportPath: ['RDS'],
    module: 'rds',
    props: ['clusterArn', 'secretArn', 'defaultDatabaseName'],
  },
  { type: 'Secret', exportPath: ['Config', 'Secret'], module: 'config', props: ['value'] },
  { type: 'Service', exportPath: ['Service'], module: 'service', props: ['url'], target: 'service' },
  { type: 'StaticSite', exportPath: ['StaticSite'], module: 'site', props: ['url'], target: 'site' },
  { type: 'Table', exportPath: ['Table'], module: 'table', props: ['tableName'] },
  { type: 'Topic', exportPath: ['Topic'], module: 'topic', props: ['topicArn'] },
  { type: 'WebSocketApi', exportPath: ['WebSocketApi'], module: 'websocket-api', props: ['url', 'httpsUrl'] },
];

const KIND_BY_TYPE = new Map(CONSTRUCT_KINDS.map((k) => [k.type, k]));

export function constructKind(type: string): ConstructKind | undefined {
  return KIND_BY_TYPE.get(type);
}

/** `./libs/fns/src/index.handler` → `libs/fns/src/index` (the file, without extension). */
export function handlerFile(handler: string): string {
  const normalized = normalizeLocation(handler);
  const lastSlash = normalized.lastIndexOf('/');
  const lastDot = normalized.lastIndexOf('.');
  return lastDot > lastSlash ? normalized.slice(0, lastDot) : normalized;
}

/** Workspace-relative location with forward slashes, no `./` prefix and no trailing slash. */
export function normalizeLocation(location: string): string {
  return location
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
}
