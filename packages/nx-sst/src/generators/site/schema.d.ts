export interface SiteGeneratorSchema {
  project: string;
  type?: 'nextjs' | 'static';
  name?: string;
  app?: string;
  stack?: string;
  wrapTargets?: string[];
  skipFormat?: boolean;
}
