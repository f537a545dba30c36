import { projectManifestName, targetManifestName } from '@nx-sst/runtime/wire';
import * as cdk from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { App, ProjectRef } from './app';
import {
  bindingEnvironment,
  estimateResolvedLength,
  PLACEHOLDER_SSM,
  shrinksViaSsm,
  UNRESOLVED_VALUE_ESTIMATE,
} from './binding';
import { type BindTarget, COMPACT_BINDINGS_VAR, type CompactBindings } from './bind-target';

export type { BindTarget } from './bind-target';

/** What `nx-sst bind` reads for one target: `{ssmPrefix}_bind/target/{id}`. */
export interface TargetBindManifest {
  target: string;
  kind: BindTarget['targetKind'];
  project: ProjectRef | null;
  roleArn: string | null;
  /** Plain values and placeholders exactly as the target gets them; never a secret value. */
  env: Record<string, string>;
}

/** What `nx-sst bind` reads for a project: `{ssmPrefix}_bind/project/{projectName}`. */
export interface ProjectBindManifest {
  project: ProjectRef;
  targets: string[];
  /** The role bind assumes: its only target's, else its only site's (see projectRole); absent otherwise. */
  roleArn?: string;
  env: Record<string, string>;
}

/**
 * SSM parameter names of a target's and a project's bind manifest (an Nx project name's characters
 * that SSM refuses, as in `@scope/web`, become `_`): the wire contract's, which bind reads.
 */
export { projectManifestName, targetManifestName };

/** SSM's largest value: 4 KB on the Standard tier, 8 KB on the Advanced tier. */
export const SSM_STANDARD_LIMIT = 4096;
export const SSM_ADVANCED_LIMIT = 8192;

/**
 * The role `nx-sst bind` assumes for a project: its target's when it has one; of several, the site's
 * when exactly one is a site (its dev server runs the site's code, as SST v2 bound `next dev` to the
 * site's role, whatever function, such as a cron job's handler, sits in the site's folder); else none,
 * and `nx-sst bind --target <id>` runs as one of them.
 */
export function projectRole(targets: Pick<TargetBindManifest, 'kind' | 'roleArn'>[]): string | undefined {
  if (targets.length === 1) return targets[0].roleArn ?? undefined;
  const sites = targets.filter((t) => t.kind === 'site');
  return sites.length === 1 ? (sites[0].roleArn ?? undefined) : undefined;
}

/**
 * Finalizes every target's bindings and writes the target and project manifests as String parameters. Refuses,
 * before it changes anything, projects whose names map to one parameter.
 */
export function writeBindManifests(app: App, targets: BindTarget[]): void {
  const sorted = [...targets].sort((a, b) => a.targetId.localeCompare(b.targetId));
  const projectOf = new Map(sorted.map((t) => [t, app.resolveProject(t.targetPath) ?? null]));
  refuseSharedProjectManifests(app.ssmPrefix, [...projectOf.values()]);
  const byProject = new Map<
    string,
    {
      project: ProjectRef;
      targets: { target: BindTarget; manifest: TargetBindManifest; compact?: CompactBindings }[];
    }
  >();
  for (const target of sorted) {
    const { env, roleArn, compact } = target._finalizeBindings();
    const project = projectOf.get(target) ?? null;
    const manifest: TargetBindManifest = {
      target: target.targetId,
      kind: target.targetKind,
      project,
      roleArn: roleArn ?? null,
      env,
    };
    manifestParameter(target, 'BindManifest', targetManifestName(app.ssmPrefix, target.targetId), manifest, {
      owner: `${describeTarget(target)} "${target.targetId}"`,
      fix: 'Give it a smaller "environment", or bind fewer resources to it.',
    });
    if (project) {
      const entry = byProject.get(project.name) ?? { project, targets: [] };
      entry.targets.push({ target, manifest, compact });
      byProject.set(project.name, entry);
    }
  }
  // The latest stack holding one of the project's targets owns the manifest (functional stacks only use()
  // earlier ones). Targets in other stacks contribute placeholders, never cross-stack references.
  const placed = [...byProject.values()].map((entry) => ({
    ...entry,
    stack: latestStack(
      app,
      entry.targets.map((m) => cdk.Stack.of(m.target)),
    ),
  }));
  const holderIds = projectHolderIds(placed);
  for (const { project, targets: members, stack } of placed) {
    const env: Record<string, string> = {};
    // Two compact targets each have their own SST_BINDINGS: merged, so neither target's bindings are lost.
    const compact: CompactBindings = {};
    let compactTargets = 0;
    for (const m of members) {
      if (cdk.Stack.of(m.target) !== stack) {
        Object.assign(env, portableEnv(m.target, m.manifest.env));
        continue;
      }
      if (!m.compact) {
        Object.assign(env, m.manifest.env);
        continue;
      }
      const { [COMPACT_BINDINGS_VAR]: _encoded, ...rest } = m.manifest.env;
      Object.assign(env, rest);
      compactTargets++;
      for (const [type, byId] of Object.entries(m.compact)) Object.assign((compact[type] ??= {}), byId);
    }
    const roleArn = projectRole(members.map((m) => m.manifest));
    const manifestOf = (projectEnv: Record<string, string>): ProjectBindManifest => ({
      project,
      targets: members.map((m) => m.target.targetId),
      ...(roleArn ? { roleArn } : {}),
      env: projectEnv,
    });
    let manifest = manifestOf(
      compactTargets ? { ...env, [COMPACT_BINDINGS_VAR]: stack.toJsonString(compact) } : env,
    );
    // The union of many targets' env outgrows one parameter long before any single target does: shrink it as
    // a Lambda environment is shrunk, rather than fail. `nx-sst bind` reads both forms.
    if (estimateResolvedLength(stack, stack.toJsonString(manifest)) > SSM_ADVANCED_LIMIT) {
      manifest = manifestOf(compactEnvFromSsm(env, compact));
    }
    const holder = new Construct(stack, holderIds.get(project.name)!);
    manifestParameter(holder, 'Manifest', projectManifestName(app.ssmPrefix, project.name), manifest, {
      owner: `Project "${project.name}" (${listTargets(manifest.targets)})`,
      fix:
        `It holds the bindings of all its ${members.length} targets, already as one ${COMPACT_BINDINGS_VAR} variable with its values read from SSM: ` +
        'bind fewer resources to them, give them smaller "environment" values, or split the project so that each Nx project holds fewer targets.',
    });
  }
}

/**
 * Refuses two Nx projects whose names differ only in characters SSM refuses (`@acme/web`, `_acme/web`): both
 * manifests would be one parameter, and `nx-sst bind` would give one project the other's values and role.
 * The names are a contract with `nx-sst bind` and with stacks already deployed, so they stay and the app refuses.
 */
function refuseSharedProjectManifests(ssmPrefix: string, projects: (ProjectRef | null)[]): void {
  const byManifest = new Map<string, Map<string, ProjectRef>>();
  for (const project of projects) {
    if (!project) continue;
    const name = projectManifestName(ssmPrefix, project.name);
    const sharing = byManifest.get(name) ?? new Map<string, ProjectRef>();
    if (!sharing.has(project.name)) sharing.set(project.name, project);
    byManifest.set(name, sharing);
  }
  const problems = [...byManifest]
    .filter(([, sharing]) => sharing.size > 1)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, sharing]) => {
      const named = [...sharing.values()]
        .sort((a, b) => (a.name < b.name ? -1 : 1))
        .map((p) => `"${p.name}" (${p.root})`);
      const list = `${named.slice(0, -1).join(', ')} and ${named[named.length - 1]}`;
      return (
        `Projects ${list} map to the same bind manifest, ${name}: SSM parameter names allow only letters, digits and "_.-/", ` +
        `so every other character of a project name becomes "_". One parameter cannot hold ${named.length === 2 ? 'both' : 'them all'}, and nx-sst bind would give one project another's values and role. ` +
        `Rename ${named.length === 2 ? 'one of them' : 'all but one of them'} (its Nx project name: "name" in its project.json, else "nx.name" or "name" in its package.json) so that the names still differ once those characters are "_".`
      );
    });
  if (problems.length) throw new Error(problems.join('\n'));
}

/**
 * Construct id of the holder of each project's manifest parameter, unique per stack. The id is part of the
 * parameter's logical id, and a changed logical id makes CloudFormation create the same-named parameter before
 * deleting the old one, which SSM refuses: so a project keeps `BindProject-{name with "-" for anything but
 * letters, digits and "-"}` unless another project of its stack gets the same id that way (`acme_web`,
 * `acme-web`). Then the one without such characters keeps it and the others are told apart by their
 * URI-encoded names, which always hold a character outside that set.
 */
function projectHolderIds(placed: { project: ProjectRef; stack: cdk.Stack }[]): Map<string, string> {
  const slugOf = (name: string) => name.replace(/[^a-zA-Z0-9-]/g, '-');
  const slugs = new Map<cdk.Stack, Map<string, number>>();
  for (const { project, stack } of placed) {
    const counts = slugs.get(stack) ?? new Map<string, number>();
    counts.set(slugOf(project.name), (counts.get(slugOf(project.name)) ?? 0) + 1);
    slugs.set(stack, counts);
  }
  return new Map(
    placed.map(({ project, stack }) => {
      const slug = slugOf(project.name);
      const shared = slugs.get(stack)!.get(slug)! > 1 && slug !== project.name;
      return [project.name, `BindProject-${shared ? encodeURIComponent(project.name) : slug}`];
    }),
  );
}

/**
 * A project's env with every binding in one `SST_BINDINGS` variable, each value that is known only at deploy
 * or longer than `__FETCH_FROM_SSM__` replaced by it (each bound value has its String parameter).
 */
function compactEnvFromSsm(env: Record<string, string>, compact: CompactBindings): Record<string, string> {
  const grouped: CompactBindings = {};
  const put = (type: string, id: string, prop: string, value: string) => {
    ((grouped[type] ??= {})[id] ??= {})[prop] = shrinksViaSsm(value) ? PLACEHOLDER_SSM : value;
  };
  for (const [type, byId] of Object.entries(compact)) {
    for (const [id, props] of Object.entries(byId)) {
      for (const [prop, value] of Object.entries(props)) put(type, id, prop, value);
    }
  }
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    const binding = parseBindingKey(key);
    if (binding) put(binding.type, binding.id, binding.prop, value);
    else out[key] = value;
  }
  // No deploy-time value is left in it, so it is a plain string.
  out[COMPACT_BINDINGS_VAR] = JSON.stringify(grouped);
  return out;
}

function listTargets(ids: string[]): string {
  const shown = ids.slice(0, 5).join(', ');
  return ids.length > 5 ? `targets ${shown} and ${ids.length - 5} more` : `targets ${shown}`;
}

/**
 * The env of a target in another stack, without a reference to that stack: a cross-stack reference would
 * become a CloudFormation export, which blocks the other stack from ever dropping the value. Deploy-time
 * values become `__FETCH_FROM_SSM__` (each bound value has its String parameter); other deploy-time
 * variables are left out.
 */
function portableEnv(target: BindTarget, env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (!cdk.Token.isUnresolved(value)) out[key] = value;
    else if (parseBindingKey(key)) out[key] = PLACEHOLDER_SSM;
  }
  if (COMPACT_BINDINGS_VAR in env) {
    delete out[COMPACT_BINDINGS_VAR];
    for (const resource of target.boundResources()) {
      for (const [key, value] of Object.entries(bindingEnvironment(resource))) {
        out[key] = cdk.Token.isUnresolved(value) ? PLACEHOLDER_SSM : value;
      }
    }
  }
  return out;
}

function describeTarget(target: BindTarget): string {
  const declared = target.constructor as { bindingType?: string; constructName?: string };
  return declared.constructName ?? declared.bindingType ?? target.targetKind;
}

/** `SST_{Type}_{prop}_{id}` split up; `undefined` for any other key (`SST_APP` included). */
function parseBindingKey(key: string): { type: string; prop: string; id: string } | undefined {
  const [prefix, type, prop, ...id] = key.split('_');
  return prefix === 'SST' && type && prop && id.length ? { type, prop, id: id.join('_') } : undefined;
}

function latestStack(app: App, stacks: cdk.Stack[]): cdk.Stack {
  const order = app.node.children;
  return stacks.reduce((latest, s) => (order.indexOf(s) > order.indexOf(latest) ? s : latest));
}

/**
 * Writes a manifest as a String parameter, on the Advanced tier above 4 KB. Above 8 KB SSM would refuse it only
 * at deploy, deep inside CloudFormation, so synthesis refuses it first, naming its owner and the fix.
 */
function manifestParameter(
  scope: Construct,
  id: string,
  parameterName: string,
  manifest: object,
  about: { owner: string; fix: string },
): void {
  const value = cdk.Stack.of(scope).toJsonString(manifest);
  const size = estimateResolvedLength(scope, value);
  if (size > SSM_ADVANCED_LIMIT) {
    throw new Error(
      `${about.owner}: its bind manifest ${parameterName} would be about ${size} bytes (values known only at deploy counted as ${UNRESOLVED_VALUE_ESTIMATE} bytes each), ` +
        `over the ${SSM_ADVANCED_LIMIT}-byte limit of an SSM parameter (Advanced tier). ${about.fix}`,
    );
  }
  new ssm.StringParameter(scope, id, {
    parameterName,
    stringValue: value,
    description: 'nx-sst bind manifest',
    tier: size > SSM_STANDARD_LIMIT ? ssm.ParameterTier.ADVANCED : ssm.ParameterTier.STANDARD,
  });
}
