import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { NxSstError } from '../core/errors';

interface LockInfo {
  pid: number;
  host: string;
  command: string;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock of one app and stage in this workspace (`.sst/locks/`), so a second deploy or
 * remove of the same stage fails at once with who holds it, instead of racing on CloudFormation.
 * A lock left by a process that died is taken over.
 */
export function acquireStageLock(opts: {
  workspaceRoot: string;
  app: string;
  stage: string;
  command: string;
}): () => void {
  const file = path.join(opts.workspaceRoot, '.sst', 'locks', `${opts.app}.${opts.stage}.lock`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const info: LockInfo = {
    pid: process.pid,
    host: os.hostname(),
    command: opts.command,
    startedAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, JSON.stringify(info), { flag: 'wx' });
      let released = false;
      return () => {
        if (released) return;
        released = true;
        fs.rmSync(file, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      let held: LockInfo | undefined;
      try {
        held = JSON.parse(fs.readFileSync(file, 'utf8'));
      } catch {
        held = undefined;
      }
      if (held && held.host === info.host && !alive(held.pid)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      throw new NxSstError(
        `Another ${held?.command ?? 'deploy'} of ${opts.app} on the stage "${opts.stage}" is running` +
          (held ? ` (pid ${held.pid} on ${held.host}, since ${held.startedAt}).` : '.'),
        `Wait for it to finish. If it is not running any more, delete ${file}.`,
      );
    }
  }
  throw new NxSstError(`Could not take the lock ${file}.`, 'Delete it if no deploy is running.');
}
