// Types of version-actions.js, for the spec that drives it (e2e/src/release).
import type { ProjectGraph, Tree } from '@nx/devkit';
import type { AfterAllProjectsVersioned, VersionActions } from 'nx/release';

declare class PackageJsonVersionActions extends VersionActions {
  validManifestFilenames: string[];
  readCurrentVersionFromSourceManifest(tree: Tree): Promise<{ currentVersion: string; manifestPath: string }>;
  readCurrentVersionFromRegistry(): Promise<never>;
  readCurrentVersionOfDependency(
    tree: Tree,
    projectGraph: ProjectGraph,
    dependencyProjectName: string,
  ): Promise<{ currentVersion: string | null; dependencyCollection: string | null }>;
  updateProjectVersion(tree: Tree, newVersion: string): Promise<string[]>;
  updateProjectDependencies(
    tree: Tree,
    projectGraph: ProjectGraph,
    dependenciesToUpdate: Record<string, string>,
  ): Promise<string[]>;
}

declare namespace PackageJsonVersionActions {
  const afterAllProjectsVersioned: AfterAllProjectsVersioned;
  function nextSpecifier(current: string, version: string): string | undefined;
}

export = PackageJsonVersionActions;
