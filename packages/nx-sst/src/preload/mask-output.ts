import { SecretMasker } from '../bind/mask';

/** `never`: a bound task's process writes its output unmasked (default: masked, terminal or not). */
export const MASK_PROCESS_OUTPUT = 'NX_SST_MASK';

/** How long a possible start of a secret at the end of a write waits for the rest. */
const HOLD_MS = 25;

/**
 * Masks secret values in everything this process writes to stdout and stderr. A bound task's output
 * is masked whether or not it is a terminal: Nx keeps a cacheable task's terminal output in its
 * cache, and secrets never go there. A write that ends with the start of a secret is held back until
 * the next write, a short pause or the process's exit shows whether the secret follows.
 */
export function installOutputMasking(secrets: string[]): void {
  for (const stream of [process.stdout, process.stderr] as const) {
    const masker = new SecretMasker(secrets);
    if (!masker.active) return;
    const write = stream.write.bind(stream) as (chunk: string, cb?: (err?: Error | null) => void) => boolean;
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      timer = undefined;
      const rest = masker.flush();
      if (rest) write(rest);
    };
    stream.write = function maskedWrite(
      chunk: string | Uint8Array,
      encoding?: BufferEncoding | ((err?: Error | null) => void),
      cb?: (err?: Error | null) => void,
    ): boolean {
      if (typeof encoding === 'function') {
        cb = encoding;
        encoding = undefined;
      }
      const bytes =
        typeof chunk === 'string'
          ? encoding && encoding !== 'utf8' && encoding !== 'utf-8'
            ? Buffer.from(chunk, encoding)
            : chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      const masked = masker.write(bytes);
      clearTimeout(timer);
      timer = setTimeout(flush, HOLD_MS);
      timer.unref();
      return write(masked, cb);
    } as typeof stream.write;
    process.once('exit', () => {
      clearTimeout(timer);
      flush();
    });
  }
}
