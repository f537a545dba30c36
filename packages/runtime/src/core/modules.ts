/**
 * The client modules (`@nx-sst/runtime/<module>`) and the binding types each one reads. The build
 * generates the ESM entries' top-level await from this table, and checks the package's exports map.
 */
export const CLIENT_MODULES: Readonly<Record<string, readonly string[]>> = {
  bucket: ['Bucket'],
  table: ['Table'],
  topic: ['Topic'],
  queue: ['Queue'],
  'event-bus': ['EventBus'],
  'kinesis-stream': ['KinesisStream'],
  function: ['Function'],
  api: ['Api'],
  'websocket-api': ['WebSocketApi'],
  rds: ['RDS'],
  site: ['NextjsSite', 'StaticSite'],
  service: ['Service'],
  config: ['Parameter', 'Secret'],
  auth: ['Auth'],
};
