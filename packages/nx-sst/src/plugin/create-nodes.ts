import type { InputDefinition } from 'nx/src/config/workspace-json-project-json';
import {
  createNodesFromFiles,
  type CreateNodes,
  type CreateNodesContext,
  type CreateNodesResult,
  type TargetConfiguration,
} from '@nx/devkit';
import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
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
  devTargetName?: string;
  /**
   * Targets of bound projects that run with the project's bindings (values, role credentials, the
   * local cloud's endpoint), whichever plugin, script or executor defines them. They and `typecheck`
   * also keep `sst-env.d.ts` in sync first (the `nx-sst:sync` sync generator).
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
    devTargetName: options?.devTargetName ?? 'dev',
    boundTargetNames: options?.boundTargetNames ?? DEFAULT_BOUND_TARGETS,
  };
}

/** Targets that run the app or its tests: they read bindings. Type checks and lints do not. */
export const DEFAULT_BOUND_TARGETS = [
  'dev',
  'serve',
  'start',
  'preview',
  'test',
  'e2e',
  'build',
  // What Nx's test atomizers (@nx/jest, @nx/vite, @nx/vitest, @nx/playwright…) infer for CI.
  'test-ci',
  'test-ci--*',
  'e2e-ci',
  'e2e-ci--*',
];

export const SYNC_GENERATOR = 'nx-sst:sync';
const TECHNOLOGIES = ['sst', 'aws-cdk'];

/**
 * Infers the infra app's targets from each `sst.config.*`, and gives every project bound by a stack
 * (read statically from the stack sources) its binding fingerprint as an input and the `nx-sst:sync`
 * sync generator on its bound targets (see `boundProjectConfigurations`).
 */
export const createNodes: CreateNodes<NxSstPluginOptions> = [
  SST_CONFIG_GLOB,
  async (configFiles, rawOptions, context) => {
    const options = normalizeOptions(rawOptions);
    const cache = new BindingsCache(
      join(workspaceDataDirectoryForWorkspace(context.workspaceRoot), 'nx-sst-nodes.json'),
    );
    const locate = createDiskProjectLocator(context.workspaceRoot);
    const bound = new Set<string>();
    try {
      const results = await createNodesFromFiles(
        (configFile, _options, ctx) => createInfraNode(configFile, options, ctx, cache, locate, bound),
        configFiles,
        options,
        context,
      );
      const boundProjects = boundProjectConfigurations(bound, options, context);
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
  bound: Set<string>,
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
    ...new Set(bindings.targets.map((t) => t.projectRoot).filter((r): r is string => !!r)),
  ].sort();

  for (const boundRoot of boundRoots) bound.add(boundRoot);

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
        outputs: [
          '{projectRoot}/.sst/types',
          ...boundRoots.map((r) =>
            r === '.' ? '{workspaceRoot}/sst-env.d.ts' : `{workspaceRoot}/${r}/sst-env.d.ts`,
          ),
        ],
      },
    ),
    [options.secretsTargetName]: cli(
      'secrets',
      'Manage the secrets of a stage: nx run <app>:secrets -- set|get|list|remove|load … (values never reach the Nx cache).',
    ),
    // Runs until stopped: continuous, so another task may depend on the app being up and live.
    [options.devTargetName]: cli(
      'dev',
      "Deploy to the local stage, then swap each function's code into the local cloud as its sources change (stack edits redeploy) until Ctrl-C.",
      { continuous: true },
    ),
  };
}

/**
 * What every bound project gets, whatever defines its targets:
 * - its `default` named input gains the binding fingerprint (a runtime input: the stage, the bound
 *   values and each secret's SSM version, never a value), so a cached task that reads bindings runs
 *   again when they change, whichever inputs its target lists (`default` and `production` both hold it);
 * - its bound targets and `typecheck` run the `nx-sst:sync` sync generator first. These targets carry
 *   no executor and no `dependsOn`: merged into a target that another plugin, a script or
 *   project.json defines, and dropped by Nx where the project has no such target.
 */
function boundProjectConfigurations(
  bound: Set<string>,
  options: NormalizedOptions,
  context: CreateNodesContext,
): Record<
  string,
  { namedInputs: Record<string, (string | InputDefinition)[]>; targets: Record<string, TargetConfiguration> }
> {
  const projects: Record<
    string,
    {
      namedInputs: Record<string, (string | InputDefinition)[]>;
      targets: Record<string, TargetConfiguration>;
    }
  > = {};
  const workspaceDefault = context.nxJsonConfiguration?.namedInputs?.default ?? ['{projectRoot}/**/*'];
  // Patterns (`test-ci--*`) name targets this plugin cannot list; they are bound, not synced first.
  // Nor is a name `targetDefaults` gives a `dependsOn` (as @nx/jest's and @nx/vitest's generators do
  // for `test`): where a project has no such target, Nx would keep ours as a no-op that runs. Those
  // targets get their sst-env.d.ts from `nx sync` (the generator is registered globally).
  const targetDefaults = (context.nxJsonConfiguration?.targetDefaults ?? {}) as Record<
    string,
    { dependsOn?: unknown }
  >;
  const targetNames = [...new Set([...options.boundTargetNames, 'typecheck'])]
    .filter((n) => !n.includes('*') && !(Array.isArray(targetDefaults) || targetDefaults[n]?.dependsOn))
    .sort();
  for (const root of [...bound].sort()) {
    projects[root] = {
      namedInputs: {
        default: [...workspaceDefault, { runtime: fingerprintCommand(context.workspaceRoot, root) }],
      },
      targets: Object.fromEntries(
        targetNames.map((name) => [name, { syncGenerators: ['...', SYNC_GENERATOR] } as TargetConfiguration]),
      ),
    };
  }
  return projects;
}

/** The command Nx runs to hash a bound project's bindings (relative paths: the graph stays portable). */
export function fingerprintCommand(workspaceRoot: string, projectRoot: string): string {
  // Through the workspace's node_modules when it is there (a linked package resolves elsewhere).
  const installed = join(workspaceRoot, 'node_modules', 'nx-sst', 'dist', 'cli', 'fingerprint.js');
  const script = (
    existsSync(installed)
      ? relative(workspaceRoot, installed)
      : relative(workspaceRoot, join(__dirname, '..', 'cli', 'fingerprint.js'))
  )
    .split(sep)
    .join('/');
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : JSON.stringify(s));
  return `node ${quote(script)} ${quote(projectRoot)}`;
}
