export interface BindExecutorSchema {
  command?: string;
  args?: string[];
  wrapTarget?: string;
  cwd?: string;
  stage?: string;
  target?: string;
  script?: boolean;
  app?: string;
  readyUrl?: string;
}
