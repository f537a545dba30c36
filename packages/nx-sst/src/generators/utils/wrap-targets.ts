import { joinPathFragments, logger, readJson, writeJson, type Tree } from '@nx/devkit';
import { DEFAULT_BOUND_TARGETS } from '../../plugin/create-nodes';

/**
 * Targets whose command generators rewrite unless told otherwise: none. The plugin binds a bound
 * project's targets as they are (see `preTasksExecution`); rewriting is the escape hatch for what it
 * cannot reach.
 */
export const DEFAULT_WRAPPED_TARGETS: string[] = [];

const BIND_PREFIX = 'nx-sst bind -- ';

/** `nx-sst bind` anywhere in a command line: after `FOO=1`, `cross-env`, `&&`… it binds already. */
export function bindsAlready(command: string): boolean {
  return /(^|[\s;&|(])nx-sst\s+bind(\s|$)/.test(command);
}

/**
 * `next dev` → `nx-sst bind -- next dev`. A script with shell syntax (`a && b`, pipes, `$VAR`) runs
 * whole inside the bound shell, or only its first command would get the bindings.
 */
export function bindScript(script: string): string {
  if (!/[&|;<>()$`\\"'*?{}\n]/.test(script)) return `${BIND_PREFIX}${script}`;
  return `nx-sst bind --shell -- '${script.replace(/'/g, `'\\''`)}'`;
}

/**
 * Makes a bound project's targets run with its bindings, by writing the wrapper into its own
 * configuration (Nx gives a project's `package.json`/`project.json` the last word over anything a
 * plugin infers, so inference cannot wrap them):
 * - a `package.json` script `next dev` becomes `nx-sst bind -- next dev` — it then binds under
 *   `nx run web:dev` and under `npm run dev` alike (npm runs scripts in the project folder, which is
 *   how `nx-sst bind` finds the project);
 * - a `project.json` command target becomes the `nx-sst:bind` executor running the same command
 *   (continuous for `dev`/`start`/`serve`).
 * Targets of any other executor are left alone and listed, with how to wrap them by hand. `infraApp`
 * is the Nx project the user deploys before the bound targets can read anything.
 */
export function wrapBoundTargets(
  tree: Tree,
  project: { name: string; root: string },
  infraApp: string,
  targets: string[] = DEFAULT_WRAPPED_TARGETS,
): { wrapped: string[]; skipped: string[] } {
  const wrapped: string[] = [];
  const skipped: string[] = [];
  const packageJsonPath = joinPathFragments(project.root, 'package.json');
  const projectJsonPath = joinPathFragments(project.root, 'project.json');

  const projectJson = tree.exists(projectJsonPath) ? readJson(tree, projectJsonPath) : undefined;
  let projectJsonChanged = false;
  for (const name of targets) {
    const target = projectJson?.targets?.[name];
    if (!target) continue;
    const command =
      target.command ?? (target.executor === 'nx:run-commands' ? target.options?.command : undefined);
    if (target.executor === 'nx-sst:bind' || (typeof command === 'string' && bindsAlready(command))) {
      wrapped.push(name);
    } else if (typeof command === 'string' && !target.options?.commands) {
      const { command: _c, executor: _e, ...rest } = target;
      const { command: _o, ...options } = target.options ?? {};
      projectJson.targets[name] = {
        ...rest,
        executor: 'nx-sst:bind',
        // Explicit both ways: the executor's schema says continuous (for dev servers), a test is not.
        continuous: rest.continuous ?? ['dev', 'start', 'serve'].includes(name),
        options: { ...options, command },
      };
      projectJsonChanged = true;
      wrapped.push(name);
    } else {
      skipped.push(name);
    }
  }
  if (projectJsonChanged) writeJson(tree, projectJsonPath, projectJson);

  if (tree.exists(packageJsonPath)) {
    const packageJson = readJson(tree, packageJsonPath);
    let changed = false;
    for (const name of targets) {
      const script = packageJson.scripts?.[name];
      if (typeof script !== 'string' || projectJson?.targets?.[name]) continue;
      if (!bindsAlready(script)) {
        packageJson.scripts[name] = bindScript(script);
        changed = true;
      }
      wrapped.push(name);
    }
    if (changed) writeJson(tree, packageJsonPath, packageJson);
  }

  if (!targets.length) reportAutomaticBinding(tree, project, infraApp);
  if (skipped.length) {
    logger.warn(
      `nx-sst: ${project.name}'s ${skipped.map((t) => `'${t}'`).join(', ')} use an executor nx-sst cannot wrap. ` +
        `To run them with the bindings, use the executor 'nx-sst:bind' with { "command": "<the command>" }.`,
    );
  }
  return { wrapped: wrapped.sort(), skipped };
}

/** What a generator that made a project bound tells its user: which targets now run bound, and how. */
function reportAutomaticBinding(tree: Tree, project: { name: string; root: string }, infraApp: string): void {
  const nxJson = tree.exists('nx.json') ? readJson(tree, 'nx.json') : {};
  const entry = (nxJson.plugins ?? []).find(
    (p: string | { plugin: string }) => (typeof p === 'string' ? p : p.plugin) === 'nx-sst',
  );
  if (!entry) {
    logger.warn(
      `nx-sst: ${project.name} is bound, but the nx-sst plugin is not in nx.json's plugins, so its targets run without the bindings. Add it: nx g nx-sst:init`,
    );
    return;
  }
  const names: string[] =
    (typeof entry === 'object' && entry.options?.boundTargetNames) || DEFAULT_BOUND_TARGETS;
  const plain = names.filter((n) => !n.includes('*'));
  logger.info(
    `nx-sst: ${project.name} is bound; its targets ${plain.join(', ')}${plain.length < names.length ? ' (and those matching ' + names.filter((n) => n.includes('*')).join(', ') + ')' : ''} run with its bindings as they are. Deploy the stage first: nx run ${infraApp}:deploy`,
  );
}
