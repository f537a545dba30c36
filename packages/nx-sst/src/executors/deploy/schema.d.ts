export interface DeployExecutorSchema {
  stage?: string;
  stacks?: string[];
  bootstrap?: boolean;
  force?: boolean;
  concurrency?: number;
  verbose?: boolean;
}
