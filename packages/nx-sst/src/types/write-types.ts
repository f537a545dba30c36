import * as path from 'node:path';
import { recordApp } from '../core/app-index';
import { recordReads } from '../core/inputs';
import { explicitStage, resolveInfraApp } from '../core/workspace';
import { saveTypesRecord, unchangedTypes } from './types-cache';

/**
 * Builds the construct tree (no synthesis, no AWS, no network) and writes `{appRoot}/.sst/types`
 * and each bound project's `sst-env.d.ts`. Works before the first deploy and in CI. While what the
 * last run read and wrote is unchanged (see `types-cache.ts`), it loads neither the app nor Nx:
 * it would write the same bytes.
 */
export async function writeTypes(opts: {
  workspaceRoot: string;
  appRoot?: string;
  stage?: string;
  cwd?: string;
  /** Build the tree and write even when the types record says nothing changed. */
  force?: boolean;
}): Promise<{ written: string[]; fromRecord?: boolean }> {
  const startedAt = Date.now();
  const workspaceRoot = path.resolve(opts.workspaceRoot);
  const infraApp = await resolveInfraApp(workspaceRoot, opts.cwd ?? process.cwd(), opts.appRoot);
  const unchanged = opts.force
    ? undefined
    : unchangedTypes({
        workspaceRoot,
        appRoot: infraApp.root,
        explicitStage: explicitStage({ flag: opts.stage }),
      });
  if (unchanged) {
    recordApp({ workspaceRoot, appRoot: infraApp.root, ...unchanged });
    return { written: [], fromRecord: true };
  }
  const startEnv = { ...process.env };
  const reads = recordReads();
  let result: { written: string[] };
  let done: Parameters<typeof recordApp>[0];
  try {
    const { loadApp, loadConfigForStage } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: the unchanged path above runs no app (~3.5 ms here, and what it leads to: esbuild, the app's aws-cdk-lib)
      require('../synth/load-app') as typeof import('../synth/load-app');
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy: nor writes types (~100 ms)
    const { writeTypesFromModel } = require('./types') as typeof import('./types');
    const loaded = await loadConfigForStage({ workspaceRoot, appRoot: infraApp.root, stage: opts.stage });
    const { stage } = loaded;
    const { model } = await loadApp({ workspaceRoot, appRoot: infraApp.root, stage, loaded });
    done = { workspaceRoot, appRoot: infraApp.root, stage, loaded, model };
    recordApp(done);
    result = writeTypesFromModel({
      workspaceRoot,
      appRoot: infraApp.root,
      model,
      infraApp: `${infraApp.name} (${path.relative(workspaceRoot, infraApp.root) || '.'})`,
      regenerate: `nx run ${infraApp.name}:types`,
    });
  } finally {
    reads.stop();
  }
  saveTypesRecord({
    workspaceRoot,
    appRoot: infraApp.root,
    stage: done.stage,
    loaded: done.loaded,
    model: done.model,
    reads,
    startEnv,
    startedAt,
    written: result.written,
  });
  return result;
}
