export interface SiteGeneratorSchema {
  project: string;
  /** Detected from the project's files when not given. */
  type?: 'nextjs' | 'vite' | 'static';
  name?: string;
  app?: string;
  stack?: string;
  wrapTargets?: string[];
  skipFormat?: boolean;
}
