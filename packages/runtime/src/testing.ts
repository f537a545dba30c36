import type { ApiResources } from './api.js';
import type { BucketResources } from './bucket.js';
import type { ParameterResources, SecretResources } from './config.js';
import {
  defaultSsmPrefix,
  globalState,
  newSnapshot,
  normalizeId,
  resetEnvSnapshot,
  setEntry,
} from './core/index.js';
import type { EventBusResources } from './event-bus.js';
import type { FunctionResources } from './function.js';
import type { KinesisStreamResources } from './kinesis-stream.js';
import type { QueueResources } from './queue.js';
import type { RDSResources } from './rds.js';
import type { ServiceResources } from './service.js';
import type { NextjsSiteResources, StaticSiteResources } from './site.js';
import type { TableResources } from './table.js';
import type { TopicResources } from './topic.js';
import type { WebSocketApiResources } from './websocket-api.js';

/** What a unit test binds, typed by your generated types: `{ Bucket: { public: { bucketName: 'b' } } }`. */
export interface TestBindings {
  Bucket?: Partial<BucketResources>;
  Table?: Partial<TableResources>;
  Topic?: Partial<TopicResources>;
  Queue?: Partial<QueueResources>;
  EventBus?: Partial<EventBusResources>;
  KinesisStream?: Partial<KinesisStreamResources>;
  Function?: Partial<FunctionResources>;
  Api?: Partial<ApiResources>;
  WebSocketApi?: Partial<WebSocketApiResources>;
  RDS?: Partial<RDSResources>;
  NextjsSite?: Partial<NextjsSiteResources>;
  StaticSite?: Partial<StaticSiteResources>;
  Service?: Partial<ServiceResources>;
  /** `{ auth: { publicKey: '-----BEGIN PUBLIC KEY-----…' } }`; the authenticator's also `privateKey` and `prefix`. */
  Auth?: Record<string, { publicKey: string; privateKey?: string; prefix?: string }>;
  /** `Config.NAME` values of Parameters: `{ VERSION: '1.2.3' }`. */
  Parameter?: { [K in keyof ParameterResources]?: string };
  /** `Config.NAME` values of Secrets: `{ STRIPE_KEY: 'sk_test_…' }`. */
  Secret?: { [K in keyof SecretResources]?: string };
}

export interface TestBindingOptions {
  /** `Config.APP`. @default 'test' */
  app?: string;
  /** `Config.STAGE`. @default 'test' */
  stage?: string;
}

/**
 * Makes every client read exactly these bindings, without environment variables or AWS, until
 * `resetBindings()`. Replaces whatever was set before; what is not listed reads as unbound.
 */
export function setBindings(bindings: TestBindings, options: TestBindingOptions = {}): void {
  const app = options.app ?? 'test';
  const stage = options.stage ?? 'test';
  const snapshot = newSnapshot(app, stage, defaultSsmPrefix(app, stage));
  for (const [type, ids] of Object.entries(bindings as Record<string, Record<string, unknown> | undefined>)) {
    for (const [id, value] of Object.entries(ids ?? {})) {
      if (value === undefined) continue;
      if (type === 'Secret' || type === 'Parameter') {
        if (typeof value !== 'string') throw new TypeError(`setBindings: ${type}.${id} must be a string.`);
        setEntry(snapshot, type, normalizeId(id), 'value', { value, secret: type === 'Secret' });
        continue;
      }
      if (typeof value !== 'object' || value === null) {
        throw new TypeError(
          `setBindings: ${type}.${id} must be an object of props, e.g. { bucketName: '…' }.`,
        );
      }
      for (const [prop, propValue] of Object.entries(value as Record<string, unknown>)) {
        if (typeof propValue !== 'string')
          throw new TypeError(`setBindings: ${type}.${id}.${prop} must be a string.`);
        // An Auth's keys are secrets on the wire (SecureStrings): never printed.
        setEntry(snapshot, type, normalizeId(id), prop, {
          value: propValue,
          secret: type === 'Auth' && prop !== 'prefix',
        });
      }
    }
  }
  globalState().testing = snapshot;
}

/**
 * Back to the environment: forgets what `setBindings()` set, and re-reads `process.env` on the next
 * access (so a test may change `SST_*` variables between cases).
 */
export function resetBindings(): void {
  globalState().testing = undefined;
  resetEnvSnapshot();
}
