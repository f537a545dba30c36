// Loaded with `--require` (NODE_OPTIONS) into every Node process that `nx-sst bind` or the task preload
// binds to the `local` stage. The AWS SDK v3 reads AWS_ENDPOINT_URL; the AWS SDK v2 (`aws-sdk`) reads
// no endpoint variable at all, so without this it sends local requests, signed with the local
// cloud's keys, to AWS. Two parts:
//   - when aws-sdk v2 loads, its global config gets the local cloud as the endpoint of every service
//     (and S3's path style, which one endpoint for all buckets needs), also after it is replaced;
//   - a guard on Node's http/https refuses any signed request to an AWS host, whatever sent it (a copy
//     of aws-sdk loaded where the first part cannot see it, a client given an explicit endpoint).
// Both are installed lazily from Module._load: a process that never requires aws-sdk, http or https
// pays one extra check per require and loads nothing.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, whose _load is wrapped: `import * as` (esModuleInterop) gives a copy with getters
import Module = require('node:module');

import * as path from 'node:path';

/** Set with the local cloud's endpoint in a process bound to `local`; the hook does nothing without it. */
export const LOCAL_CLOUD_VAR = 'NX_SST_LOCAL_CLOUD';

/**
 * The file NODE_OPTIONS names with `--require`: the built one, also when this module runs from its
 * TypeScript source (a spec calling runBound), where no `.js` sits beside it.
 */
export const LOCAL_AWS_PRELOAD = __filename.endsWith('.ts')
  ? path.resolve(__dirname, '../../dist/preload/local-aws-register.js')
  : path.join(__dirname, 'local-aws-register.js');

/**
 * `NODE_OPTIONS` with `--require` of the hook once (`local`), or without it (any other stage),
 * whatever else it holds.
 */
export function withLocalAwsPreload(nodeOptions: string | undefined, local: boolean): string {
  const rest = (nodeOptions ?? '')
    .split(/\s+(?=--)/)
    .filter(
      (part) => part && !/^--require=?"?.*[\\/]preload[\\/]local-aws-register\.js"?$/.test(part.trim()),
    );
  return [...rest, ...(local ? [`--require="${LOCAL_AWS_PRELOAD}"`] : [])].join(' ').trim();
}

/** Hosts of AWS's own endpoints (commercial, China, dual-stack `api.aws`). */
const AWS_HOST = /(^|\.)(amazonaws\.com|amazonaws\.com\.cn|api\.aws)\.?$/i;

interface AwsV2Config {
  update(options: Record<string, unknown>, allowUnknownKeys?: boolean): void;
}

interface AwsV2Core {
  VERSION: string;
  config: AwsV2Config;
  Config: new (...args: unknown[]) => AwsV2Config;
}

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;

let installed: string | undefined;

/**
 * Points aws-sdk v2 at `endpoint` and refuses signed requests to AWS hosts, in this process. Once
 * per process; a second call with another endpoint is refused (a process is bound to one cloud).
 */
export function installLocalAws(endpoint: string): void {
  if (installed !== undefined) {
    if (installed !== endpoint)
      throw new Error(
        `nx-sst: this process already sends AWS requests to ${installed}; it cannot switch to ${endpoint}.`,
      );
    return;
  }
  installed = endpoint;
  // The local cloud names some endpoints by `*.localhost` host (a NextjsSite's bound url), which Node
  // does not resolve by itself: the local cloud's own workers resolve them so, and so does this process.
  const { resolveLocalhostNames } =
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: bind and the preload import this module for its constants; only installLocalAws needs the lookup and node:dns (~1.5 ms)
    require('@nx-sst/local-cloud/dist/daemon/lambda/localhost-lookup') as { resolveLocalhostNames(): void };
  resolveLocalhostNames();
  const localHost = new URL(endpoint).host;
  const cores = new WeakSet<object>();
  let guarded = false;
  const guardHttp = (): void => {
    if (guarded) return;
    guarded = true;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: runs once the process loads http or https (see below), so one that never does loads neither (~3 ms); and the module objects themselves are patched
    for (const mod of [require('node:http'), require('node:https')] as Array<Record<string, unknown>>) {
      for (const name of ['request', 'get']) {
        const original = mod[name] as (...args: unknown[]) => unknown;
        mod[name] = function guardedRequest(this: unknown, ...args: unknown[]) {
          refuseAwsRequest(args, localHost, endpoint);
          return original.apply(this, args);
        };
      }
    }
  };
  const configure = (core: AwsV2Core): void => {
    if (cores.has(core)) return;
    cores.add(core);
    const local = { endpoint, s3ForcePathStyle: true };
    let config = core.config;
    config.update(local);
    // aws-sdk replaces its global config once while loading (lib/node_loader.js), and code may assign
    // a new one: each gets the local endpoint.
    Object.defineProperty(core, 'config', {
      configurable: true,
      enumerable: true,
      get: () => config,
      set(next: AwsV2Config) {
        config = next;
        next?.update?.(local);
      },
    });
  };

  const mod = Module as unknown as { _load: Load; _cache: Record<string, { exports: unknown }> };
  const load = mod._load;
  mod._load = function loadWatchingAws(request, parent, isMain) {
    const exports = load.call(this, request, parent, isMain);
    // aws-sdk's own modules reach its core as './core', '../lib/core' or './lib/core'.
    if (request.endsWith('core')) {
      if (isAwsV2Core(exports)) configure(exports);
    } else if (!guarded && /^(node:)?https?$/.test(request)) guardHttp();
    return exports;
  };
  // Whatever loaded before this hook (an in-process install by the task preload).
  for (const [file, cached] of Object.entries(mod._cache)) {
    if (/[\\/]aws-sdk[\\/]lib[\\/]core\.js$/.test(file) && isAwsV2Core(cached.exports))
      configure(cached.exports);
  }
  const loaded = (process as { moduleLoadList?: string[] }).moduleLoadList;
  if (loaded?.some((m) => m === 'NativeModule http' || m === 'NativeModule https')) guardHttp();
}

function isAwsV2Core(value: unknown): value is AwsV2Core {
  const core = value as Partial<AwsV2Core> | null;
  // Own properties first: a module still loading (a require cycle) has exports whose prototype warns
  // on every missing property read.
  return (
    typeof core === 'object' &&
    core !== null &&
    Object.hasOwn(core, 'VERSION') &&
    Object.hasOwn(core, 'Config') &&
    Object.hasOwn(core, 'config') &&
    typeof core.VERSION === 'string' &&
    core.VERSION.startsWith('2.') &&
    typeof core.Config === 'function' &&
    typeof core.config?.update === 'function'
  );
}

/** Throws when the request `http.request(...args)` would make is a signed request to an AWS host. */
function refuseAwsRequest(args: unknown[], localHost: string, endpoint: string): void {
  let host: string | undefined;
  let headers: Record<string, unknown> | undefined;
  for (const arg of args) {
    if (typeof arg === 'string') host ??= safeHost(arg);
    else if (arg instanceof URL) host ??= arg.hostname;
    else if (arg && typeof arg === 'object') {
      const options = arg as { hostname?: string; host?: string; headers?: Record<string, unknown> };
      host = options.hostname ?? options.host?.replace(/:\d+$/, '') ?? host;
      headers = options.headers ?? headers;
    }
  }
  if (!host || !AWS_HOST.test(host) || host === localHost) return;
  const names = Object.keys(headers ?? {}).map((h) => h.toLowerCase());
  if (!names.some((h) => h === 'authorization' || h === 'x-amz-date' || h === 'x-amz-security-token')) return;
  const error = new Error(
    `nx-sst: refused a signed request to ${host}: this process is bound to the local stage, whose requests go to the local cloud (${endpoint}), never to AWS. ` +
      'A client given its own endpoint, or a copy of aws-sdk v2 bundled into the code (which nx-sst cannot configure), sends it there: drop that endpoint, or let the client read AWS_ENDPOINT_URL ' +
      '(aws-sdk v2: new AWS.DynamoDB({ endpoint: process.env.AWS_ENDPOINT_URL, s3ForcePathStyle: true })).',
  ) as Error & { code: string; retryable: boolean };
  error.code = 'NxSstNotLocal';
  error.retryable = false;
  throw error;
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
