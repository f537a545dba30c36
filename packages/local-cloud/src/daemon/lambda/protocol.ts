/** Messages between the daemon and a function's worker process (over the fork IPC channel). */

/** An unhandled error as Lambda answers it (the Invoke payload with `X-Amz-Function-Error: Unhandled`). */
export interface LambdaErrorBody {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

/** Lambda's context fields the worker passes to the handler (`getRemainingTimeInMillis` from `deadlineMs`). */
export interface ContextFields {
  awsRequestId: string;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  deadlineMs: number;
  clientContext?: unknown;
  identity?: unknown;
}

export interface InvokeMessage {
  type: 'invoke';
  id: string;
  /** The event as JSON text: parsed in the worker, like Lambda's runtime does. */
  event: string;
  context: ContextFields;
}

export type FromWorker =
  | { type: 'init'; ok: true; ms: number }
  | { type: 'init'; ok: false; error: LambdaErrorBody; ms: number }
  | { type: 'log'; text: string }
  | { type: 'result'; id: string; payload: string; rssMb: number }
  | { type: 'error'; id: string; error: LambdaErrorBody; rssMb: number };
