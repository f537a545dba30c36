import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Writes a file whole or not at all: into a temporary file beside it, then renamed over it, so a
 * reader (tsc, an editor, another nx-sst process) never sees half a file. Creates the folder.
 */
export function writeAtomic(file: string, content: string | Uint8Array, mode?: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, content, mode === undefined ? undefined : { mode });
  fs.renameSync(tmp, file);
}
