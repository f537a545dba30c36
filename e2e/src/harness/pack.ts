import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runStep } from './run';
import { repoRoot, userEnv } from './workspace';

/** name → absolute path of the packed tarball */
export type Tarballs = Record<string, string>;

/** Builds our four packages and packs them with `npm pack`, exactly as they would be published. */
export async function buildAndPack(outDir: string): Promise<Tarballs> {
  await runStep(
    'build and pack the packages',
    `node scripts/pack-packages.mjs --out ${JSON.stringify(outDir)}`,
    {
      cwd: repoRoot,
      env: userEnv(),
      timeoutMs: 10 * 60_000,
    },
  );
  return JSON.parse(readFileSync(join(outDir, 'tarballs.json'), 'utf8')) as Tarballs;
}
