export {
  App,
  use,
  type AppProps,
  type ConfigOptions,
  type FunctionalStack,
  type FunctionalStackProps,
  type ProjectRef,
  type RemovalPolicyName,
  type SSTConfig,
  type StackContext,
} from './app';
export { Stack, type StackProps } from './stack';
export { registerBindable } from './bindable';
export {
  envKeyFor,
  fallbackParameterPathFor,
  isBindable,
  normalizeId,
  parameterPathFor,
  PLACEHOLDER_SECRET_PREFIX,
  PLACEHOLDER_SSM,
  type Bindable,
  type BindableSecret,
  type BindingPermission,
  type BindingProps,
  type BindingResource,
  type BindingVariable,
} from './binding';
export { COMPACT_BINDINGS_VAR, LAMBDA_ENV_LIMIT, type BindTarget, type BindTargetKind } from './bind-target';
export {
  projectManifestName,
  targetManifestName,
  type ProjectBindManifest,
  type TargetBindManifest,
} from './bind-manifest';
export type { BindingModel } from './binding-model';
export {
  Function,
  type CdkFunctionOptions,
  type FunctionCopyFilesProps,
  type FunctionDefinition,
  type FunctionProps,
  type FunctionRuntime,
  type FunctionUrlCorsProps,
  type FunctionUrlProps,
} from './function';
export type { Permission, Permissions } from './permissions';
export type { DurationText, SizeText } from './units';
export type { NodejsBundleProps } from './bundle';
export { Bucket, type BucketProps } from './bucket';
export { Table, type TableFieldType, type TableIndexProps, type TableProps, type TableStream } from './table';
export { Topic, type TopicProps } from './topic';
export { Queue, type QueueProps } from './queue';
export { EventBus, type EventBusProps, type EventBusRuleProps } from './event-bus';
export { KinesisStream, type KinesisStreamProps } from './kinesis-stream';
export {
  Api,
  type ApiAuthorizer,
  type ApiCorsProps,
  type ApiFunctionRouteProps,
  type ApiHttpRouteProps,
  type ApiJwtAuthorizer,
  type ApiLambdaAuthorizer,
  type ApiProps,
  type ApiRouteProps,
  type ApiUserPoolAuthorizer,
} from './api';
export { Cron, type CronJobProps, type CronProps } from './cron';
export { RDS, type RDSEngine, type RDSProps } from './rds';
export { Auth, type AuthAttachProps, type AuthProps } from './auth';
export { Secret } from './secret';
export { Parameter, type ParameterProps } from './parameter';
export { Config } from './config';
export { StaticSite, type StaticSiteProps } from './static-site';
export { NextjsSite, type NextjsSiteProps } from './nextjs-site';
export { CLIENT_VISIBLE_PREFIXES } from './site-environment';
