/**
 * An error the user can act on: the message names the thing that is wrong and the fix. The CLI
 * prints it without our stack trace; anything else that escapes is a bug and keeps its stack.
 */
export class NxSstError extends Error {
  constructor(
    message: string,
    /** What to do about it, printed on its own line. */
    readonly hint?: string,
    /** Exit code for the CLI. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'NxSstError';
  }
}

export function isNxSstError(error: unknown): error is NxSstError {
  return error instanceof Error && error.name === 'NxSstError';
}
