import {
  addDependenciesToPackageJson,
  formatFiles,
  readNxJson,
  runTasksInSerial,
  updateNxJson,
  type GeneratorCallback,
  type Tree,
} from '@nx/devkit';
import { SYNC_GENERATOR } from '../../plugin/create-nodes';
import { awsCdkLibVersion, constructsVersion, nxSstVersion } from '../utils/versions';
import type { InitGeneratorSchema } from './schema';

export const PLUGIN_NAME = 'nx-sst';

/**
 * What `nx add nx-sst` runs. The plugin infers every target it needs (with their inputs, outputs and
 * `dependsOn`), so nx.json only gets the plugin entry and the sync generator — no target defaults to
 * keep in step.
 */
export async function initGenerator(
  tree: Tree,
  options: InitGeneratorSchema = {},
): Promise<GeneratorCallback> {
  registerPlugin(tree);
  registerSyncGenerator(tree);
  ignoreStateDirectory(tree);

  const tasks: GeneratorCallback[] = [];
  if (!options.skipPackageJson && tree.exists('package.json')) {
    tasks.push(
      addDependenciesToPackageJson(
        tree,
        { '@nx-sst/runtime': nxSstVersion },
        {
          'nx-sst': nxSstVersion,
          '@nx-sst/constructs': nxSstVersion,
          'aws-cdk-lib': awsCdkLibVersion,
          constructs: constructsVersion,
        },
        undefined,
        options.keepExistingVersions ?? true,
      ),
    );
  }
  if (!options.skipFormat) await formatFiles(tree);
  return runTasksInSerial(...tasks);
}

function registerPlugin(tree: Tree): void {
  const nxJson = readNxJson(tree) ?? {};
  const plugins = nxJson.plugins ?? [];
  const registered = plugins.some((p) => (typeof p === 'string' ? p : p.plugin) === PLUGIN_NAME);
  if (registered) return;
  nxJson.plugins = [...plugins, PLUGIN_NAME];
  updateNxJson(tree, nxJson);
}

/**
 * `nx sync` and `nx sync:check` run the sync generators that some task of the graph names and those in
 * `sync.globalGenerators`. The plugin names `nx-sst:sync` on bound projects' targets; listing it here
 * too makes both commands see it in every layout, even before any project is bound.
 */
function registerSyncGenerator(tree: Tree): void {
  const nxJson = readNxJson(tree) ?? {};
  const globalGenerators = nxJson.sync?.globalGenerators ?? [];
  if (globalGenerators.includes(SYNC_GENERATOR)) return;
  nxJson.sync = { ...nxJson.sync, globalGenerators: [...globalGenerators, SYNC_GENERATOR] };
  updateNxJson(tree, nxJson);
}

/** `.sst/` holds the personal stage, the local cloud's state and build output: never committed. */
function ignoreStateDirectory(tree: Tree): void {
  const current = tree.exists('.gitignore') ? tree.read('.gitignore', 'utf-8')! : '';
  const lines = current.split(/\r?\n/).map((l) => l.trim());
  if (lines.some((l) => l === '.sst' || l === '.sst/' || l === '/.sst' || l === '**/.sst')) return;
  const prefix = current === '' || current.endsWith('\n') ? current : `${current}\n`;
  tree.write('.gitignore', `${prefix}\n# nx-sst\n.sst\n`.replace(/^\n/, ''));
}

export default initGenerator;
