import type { ParameterReader, ReadParameter } from '../wire.js';
import type { RetryOptions, SSMClientLike } from './state.js';

type SsmModule = {
  SSMClient: new (config: Record<string, unknown>) => SSMClientLike;
  GetParametersCommand: new (input: { Names: string[]; WithDecryption: boolean }) => unknown;
};

let sdk: Promise<SsmModule> | undefined;

/** Loads `@aws-sdk/client-ssm` on first use only: reading plain values never pays for it. */
export function loadSsmModule(): Promise<SsmModule> {
  sdk ??= import('@aws-sdk/client-ssm').then(
    (module) => module as unknown as SsmModule,
    (error: unknown) => {
      sdk = undefined;
      const wrapped = new Error(
        '@nx-sst/runtime needs "@aws-sdk/client-ssm" to fetch secrets and other SSM values, and it could not be loaded. Install it ("npm install @aws-sdk/client-ssm"); the AWS Lambda Node.js runtime already includes it.',
      );
      (wrapped as Error & { cause?: unknown }).cause = error;
      throw wrapped;
    },
  );
  return sdk;
}

/** The SDK client used when none was injected: region from `SST_REGION` (edge), else the SDK's. */
export async function createDefaultClient(): Promise<SSMClientLike> {
  const { SSMClient } = await loadSsmModule();
  // Retries are ours (withRetry), so that injected clients get them too and calls are not retried twice.
  return new SSMClient({
    maxAttempts: 1,
    ...(process.env.SST_REGION ? { region: process.env.SST_REGION } : {}),
  });
}

/**
 * The runtime's `GetParameters` (names decrypted, throttling retried with `withRetry`): the reader
 * the shared resolver of `../wire.ts` batches and calls.
 */
export function ssmReader(client: SSMClientLike, retry: RetryOptions = {}): ParameterReader {
  return async (names) => {
    const { GetParametersCommand } = await loadSsmModule();
    const response = (await withRetry(
      () => client.send(new GetParametersCommand({ Names: names, WithDecryption: true })),
      retry,
      names,
    )) as { Parameters?: { Name?: string; Value?: string; Type?: string }[] };
    const found: ReadParameter[] = [];
    for (const parameter of response.Parameters ?? []) {
      if (parameter.Name !== undefined && parameter.Value !== undefined)
        found.push({
          name: parameter.Name,
          value: parameter.Value,
          secure: parameter.Type === 'SecureString',
        });
    }
    return found;
  };
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
]);
const TRANSIENT_NETWORK = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'TimeoutError',
]);

type SdkError = {
  name?: string;
  code?: string;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
};

/** Throttling, 5xx and dropped connections are worth another try; anything else is final. */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkError;
  if (e.name && THROTTLING.has(e.name)) return true;
  if (e.$retryable) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return Boolean((e.code && TRANSIENT_NETWORK.has(e.code)) || (e.name && TRANSIENT_NETWORK.has(e.name)));
}

/**
 * Exponential backoff with full jitter (a random wait up to `base * 2^n`, capped): a herd of cold
 * starts throttled together spreads out instead of retrying in lock step. The default 20 attempts
 * (up to about 45 s of waiting, 22 s on average) let a herd that needs several seconds of SSM's
 * shared throughput wait its turn; with 10, some of 100 cold starts × 3 calls against 40 calls a
 * second ran out of attempts while the others were still being served.
 */
export async function withRetry<T>(
  call: () => Promise<T>,
  retry: RetryOptions,
  names: readonly string[],
): Promise<T> {
  const maxAttempts = retry.maxAttempts ?? 20;
  const base = retry.baseDelayMs ?? 100;
  const cap = retry.maxDelayMs ?? 3000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isRetryable(error) || attempt >= maxAttempts) {
        const e = error as Error;
        const wrapped = new Error(
          `Could not read ${names.join(', ')} from SSM${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${e.name ?? 'Error'}: ${e.message}`,
        );
        (wrapped as Error & { cause?: unknown }).cause = error;
        throw wrapped;
      }
      const delay = Math.random() * Math.min(cap, base * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
