export interface BindGeneratorSchema {
  resource: string;
  project: string;
  app?: string;
  wrapTargets?: string[];
  skipFormat?: boolean;
}
