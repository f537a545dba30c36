export type ResourceType =
  | 'bucket'
  | 'table'
  | 'topic'
  | 'queue'
  | 'event-bus'
  | 'kinesis-stream'
  | 'function'
  | 'api'
  | 'rds'
  | 'cron'
  | 'parameter';

export interface ResourceGeneratorSchema {
  type: ResourceType;
  name: string;
  bind?: string[];
  /** Also give the values to browser code of bound Next.js sites (`NEXT_PUBLIC_*` environment entries). */
  client?: boolean;
  app?: string;
  stack?: string;
  handler?: string;
  value?: string;
  wrapTargets?: string[];
  skipFormat?: boolean;
}
