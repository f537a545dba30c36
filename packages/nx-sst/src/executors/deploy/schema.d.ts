export interface DeployExecutorSchema {
  stage?: string;
  stacks?: string[];
  bootstrap?: boolean;
  concurrency?: number;
  verbose?: boolean;
}
