import * as path from 'node:path';
import { loadConfigForStage, type AppConfig } from '../synth/load-app';
import { connectStage, type StageCloud } from './cloud';
import { defaultSsmPrefix } from './app-index';
import { resolveInfraApp, type InfraApp } from './workspace';

export interface CommandOptions {
  workspaceRoot: string;
  /** Folder of the infra app (absolute, or relative to `cwd`), or its project name. */
  appRoot?: string;
  stage?: string;
  cwd?: string;
}

export interface AppContext {
  workspaceRoot: string;
  infraApp: InfraApp;
  stage: string;
  config: AppConfig;
  ssmPrefix: string;
}

/** Finds the infra app, resolves the stage and reads the app's `config()`; no tree, no AWS. */
export async function resolveAppContext(opts: CommandOptions): Promise<AppContext> {
  const workspaceRoot = path.resolve(opts.workspaceRoot);
  const cwd = opts.cwd ?? process.cwd();
  const infraApp = await resolveInfraApp(workspaceRoot, cwd, opts.appRoot);
  const { config, stage } = await loadConfigForStage({
    workspaceRoot,
    appRoot: infraApp.root,
    stage: opts.stage,
  });
  return {
    workspaceRoot,
    infraApp,
    stage,
    config,
    ssmPrefix: config.ssmPrefix ?? defaultSsmPrefix(config.name, stage),
  };
}

export async function connectApp(ctx: AppContext): Promise<StageCloud> {
  return connectStage({
    workspaceRoot: ctx.workspaceRoot,
    stage: ctx.stage,
    region: ctx.config.region,
    profile: ctx.config.profile,
  });
}
