// The package entry is what `plugins: ["nx-sst"]` in nx.json loads: keep it to the graph plugin, so
// computing the project graph never loads the deploy engine.
export {
  createNodes,
  createNodesV2,
  createDependencies,
  createMetadata,
  preTasksExecution,
  type NxSstPluginOptions,
} from './plugin';
