import { NxSstError } from './errors';

/*
 * Errors that are expected in normal use (a cloud that throttles or went away, moto not installed,
 * a bundling failure wrapped by toolkit-lib) told as one line with the fix, instead of the stack
 * trace of the SDK or of toolkit-lib that reportError would otherwise print.
 */

type ErrorLike = Error & {
  code?: string;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
};

/**
 * The error codes AWS services answer when a caller goes too fast (the SDK's retry strategy's list,
 * less the codes that may also mean a quota is reached).
 */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

/** The error and its causes, outermost first (toolkit-lib wraps what the assembly builder threw). */
function chain(error: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  for (let e = error; e instanceof Error && out.length < 10 && !out.includes(e as ErrorLike);) {
    out.push(e as ErrorLike);
    e = (e as ErrorLike).cause;
  }
  return out;
}

export function isThrottling(error: unknown): boolean {
  return chain(error).some(
    (e) => THROTTLING.has(e.name) || e.$retryable?.throttling === true || e.$metadata?.httpStatusCode === 429,
  );
}

const LOOPBACK_REFUSED = /ECONNREFUSED (127\.\d+\.\d+\.\d+|localhost|::1|\[::1\]):(\d+)/;

/**
 * The message a failure should show: the innermost cause that says more than its wrapper. toolkit-lib
 * reports any error of the app's synthesis as "Assembly builder failed", with the real one as `cause`.
 */
export function failureMessage(error: unknown): string {
  const errors = chain(error);
  if (!errors.length) return String(error);
  const wrapped = errors.findIndex((e) => e.message === 'Assembly builder failed');
  const shown = wrapped >= 0 && errors[wrapped + 1] ? errors[wrapped + 1] : errors[0];
  return shown.message || shown.name || String(shown);
}

/**
 * An expected error told as an NxSstError (message and fix), or undefined when `error` is not one we
 * know. `local` says whether the command talked to the local cloud (a refused loopback connection
 * then means it stopped); `what` names the command that failed ("The deploy of shop…").
 */
export function explainError(
  error: unknown,
  opts: { local?: boolean; what?: string } = {},
): NxSstError | undefined {
  const errors = chain(error);
  const first = errors[0];
  if (!first) return undefined;
  const prefix = opts.what ? `${opts.what}: ` : '';
  const moto = errors.find((e) => e.name === 'MotoMissingError');
  if (moto) {
    const detail = /\n\((.*)\)$/s.exec(moto.message)?.[1];
    return new NxSstError(
      `${prefix}The local cloud needs moto in server mode (Python)${detail ? `, and ${detail}` : ''}.`,
      'Install it with: pip install "moto[server]" (then moto_server is on PATH), or use a stage on AWS with --stage.',
    );
  }
  const refused = errors.map((e) => LOOPBACK_REFUSED.exec(e.message ?? '')).find(Boolean);
  if (refused && opts.local !== false) {
    return new NxSstError(
      `${prefix}The local cloud stopped answering (connection to 127.0.0.1:${refused[2]} refused); ` +
        'its daemon was stopped or killed while the command ran.',
      'Run the command again: the local cloud starts by itself. Check it with: nx-sst local status',
    );
  }
  if (isThrottling(error)) {
    const e = errors.find((x) => THROTTLING.has(x.name)) ?? first;
    return new NxSstError(
      `${prefix}AWS throttled the requests (${e.name}: ${e.message}) and the SDK's retries did not get through.`,
      'Wait a moment and run the command again; if it keeps happening, something else in the account is calling the same API often.',
    );
  }
  return undefined;
}
