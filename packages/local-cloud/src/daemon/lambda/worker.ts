/*
 * One Lambda execution environment: a process the daemon forks per concurrent invocation of a
 * function and reuses while warm. It loads the handler once (the init phase), then runs one event at
 * a time as the daemon sends them over IPC. Everything the handler logs (console, stdout, stderr)
 * travels over the same channel, in order with the result, formatted as Lambda's Node.js runtime does.
 *
 * Its environment is the function's as Lambda builds it (set by the daemon at fork); the daemon's
 * own variables never reach it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { resolveLocalhostNames } from './localhost-lookup';
import type { FromWorker, InvokeMessage, LambdaErrorBody } from './protocol';

const send = (message: FromWorker) => process.send?.(message);

let currentRequestId: string | undefined;

function logLine(level: string, args: unknown[]): void {
  const text = format(...args).replace(/\n/g, '\r');
  send({ type: 'log', text: `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${text}\n` });
}

// Lambda's Node.js runtime prefixes console output with time, request id and level.
console.log = (...args: unknown[]) => logLine('INFO', args);
console.info = (...args: unknown[]) => logLine('INFO', args);
console.warn = (...args: unknown[]) => logLine('WARN', args);
console.error = (...args: unknown[]) => logLine('ERROR', args);
console.debug = (...args: unknown[]) => logLine('DEBUG', args);
console.trace = (...args: unknown[]) => logLine('TRACE', args);
for (const stream of [process.stdout, process.stderr]) {
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    send({ type: 'log', text: typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8') });
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof stream.write;
}

/** An error as Lambda's runtime reports it: errorType, errorMessage and the stack as lines. */
export function errorBody(error: unknown, typeOverride?: string): LambdaErrorBody {
  if (error instanceof Error) {
    return {
      errorType: typeOverride ?? (error.name || error.constructor?.name || 'Error'),
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    };
  }
  return { errorType: typeOverride ?? typeof error, errorMessage: String(error), trace: [] };
}

type Handler = (
  event: unknown,
  context: unknown,
  callback?: (error: unknown, result?: unknown) => void,
) => unknown;

/** `dir/file.export`: the module path before the last dot, the export after it, as Lambda reads it. */
async function loadHandler(taskRoot: string, spec: string): Promise<Handler> {
  const dot = spec.lastIndexOf('.');
  if (dot <= 0) {
    throw Object.assign(new Error(`Bad handler ${spec}: expected FILE.EXPORT, such as index.handler`), {
      name: 'Runtime.MalformedHandlerName',
    });
  }
  const modulePath = spec.slice(0, dot);
  const exportName = spec.slice(dot + 1);
  const file = ['.js', '.mjs', '.cjs']
    .map((ext) => path.resolve(taskRoot, modulePath + ext))
    .find((candidate) => fs.existsSync(candidate));
  if (!file) {
    throw Object.assign(new Error(`Cannot find module '${modulePath}' in ${taskRoot} (.js, .mjs or .cjs)`), {
      name: 'Runtime.ImportModuleError',
    });
  }
  // An error thrown at module scope is the handler's own (a secret read at load, say): reported as is.
  const loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const fromDefault = (loaded.default as Record<string, unknown> | undefined)?.[exportName];
  const handler = loaded[exportName] ?? fromDefault;
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${spec} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return handler as Handler;
}

function run(handler: Handler, event: unknown, context: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const callback = (error: unknown, result?: unknown) => {
      if (settled) return;
      settled = true;
      if (error !== null && error !== undefined) reject(error);
      else resolve(result);
    };
    try {
      const returned = handler(event, context, callback);
      if (returned && typeof (returned as Promise<unknown>).then === 'function') {
        (returned as Promise<unknown>).then(
          (value) => callback(null, value),
          (error: unknown) => callback(error ?? new Error('the handler rejected without a reason')),
        );
      } else if (handler.length < 3) {
        // A synchronous handler without a callback answers with what it returned.
        callback(null, returned);
      }
    } catch (e) {
      callback(e);
    }
  });
}

async function main(): Promise<void> {
  // A handler may call a URL the local cloud gives in host form (a NextjsSite's bound url).
  resolveLocalhostNames();
  const taskRoot = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const spec = process.env._HANDLER ?? 'index.handler';
  const started = process.hrtime.bigint();
  let handler: Handler;
  try {
    handler = await loadHandler(taskRoot, spec);
  } catch (e) {
    const body = errorBody(e, e instanceof Error && e.name.startsWith('Runtime.') ? e.name : undefined);
    logLine('ERROR', [`Uncaught Exception \t${JSON.stringify(body)}`]);
    send({ type: 'init', ok: false, error: body, ms: Number(process.hrtime.bigint() - started) / 1e6 });
    return;
  }
  send({ type: 'init', ok: true, ms: Number(process.hrtime.bigint() - started) / 1e6 });

  process.on('message', (message: InvokeMessage) => {
    if (message.type !== 'invoke') return;
    void (async () => {
      currentRequestId = message.context.awsRequestId;
      const deadline = message.context.deadlineMs;
      const context = {
        ...message.context,
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      };
      delete (context as { deadlineMs?: number }).deadlineMs;
      try {
        const result = await run(handler, JSON.parse(message.event) as unknown, context);
        // Lambda serializes the result with JSON.stringify; undefined becomes null.
        const payload = JSON.stringify(result === undefined ? null : result) ?? 'null';
        send({ type: 'result', id: message.id, payload, rssMb: process.memoryUsage().rss / 2 ** 20 });
      } catch (e) {
        const body = errorBody(e);
        logLine('ERROR', [`Invoke Error \t${JSON.stringify(body)}`]);
        send({ type: 'error', id: message.id, error: body, rssMb: process.memoryUsage().rss / 2 ** 20 });
      } finally {
        currentRequestId = undefined;
      }
    })();
  });
}

// The daemon is gone (stopped, or killed with SIGKILL): so is every environment it ran, even one
// whose handler left a timer running.
process.on('disconnect', () => process.exit(0));

// A rejection or exception nobody handles ends the environment, as in Lambda (the daemon reports it).
process.on('unhandledRejection', (reason) => {
  const text = `${new Date().toISOString()}\t${currentRequestId}\tERROR\tUnhandled Promise Rejection \t${JSON.stringify(errorBody(reason))}\n`;
  if (process.send) process.send({ type: 'log', text } satisfies FromWorker, () => process.exit(128));
  else process.exit(128);
});

void main();
