export interface SecretGeneratorSchema {
  name: string;
  bind?: string[];
  app?: string;
  stack?: string;
  wrapTargets?: string[];
  skipFormat?: boolean;
}
