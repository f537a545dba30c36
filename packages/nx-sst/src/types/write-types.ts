import * as path from 'node:path';
import { recordApp } from '../core/app-index';
import { resolveInfraApp } from '../core/workspace';
import { loadApp, loadConfigForStage } from '../synth/load-app';
import { writeTypesFromModel } from './types';

/**
 * Builds the construct tree (no synthesis, no AWS, no network) and writes `{appRoot}/.sst/types`
 * and each bound project's `sst-env.d.ts`. Works before the first deploy and in CI.
 */
export async function writeTypes(opts: {
  workspaceRoot: string;
  appRoot?: string;
  stage?: string;
  cwd?: string;
}): Promise<{ written: string[] }> {
  const workspaceRoot = path.resolve(opts.workspaceRoot);
  const infraApp = await resolveInfraApp(workspaceRoot, opts.cwd ?? process.cwd(), opts.appRoot);
  const loaded = await loadConfigForStage({ workspaceRoot, appRoot: infraApp.root, stage: opts.stage });
  const { stage } = loaded;
  const { model } = await loadApp({ workspaceRoot, appRoot: infraApp.root, stage, loaded });
  recordApp({ workspaceRoot, appRoot: infraApp.root, stage, loaded, model });
  return writeTypesFromModel({
    workspaceRoot,
    appRoot: infraApp.root,
    model,
    infraApp: `${infraApp.name} (${path.relative(workspaceRoot, infraApp.root) || '.'})`,
    regenerate: `nx run ${infraApp.name}:types`,
  });
}
