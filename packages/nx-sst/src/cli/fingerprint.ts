import { createHash } from 'node:crypto';
import * as path from 'node:path';

/**
 * `node <nx-sst>/dist/cli/fingerprint.js <projectRoot>`: the runtime input Nx hashes into a bound
 * project's tasks (see the plugin). Prints one line that changes when what the project's bound tasks
 * read changes — stage, bound values, role, each secret's SSM version — and never a value. It always
 * exits 0: a failed hash input would fail the whole Nx run, so a binding that cannot be read prints
 * a line naming that (hashed), and the task itself then reports why.
 */
async function main(): Promise<string> {
  const projectRoot = process.argv[2];
  if (!projectRoot) return 'no project root given';
  const workspaceRoot = process.cwd();
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- inside the try: an engine that fails to load still gives a line and exit 0
    const { openBinding } = require('../bind/bind') as typeof import('../bind/bind');
    const session = await openBinding({
      workspaceRoot,
      cwd: path.resolve(workspaceRoot, projectRoot),
      env: process.env,
      assumeRole: false,
    });
    session.close();
    return `${session.stage} ${session.fingerprint}`;
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    return `unavailable ${createHash('sha256').update(message).digest('hex').slice(0, 16)}`;
  }
}

main().then((line) => process.stdout.write(`${line}\n`, () => process.exit(0)));
