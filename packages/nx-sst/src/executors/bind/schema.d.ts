export interface BindExecutorSchema {
  command?: string;
  args?: string[];
  wrapTarget?: string;
  cwd?: string;
  stage?: string;
  target?: string;
  script?: boolean;
  app?: string;
  mask?: string;
  likeLambda?: boolean;
  readyUrl?: string;
}
