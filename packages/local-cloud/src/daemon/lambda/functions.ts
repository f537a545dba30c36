import { createHash, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { unzipSync } from 'fflate';
import { Sha256 } from '../auth';
import { awsError } from '../aws-errors';
import { SERVICE_PRINCIPAL_HEADER, type Exchange, type Outlet } from '../front';
import type { WireRequest, WireResponse } from '../moto-client';
import { AsyncInvocations } from './async';
import { EnvironmentPool, type EnvironmentSpec, type LogSink, type Outcome } from './pool';

/** The daemon's own way into the cloud: signed with the workspace's keys, through the front's gate. */
export type InternalCall = (request: WireRequest) => Promise<WireResponse>;

export interface LocalLambdaOptions {
  /** The state directory: code under `functions/code`, logs under `functions/logs`. */
  stateDir: string;
  /** `http://127.0.0.1:PORT`: the endpoint a function's SDK clients use. */
  endpoint: string;
  region: string;
  /** The workspace's keys (the administrator's when IAM is enforced): the daemon assumes roles with them. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  internal: InternalCall;
  /**
   * Changes with every write to the cloud (the journal's next sequence number): what the daemon read
   * from moto (a function's configuration) is reused until then.
   */
  version?: () => number;
  /** Idle environments end after this. Default 10 minutes. */
  idleMs?: number;
  /** Environments of all functions together. Default 32. */
  maxEnvironments?: number;
  /**
   * With IAM enforced: has moto's access control judge a client's signed `Invoke` (as
   * lambda:InvokeFunction on the function) without running it; 204 when allowed, else the answer to give.
   */
  authorize?: (request: WireRequest) => Promise<WireResponse>;
  /** A factor on Lambda's waits before an asynchronous invocation runs again (specs shorten them). Default 1. */
  retryDelayScale?: number;
}

/** A function's configuration as Lambda's GetFunction answers it (the fields we use). */
export interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Runtime?: string;
  Role: string;
  Handler?: string;
  Timeout?: number;
  MemorySize?: number;
  Version?: string;
  CodeSha256?: string;
  LastModified?: string;
  PackageType?: string;
  Environment?: { Variables?: Record<string, string> };
  DeadLetterConfig?: { TargetArn?: string };
}

export interface InvokeResult extends Outcome {
  requestId: string;
  /** This invocation's log lines (START … REPORT), for `LogType: Tail`. */
  log: string;
  executedVersion: string;
}

export { AUTHORIZE_ONLY_HEADER } from '../front';

/** Lambda answers `Invoke` on this path (`Qualifier` in the query). */
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

const LAMBDA_PROTOCOL = 'rest-json' as const;

function errorAnswer(status: number, code: string, message: string): WireResponse {
  const error = awsError(LAMBDA_PROTOCOL, status, code, message);
  return { status: error.status, headers: error.headers, body: Buffer.from(error.body) };
}

/** Where the SDK the daemon runs with lives: functions find `@aws-sdk/*` there, as Lambda provides it. */
function sdkScopeDir(): string | undefined {
  try {
    let dir = path.dirname(require.resolve('@aws-sdk/client-ssm'));
    while (path.basename(dir) !== '@aws-sdk') {
      const up = path.dirname(dir);
      if (up === dir) return undefined;
      dir = up;
    }
    return dir;
  } catch {
    return undefined;
  }
}

/** A zip entry's name as a path inside the task root, or undefined when it would escape it. */
function safeEntry(root: string, name: string): string | undefined {
  const target = path.resolve(root, name);
  return target === root || target.startsWith(root + path.sep) ? target : undefined;
}

/**
 * Runs the Node.js functions deployed to the local cloud, as Lambda would, in worker processes on
 * this machine: moto stores functions (its Lambda needs Docker to run them); the front answers
 * `Invoke` here instead. See docs/local-cloud.md "Functions run locally".
 */
export class LocalLambda {
  readonly pool: EnvironmentPool;
  /** Where `Event` invocations and topic notifications run, with Lambda's retries and destinations. */
  readonly events: AsyncInvocations;
  private readonly codeDir: string;
  private readonly logDir: string;
  private readonly unpacking = new Map<string, Promise<string>>();
  private readonly sessions = new Map<string, { env: Promise<Record<string, string>>; renewAt: number }>();
  private readonly logs = new Map<string, fs.WriteStream>();
  private readonly sdkDir = sdkScopeDir();
  private readonly configs = new Map<string, { version: number; config: FunctionConfiguration }>();
  private readonly reserved = new Map<string, { version: number; limit: number | undefined }>();
  /** Invocations of each function running now (its reserved concurrency counts them). */
  private readonly inflight = new Map<string, number>();

  constructor(private readonly options: LocalLambdaOptions) {
    this.pool = new EnvironmentPool({
      idleMs: options.idleMs ?? 10 * 60_000,
      maxEnvironments: options.maxEnvironments ?? 32,
    });
    this.events = new AsyncInvocations(this, {
      retryDelayScale: options.retryDelayScale,
      log: (functionName, line) =>
        this.logStream(functionName).write(`${new Date().toISOString()} ${line}\n`),
    });
    this.codeDir = path.join(options.stateDir, 'functions', 'code');
    this.logDir = path.join(options.stateDir, 'functions', 'logs');
  }

  /** The outlet the front consults for Lambda API calls it answers itself. */
  outlet(): Outlet {
    return { call: (exchange) => this.answerApi(exchange) };
  }

  close(): void {
    this.events.stop();
    this.pool.close();
    for (const stream of this.logs.values()) stream.end();
  }

  /** The log file of a function: Lambda's START/END/REPORT lines and what the handler logged. */
  logFile(functionName: string): string {
    return path.join(this.logDir, `${functionName}.log`);
  }

  /** A request of the daemon's own (moto's internal routes), through the gate. */
  internalCall(request: WireRequest): Promise<WireResponse> {
    return this.options.internal(request);
  }

  /** A call of the cloud's API by the daemon, signed with the workspace's keys, through the gate. */
  async signed(
    service: string,
    method: string,
    pathAndQuery: string,
    headers: Record<string, string>,
    body: Buffer,
  ): Promise<WireResponse> {
    const url = new URL(pathAndQuery, this.options.endpoint);
    const signer = new SignatureV4({
      credentials: this.options.credentials,
      region: this.options.region,
      service,
      sha256: Sha256,
    });
    const signedRequest = await signer.sign({
      method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: { ...headers, host: url.host },
      body: body.length > 0 ? new Uint8Array(body) : undefined,
    });
    return this.options.internal({
      method,
      url: url.pathname + url.search,
      headers: signedRequest.headers as Record<string, string>,
      body,
    });
  }

  /** GetFunction through the front (a read). Undefined when moto answered an error (passed on). */
  async configuration(
    nameOrArn: string,
    qualifier?: string,
  ): Promise<{ config: FunctionConfiguration } | { answer: WireResponse }> {
    const key = `${nameOrArn}\n${qualifier ?? ''}`;
    const version = this.options.version?.();
    const cached = this.configs.get(key);
    if (version !== undefined && cached?.version === version) return { config: cached.config };
    const query = qualifier ? `?Qualifier=${encodeURIComponent(qualifier)}` : '';
    const answer = await this.signed(
      'lambda',
      'GET',
      `/2015-03-31/functions/${encodeURIComponent(nameOrArn)}${query}`,
      {},
      Buffer.alloc(0),
    );
    if (answer.status !== 200) return { answer };
    const { Configuration } = JSON.parse(answer.body.toString('utf8')) as {
      Configuration: FunctionConfiguration;
    };
    // Reads wait for writes at the gate, so nothing changed between `version` and this answer.
    if (version !== undefined) this.configs.set(key, { version, config: Configuration });
    return { config: Configuration };
  }

  /** The unpacked code of a function version, cached by its SHA-256 (the same bundle is unpacked once). */
  private async taskRoot(config: FunctionConfiguration): Promise<string> {
    const sha = Buffer.from(config.CodeSha256 ?? '', 'base64').toString('hex') || 'unknown';
    const known = this.unpacking.get(sha);
    if (known) return known;
    const done = this.unpack(config, sha);
    this.unpacking.set(sha, done);
    done.catch(() => this.unpacking.delete(sha));
    return done;
  }

  private async unpack(config: FunctionConfiguration, sha: string): Promise<string> {
    const dir = path.join(this.codeDir, sha);
    const root = path.join(dir, 'task');
    if (fs.existsSync(root)) return root;
    const [, , , region, account] = config.FunctionArn.split(':');
    const query = new URLSearchParams({ account, region, name: config.FunctionArn });
    const answer = await this.options.internal({
      method: 'GET',
      url: `/moto-api/nx-sst/lambda-code?${query}`,
      headers: {},
      body: Buffer.alloc(0),
    });
    if (answer.status !== 200)
      throw new Error(`could not read the code of ${config.FunctionName} from moto (HTTP ${answer.status})`);
    fs.mkdirSync(this.codeDir, { recursive: true, mode: 0o700 });
    const staging = fs.mkdtempSync(path.join(this.codeDir, '.unpack-'));
    try {
      const files = unzipSync(new Uint8Array(answer.body));
      const stagedRoot = path.join(staging, 'task');
      fs.mkdirSync(stagedRoot, { recursive: true });
      for (const [name, data] of Object.entries(files)) {
        const target = safeEntry(stagedRoot, name);
        if (!target)
          throw new Error(`the zip of ${config.FunctionName} has an entry outside its root: ${name}`);
        if (name.endsWith('/')) {
          fs.mkdirSync(target, { recursive: true });
          continue;
        }
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, data);
      }
      // `@aws-sdk/*` resolves from above the task root, as Lambda's runtime provides the SDK.
      if (this.sdkDir) {
        fs.mkdirSync(path.join(staging, 'node_modules'), { recursive: true });
        fs.symlinkSync(this.sdkDir, path.join(staging, 'node_modules', '@aws-sdk'), 'dir');
      }
      fs.mkdirSync(path.dirname(dir), { recursive: true });
      try {
        fs.renameSync(staging, dir);
      } catch (e) {
        // Another daemon of this state directory (after a restart) unpacked it first.
        if (!fs.existsSync(root)) throw e;
        fs.rmSync(staging, { recursive: true, force: true });
      }
    } catch (e) {
      fs.rmSync(staging, { recursive: true, force: true });
      throw e;
    }
    return root;
  }

  /**
   * The credentials of the function's role, as Lambda hands them to its environment: a session of
   * the role, assumed on the local cloud (a journaled write, so once per role until it nears expiry).
   */
  private roleSession(config: FunctionConfiguration): Promise<Record<string, string>> {
    const key = `${config.Role}\n${config.FunctionName}`;
    const cached = this.sessions.get(key);
    if (cached && cached.renewAt > Date.now()) return cached.env;
    // One session for concurrent cold starts: environments with other keys would not be reused.
    const entry = { env: this.assumeRole(config, (renewAt) => (entry.renewAt = renewAt)), renewAt: Infinity };
    this.sessions.set(key, entry);
    entry.env.catch(() => this.sessions.delete(key));
    return entry.env;
  }

  private async assumeRole(
    config: FunctionConfiguration,
    renewAt: (at: number) => void,
  ): Promise<Record<string, string>> {
    const form = new URLSearchParams({
      Action: 'AssumeRole',
      Version: '2011-06-15',
      RoleArn: config.Role,
      RoleSessionName: config.FunctionName.slice(0, 64),
      DurationSeconds: '3600',
    });
    const answer = await this.signed(
      'sts',
      'POST',
      '/',
      // As Lambda does it: the trust policy of a function's role names the Lambda service.
      {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        [SERVICE_PRINCIPAL_HEADER]: 'lambda.amazonaws.com',
      },
      Buffer.from(form.toString()),
    );
    const text = answer.body.toString('utf8');
    const field = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(text)?.[1];
    const id = field('AccessKeyId');
    const secret = field('SecretAccessKey');
    const token = field('SessionToken');
    if (answer.status !== 200 || !id || !secret || !token) {
      const reason = field('Message') ?? `HTTP ${answer.status}`;
      throw Object.assign(
        new Error(
          `The role defined for the function cannot be assumed by Lambda. (${config.Role}: ${reason})`,
        ),
        { code: 'InvalidParameterValueException' },
      );
    }
    const env = { AWS_ACCESS_KEY_ID: id, AWS_SECRET_ACCESS_KEY: secret, AWS_SESSION_TOKEN: token };
    const expires = Date.parse(field('Expiration') ?? '') || Date.now() + 3600_000;
    // Renewed well before expiry: a warm environment keeps the keys it started with.
    renewAt(expires - 15 * 60_000);
    return env;
  }

  private logStream(functionName: string): fs.WriteStream {
    let stream = this.logs.get(functionName);
    if (!stream) {
      fs.mkdirSync(this.logDir, { recursive: true, mode: 0o700 });
      stream = fs.createWriteStream(this.logFile(functionName), { flags: 'a', mode: 0o600 });
      this.logs.set(functionName, stream);
    }
    return stream;
  }

  /** The environment variables Lambda sets, then the function's own. */
  private environment(
    config: FunctionConfiguration,
    taskRoot: string,
    session: Record<string, string>,
  ): Record<string, string> {
    const version = config.Version ?? '$LATEST';
    const memory = String(config.MemorySize ?? 128);
    const runtime = config.Runtime ?? 'nodejs22.x';
    return {
      // The user's ~/.aws files are not Lambda's: an SDK in the function must not read a profile there.
      AWS_CONFIG_FILE: path.join(path.dirname(taskRoot), 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(path.dirname(taskRoot), 'aws-credentials'),
      ...(config.Environment?.Variables ?? {}),
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: 'UTC',
      _HANDLER: config.Handler ?? 'index.handler',
      LAMBDA_TASK_ROOT: taskRoot,
      LAMBDA_RUNTIME_DIR: path.dirname(taskRoot),
      AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: config.FunctionName,
      AWS_LAMBDA_FUNCTION_VERSION: version,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory,
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${config.FunctionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: `local/[${version}]${randomUUID().replace(/-/g, '')}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      AWS_REGION: this.options.region,
      AWS_DEFAULT_REGION: this.options.region,
      // What makes the function's SDK clients (and @nx-sst/runtime's SSM reads) use the local cloud.
      AWS_ENDPOINT_URL: this.options.endpoint,
      ...session,
    };
  }

  /**
   * Runs a function once and waits for its answer. Errors of the handler are in the result (as
   * Lambda reports them); a thrown error is a failure to run it at all (unknown function, bad role).
   */
  async invoke(
    config: FunctionConfiguration,
    event: string,
    extra: { clientContext?: unknown; identity?: unknown; requestId?: string } = {},
  ): Promise<InvokeResult> {
    const runtime = config.Runtime ?? '';
    if (config.PackageType === 'Image' || !runtime.startsWith('nodejs')) {
      throw Object.assign(
        new Error(
          `The nx-sst local cloud runs Node.js functions only; ${config.FunctionName} has ${config.PackageType === 'Image' ? 'a container image' : `the runtime ${runtime || '(none)'}`}.`,
        ),
        { code: 'InvalidRuntimeException', status: 502 },
      );
    }
    const limit = await this.reservedConcurrency(config);
    const running = this.inflight.get(config.FunctionArn) ?? 0;
    if (limit !== undefined && running >= limit) {
      throw Object.assign(new Error('Rate Exceeded.'), {
        code: 'TooManyRequestsException',
        status: 429,
        reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
      });
    }
    // Counted before the first await that follows, so concurrent calls cannot both pass the check.
    this.inflight.set(config.FunctionArn, running + 1);
    try {
      return await this.run(config, event, extra);
    } finally {
      this.inflight.set(config.FunctionArn, (this.inflight.get(config.FunctionArn) ?? 1) - 1);
    }
  }

  /** The function's reserved concurrency (`PutFunctionConcurrency`), read again only after a write. */
  private async reservedConcurrency(config: FunctionConfiguration): Promise<number | undefined> {
    const version = this.options.version?.();
    const cached = this.reserved.get(config.FunctionArn);
    if (version !== undefined && cached?.version === version) return cached.limit;
    const answer = await this.signed(
      'lambda',
      'GET',
      `/2019-09-30/functions/${encodeURIComponent(config.FunctionName)}/concurrency`,
      {},
      Buffer.alloc(0),
    );
    let limit: number | undefined;
    if (answer.status === 200) {
      const value = (
        JSON.parse(answer.body.toString('utf8') || '{}') as { ReservedConcurrentExecutions?: unknown }
      ).ReservedConcurrentExecutions;
      limit = typeof value === 'number' ? value : undefined;
    }
    if (version !== undefined) this.reserved.set(config.FunctionArn, { version, limit });
    return limit;
  }

  private async run(
    config: FunctionConfiguration,
    event: string,
    extra: { clientContext?: unknown; identity?: unknown; requestId?: string },
  ): Promise<InvokeResult> {
    const runtime = config.Runtime ?? '';
    const [taskRoot, session] = await Promise.all([this.taskRoot(config), this.roleSession(config)]);
    const env = this.environment(config, taskRoot, session);
    const memoryMb = config.MemorySize ?? 128;
    const timeoutMs = (config.Timeout ?? 3) * 1000;
    const spec: EnvironmentSpec = {
      key: createHash('sha256')
        .update(
          JSON.stringify([
            config.FunctionArn,
            config.CodeSha256,
            config.Handler,
            config.Environment,
            memoryMb,
            runtime,
            session.AWS_ACCESS_KEY_ID,
          ]),
        )
        .digest('hex'),
      functionArn: config.FunctionArn,
      taskRoot,
      env,
      memoryMb,
      idleLog: this.logStream(config.FunctionName),
    };
    // An asynchronous invocation's attempts share its request id, as on AWS.
    const requestId = extra.requestId ?? randomUUID();
    const version = config.Version ?? '$LATEST';
    const file = this.logStream(config.FunctionName);
    let tail = '';
    const logs: LogSink = {
      write(text) {
        file.write(text);
        tail += text;
        // Only the last 4 KB are returned; keep a little more than that.
        if (tail.length > 16_384) tail = tail.slice(-8192);
      },
    };
    logs.write(`START RequestId: ${requestId} Version: ${version}\n`);
    const outcome = await this.pool.invoke(
      spec,
      event,
      {
        awsRequestId: requestId,
        functionName: config.FunctionName,
        functionVersion: version,
        invokedFunctionArn: config.FunctionArn,
        memoryLimitInMB: String(memoryMb),
        logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
        logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
        deadlineMs: 0,
        ...(extra.clientContext !== undefined ? { clientContext: extra.clientContext } : {}),
        ...(extra.identity !== undefined ? { identity: extra.identity } : {}),
      },
      timeoutMs,
      logs,
    );
    const init = outcome.initMs !== undefined ? `\tInit Duration: ${outcome.initMs.toFixed(2)} ms` : '';
    logs.write(`END RequestId: ${requestId}\n`);
    logs.write(
      `REPORT RequestId: ${requestId}\tDuration: ${outcome.durationMs.toFixed(2)} ms\tBilled Duration: ${Math.max(1, Math.ceil(outcome.durationMs))} ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: ${Math.ceil(outcome.maxMemoryMb)} MB${init}\n`,
    );
    return { ...outcome, requestId, log: tail, executedVersion: version };
  }

  /** Lambda's `Invoke` on the wire: RequestResponse, Event and DryRun. */
  private async answerApi(exchange: Exchange): Promise<WireResponse | undefined> {
    const { request, info } = exchange;
    if (info.service !== 'lambda' || request.method !== 'POST') return undefined;
    const url = new URL(request.url, 'http://local');
    const match = INVOKE_PATH.exec(url.pathname);
    if (!match) return undefined;
    const name = decodeURIComponent(match[1]);
    const qualifier = url.searchParams.get('Qualifier') ?? undefined;
    const type = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (!['RequestResponse', 'Event', 'DryRun'].includes(type)) {
      return errorAnswer(
        400,
        'InvalidParameterValueException',
        `Unsupported invocation type ${type}: use RequestResponse, Event or DryRun.`,
      );
    }
    if (this.options.authorize) {
      // Judged before anything else, as on AWS: an unknown function is no answer for a caller who may not invoke.
      const verdict = await this.options.authorize(request);
      if (verdict.status === 403) {
        // moto's access control answers in XML whatever the service; Lambda's clients read rest-json.
        const text = verdict.body.toString('utf8');
        const message =
          /<Message>([^<]*)<\/Message>/.exec(text)?.[1] ??
          (/"[mM]essage"\s*:\s*"([^"]*)"/.exec(text)?.[1] || 'Access denied: lambda:InvokeFunction');
        const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? /"__type"\s*:\s*"([^"]*)"/.exec(text)?.[1];
        // A bad signature or an unknown key keeps its own code; a policy refusal is Lambda's AccessDeniedException.
        return errorAnswer(403, !code || code === 'AccessDenied' ? 'AccessDeniedException' : code, message);
      }
      if (verdict.status !== 204) return verdict;
    }
    const found = await this.configuration(name, qualifier);
    if ('answer' in found) return found.answer;
    const { config } = found;
    if (type === 'DryRun')
      return { status: 204, headers: { 'x-amzn-requestid': randomUUID() }, body: Buffer.alloc(0) };

    let event = request.body.toString('utf8');
    if (event.trim() === '') event = '{}';
    try {
      JSON.parse(event);
    } catch (e) {
      return errorAnswer(
        400,
        'InvalidRequestContentException',
        `Could not parse request body into json: ${(e as Error).message}`,
      );
    }
    let clientContext: unknown;
    const rawContext = request.headers['x-amz-client-context'];
    if (rawContext) {
      try {
        clientContext = JSON.parse(Buffer.from(rawContext, 'base64').toString('utf8'));
      } catch {
        return errorAnswer(
          400,
          'InvalidRequestContentException',
          'X-Amz-Client-Context must be base64-encoded JSON.',
        );
      }
    }

    const run = () => this.invoke(config, event, { clientContext });
    if (type === 'Event') {
      // Accepted at once and run in the background, with Lambda's retries; its log shows how it went.
      const requestId = this.events.accept(config, event, { clientContext });
      return { status: 202, headers: { 'x-amzn-requestid': requestId }, body: Buffer.alloc(0) };
    }
    let result: InvokeResult;
    try {
      result = await run();
    } catch (e) {
      const error = e as Error & { code?: string; status?: number; reason?: string };
      const answer = errorAnswer(error.status ?? 400, error.code ?? 'ServiceException', error.message);
      if (error.reason) {
        // Lambda names why it throttled (the SDK exposes it as `Reason`).
        const body = JSON.parse(answer.body.toString('utf8')) as Record<string, unknown>;
        answer.body = Buffer.from(JSON.stringify({ ...body, Reason: error.reason }));
      }
      return answer;
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amzn-requestid': result.requestId,
      'x-amz-executed-version': result.executedVersion,
    };
    if (result.error) headers['x-amz-function-error'] = 'Unhandled';
    if (request.headers['x-amz-log-type'] === 'Tail') {
      headers['x-amz-log-result'] = Buffer.from(lastBytes(result.log, 4096)).toString('base64');
    }
    return { status: 200, headers, body: Buffer.from(result.payload) };
  }
}

/** The last `limit` bytes of a text, cut at a character boundary. */
function lastBytes(text: string, limit: number): Buffer {
  const bytes = Buffer.from(text);
  if (bytes.length <= limit) return bytes;
  let start = bytes.length - limit;
  // Skip UTF-8 continuation bytes so the cut starts on a character.
  while (start < bytes.length && (bytes[start] & 0xc0) === 0x80) start++;
  return bytes.subarray(start);
}
