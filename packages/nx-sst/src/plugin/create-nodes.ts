import {
  createNodesFromFiles,
  type CreateNodes,
  type CreateNodesContext,
  type CreateNodesResult,
  type TargetConfiguration,
} from '@nx/devkit';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { workspaceDataDirectoryForWorkspace } from 'nx/src/utils/cache-directory';
import { locateTargets } from './bindings';
import {
  BindingsCache,
  createDiskProjectLocator,
  listInfraSources,
  projectNameAt,
  SST_CONFIG_GLOB,
} from './infra-sources';

export interface NxSstPluginOptions {
  deployTargetName?: string;
  removeTargetName?: string;
  diffTargetName?: string;
  typesTargetName?: string;
  secretsTargetName?: string;
  /**
   * Targets of bound projects that get fresh types first (`dependsOn` the infra app's types target)
   * and keep `sst-env.d.ts` in sync (the `nx-sst:sync` sync generator).
   */
  boundTargetNames?: string[];
}

export type NormalizedOptions = Required<NxSstPluginOptions>;

export function normalizeOptions(options: NxSstPluginOptions | undefined): NormalizedOptions {
  return {
    deployTargetName: options?.deployTargetName ?? 'deploy',
    removeTargetName: options?.removeTargetName ?? 'remove',
    diffTargetName: options?.diffTargetName ?? 'diff',
    typesTargetName: options?.typesTargetName ?? 'types',
    secretsTargetName: options?.secretsTargetName ?? 'secrets',
    boundTargetNames: options?.boundTargetNames ?? ['dev', 'start', 'serve', 'build', 'test', 'typecheck'],
  };
}

export const SYNC_GENERATOR = 'nx-sst:sync';
const TECHNOLOGIES = ['sst', 'aws-cdk'];

/**
 * Infers the infra app's targets from each `sst.config.*`, and for every project bound by a stack
 * (read statically from the stack sources), makes its existing dev/build/test/typecheck targets depend
 * on the infra app's types target and run the `nx-sst:sync` sync generator. Those additions carry no
 * executor, so Nx merges them into the targets the project already has (from its package.json,
 * project.json or another plugin).
 */
export const createNodes: CreateNodes<NxSstPluginOptions> = [
  SST_CONFIG_GLOB,
  async (configFiles, rawOptions, context) => {
    const options = normalizeOptions(rawOptions);
    const cache = new BindingsCache(
      join(workspaceDataDirectoryForWorkspace(context.workspaceRoot), 'nx-sst-nodes.json'),
    );
    const locate = createDiskProjectLocator(context.workspaceRoot);
    const bound = new Map<string, Map<string, TargetConfiguration>>();
    try {
      const results = await createNodesFromFiles(
        (configFile, _options, ctx) => createInfraNode(configFile, options, ctx, cache, locate, bound),
        configFiles,
        options,
        context,
      );
      const boundProjects = boundProjectConfigurations(bound);
      // Several apps may bind one project; their additions are merged here, once, so none is lost.
      if (configFiles.length && Object.keys(boundProjects).length) {
        results.push([configFiles[0], { projects: boundProjects }]);
      }
      return results;
    } finally {
      cache.write();
    }
  },
];

/** Deprecated name kept for Nx 21, which only calls `createNodesV2`. */
export const createNodesV2 = createNodes;

function createInfraNode(
  configFile: string,
  options: NormalizedOptions,
  context: CreateNodesContext,
  cache: BindingsCache,
  locate: (path: string) => string | undefined,
  bound: Map<string, Map<string, TargetConfiguration>>,
): CreateNodesResult {
  const root = dirname(configFile);
  const infraName = projectNameAt(context.workspaceRoot, root);
  // Like first-party plugins: a config file only makes a project where the folder already is one.
  if (!infraName) return {};

  const bindings = locateTargets(
    cache.get(context.workspaceRoot, listInfraSources(context.workspaceRoot, root)),
    locate,
  );
  const boundRoots = [
    ...new Set(bindings.targets.map((t) => t.projectRoot).filter((r): r is string => !!r && r !== root)),
  ].sort();

  for (const boundRoot of boundRoots) {
    const targets = bound.get(boundRoot) ?? new Map<string, TargetConfiguration>();
    for (const name of existingTargets(context.workspaceRoot, boundRoot, options.boundTargetNames)) {
      const target = targets.get(name) ?? { dependsOn: [], syncGenerators: [SYNC_GENERATOR] };
      (target.dependsOn as { projects: string[]; target: string }[]).push({
        projects: [infraName],
        target: options.typesTargetName,
      });
      targets.set(name, target);
    }
    bound.set(boundRoot, targets);
  }

  return {
    projects: {
      [root]: {
        targets: inferTargets(options, boundRoots),
        metadata: { technologies: TECHNOLOGIES },
      },
    },
  };
}

function inferTargets(options: NormalizedOptions, boundRoots: string[]): Record<string, TargetConfiguration> {
  const metadata = (description: string) => ({ description, technologies: TECHNOLOGIES });
  const cli = (command: string, description: string, extra: Partial<TargetConfiguration> = {}) => ({
    command: `nx-sst ${command}`,
    options: { cwd: '{projectRoot}' },
    cache: false,
    ...extra,
    metadata: metadata(description),
  });
  return {
    [options.deployTargetName]: cli(
      'deploy',
      'Deploy the stacks of this app to a stage (--stage, else SST_STAGE, else the stage config() returns, else .sst/stage, else local), then write bind manifests and types.',
    ),
    [options.diffTargetName]: cli('diff', 'Show what a deploy would change on the stage.'),
    [options.removeTargetName]: cli('remove', 'Remove every stack of this app from the stage.'),
    [options.typesTargetName]: cli(
      'types',
      "Write this app's types (.sst/types) and each bound project's sst-env.d.ts from the construct tree: offline, no AWS call.",
      {
        cache: true,
        inputs: [
          '{projectRoot}/**/*',
          '!{projectRoot}/.sst/**/*',
          '!{projectRoot}/cdk.out/**/*',
          { env: 'SST_STAGE' },
        ],
        outputs: ['{projectRoot}/.sst/types', ...boundRoots.map((r) => `{workspaceRoot}/${r}/sst-env.d.ts`)],
      },
    ),
    [options.secretsTargetName]: cli(
      'secrets',
      'Manage the secrets of a stage: nx run <app>:secrets -- set|get|list|remove|load … (values never reach the Nx cache).',
    ),
  };
}

/**
 * The targets among `names` that a project declares in its own files (package.json scripts or
 * project.json / package.json `nx.targets`). Targets only another plugin infers cannot be seen here;
 * adding to a target that does not exist would create a target with nothing to run.
 */
function existingTargets(workspaceRoot: string, root: string, names: string[]): string[] {
  const found = new Set<string>();
  const read = (file: string) => {
    const path = join(workspaceRoot, root, file);
    if (!existsSync(path)) return undefined;
    try {
      return JSON.parse(readFileSync(path, 'utf-8'));
    } catch {
      return undefined;
    }
  };
  const projectJson = read('project.json');
  const packageJson = read('package.json');
  const includedScripts: string[] | undefined = packageJson?.nx?.includedScripts;
  for (const name of names) {
    if (projectJson?.targets?.[name] || packageJson?.nx?.targets?.[name]) found.add(name);
    else if (
      typeof packageJson?.scripts?.[name] === 'string' &&
      (!includedScripts || includedScripts.includes(name))
    ) {
      found.add(name);
    }
  }
  return [...found];
}

function boundProjectConfigurations(
  bound: Map<string, Map<string, TargetConfiguration>>,
): Record<string, { targets: Record<string, TargetConfiguration> }> {
  const projects: Record<string, { targets: Record<string, TargetConfiguration> }> = {};
  for (const [root, targets] of [...bound].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (targets.size === 0) continue;
    projects[root] = { targets: Object.fromEntries([...targets].sort(([a], [b]) => (a < b ? -1 : 1))) };
  }
  return projects;
}
