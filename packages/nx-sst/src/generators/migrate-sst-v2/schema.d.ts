export interface MigrateSstV2GeneratorSchema {
  /** The Nx project holding the SST v2 app (sst.config.ts at its root); omitted: the app at the workspace root. */
  project?: string;
  /** Do not run the package manager's install after package.json files change. */
  skipInstall?: boolean;
}
