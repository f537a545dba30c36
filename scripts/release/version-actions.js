// How `nx release version` reads and writes the versions of our npm packages (nx.json release.version
// .versionActions). Nx's own implementation for package.json files lives in @nx/js, which is not
// installed here (we use none of its executors or generators, and no @nx/js matches our Nx 24).
//
// The contract (nx/release VersionActions): read a project's version from its package.json, write the new
// one, and update the specifiers other released packages give it. A specifier that accepts any version
// (`*`, `file:`) is kept; an exact one (`0.1.0`) or a caret or tilde one (`^0.1.0`) gets the new version
// with the same prefix, so `nx-sst` keeps requiring exactly the `@nx-sst/*` it was released with.
const { execFile } = require('node:child_process');
const { join } = require('node:path');
const { VersionActions } = require('nx/release');

const DEPENDENCY_TYPES = ['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'];

function readJson(tree, file) {
  return JSON.parse(tree.read(file, 'utf-8'));
}

// The layout Prettier gives package.json (its json-stringify parser): JSON.stringify's, with a newline.
function writeJson(tree, file, json) {
  tree.write(file, `${JSON.stringify(json, null, 2)}\n`);
}

/** The specifier to write for `version` in place of `current`; undefined to keep `current`. */
function nextSpecifier(current, version) {
  if (current === '*' || current === '' || current === 'latest' || /^(file|link|workspace):/.test(current))
    return undefined;
  const prefix = /^[\^~]/.exec(current)?.[0] ?? '';
  return `${prefix}${version}`;
}

class PackageJsonVersionActions extends VersionActions {
  validManifestFilenames = ['package.json'];

  get manifestPath() {
    return join(this.projectGraphNode.data.root, 'package.json');
  }

  async readCurrentVersionFromSourceManifest(tree) {
    const { version } = readJson(tree, this.manifestPath);
    if (typeof version !== 'string')
      throw new Error(`${this.manifestPath} has no "version": set one (e.g. "0.1.0") before releasing.`);
    return { currentVersion: version, manifestPath: this.manifestPath };
  }

  async readCurrentVersionFromRegistry() {
    // nx.json sets currentVersionResolver "disk": a release never asks the registry.
    throw new Error(
      `${this.projectGraphNode.name}: versions are read from package.json (release.version.currentVersionResolver "disk" in nx.json), not from the registry.`,
    );
  }

  async readCurrentVersionOfDependency(tree, projectGraph, dependencyProjectName) {
    const json = readJson(tree, this.manifestPath);
    const name = projectGraph.nodes[dependencyProjectName]?.data.metadata?.js?.packageName;
    for (const type of DEPENDENCY_TYPES) {
      const current = json[type]?.[name];
      if (current !== undefined) return { currentVersion: current, dependencyCollection: type };
    }
    return { currentVersion: null, dependencyCollection: null };
  }

  async updateProjectVersion(tree, newVersion) {
    const logs = [];
    for (const { manifestPath } of this.manifestsToUpdate) {
      writeJson(tree, manifestPath, { ...readJson(tree, manifestPath), version: newVersion });
      logs.push(`New version ${newVersion} written to ${manifestPath}`);
    }
    return logs;
  }

  async updateProjectDependencies(tree, projectGraph, dependenciesToUpdate) {
    const logs = [];
    for (const { manifestPath } of this.manifestsToUpdate) {
      const json = readJson(tree, manifestPath);
      const updated = [];
      for (const [project, version] of Object.entries(dependenciesToUpdate)) {
        const name = projectGraph.nodes[project]?.data.metadata?.js?.packageName;
        if (!name) throw new Error(`The project graph has no package name for project "${project}".`);
        for (const type of DEPENDENCY_TYPES) {
          const current = json[type]?.[name];
          if (current === undefined) continue;
          const next = nextSpecifier(current, version);
          if (next === undefined || next === current) continue;
          json[type][name] = next;
          updated.push(`${name} ${current} -> ${next} (${type})`);
        }
      }
      if (updated.length === 0) continue;
      writeJson(tree, manifestPath, json);
      logs.push(`Updated in ${manifestPath}: ${updated.join(', ')}`);
    }
    return logs;
  }
}

/**
 * After every package.json is written: the lockfile records each workspace package's version and the
 * specifiers between them, so `npm ci` would refuse it until it is refreshed. Not in a dry run, which must
 * not touch the tree or the network.
 */
async function afterAllProjectsVersioned(cwd, { dryRun }) {
  if (dryRun) return { changedFiles: [], deletedFiles: [] };
  await new Promise((resolve, reject) =>
    execFile(
      'npm',
      ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'],
      { cwd },
      (error) => (error ? reject(error) : resolve()),
    ),
  );
  return { changedFiles: ['package-lock.json'], deletedFiles: [] };
}

module.exports = PackageJsonVersionActions;
module.exports.default = PackageJsonVersionActions;
module.exports.afterAllProjectsVersioned = afterAllProjectsVersioned;
module.exports.nextSpecifier = nextSpecifier;
