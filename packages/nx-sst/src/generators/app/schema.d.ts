export interface AppGeneratorSchema {
  name: string;
  directory?: string;
  appName?: string;
  region?: string;
  tags?: string;
  skipPackageJson?: boolean;
  skipFormat?: boolean;
}
