export { createNodes, createNodesV2, type NxSstPluginOptions } from './create-nodes';
export { createDependencies } from './create-dependencies';
export { createMetadata } from './create-metadata';
export { preTasksExecution } from './pre-tasks';
