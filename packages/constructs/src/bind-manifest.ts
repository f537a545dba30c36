import * as cdk from 'aws-cdk-lib';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import type { App, ProjectRef } from './app';
import {
  bindingEnvironment,
  estimateResolvedLength,
  PLACEHOLDER_SSM,
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
  /** Present only when the project has exactly one target with a role. */
  roleArn?: string;
  env: Record<string, string>;
}

/** SSM parameter name of a target's bind manifest. */
export function targetManifestName(ssmPrefix: string, targetId: string): string {
  return `${ssmPrefix}_bind/target/${targetId}`;
}

/**
 * SSM parameter name of a project's bind manifest. Nx project names may hold characters SSM refuses
 * (`@scope/web`): every character outside `[a-zA-Z0-9_.-/]` becomes `_`.
 */
export function projectManifestName(ssmPrefix: string, projectName: string): string {
  return `${ssmPrefix}_bind/project/${projectName.replace(/[^a-zA-Z0-9_.\-/]/g, '_')}`;
}

/** SSM's largest value: 4 KB on the Standard tier, 8 KB on the Advanced tier. */
const SSM_STANDARD_LIMIT = 4096;
const SSM_ADVANCED_LIMIT = 8192;

/** Finalizes every target's bindings and writes the target and project manifests as String parameters. */
export function writeBindManifests(app: App, targets: BindTarget[]): void {
  const byProject = new Map<
    string,
    {
      project: ProjectRef;
      targets: { target: BindTarget; manifest: TargetBindManifest; compact?: CompactBindings }[];
    }
  >();
  for (const target of [...targets].sort((a, b) => a.targetId.localeCompare(b.targetId))) {
    const { env, roleArn, compact } = target._finalizeBindings();
    const project = app.resolveProject(target.targetPath) ?? null;
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
  for (const { project, targets: members } of byProject.values()) {
    // The latest stack holding one of the project's targets owns the manifest (functional stacks only use()
    // earlier ones). Targets in other stacks contribute placeholders, never cross-stack references.
    const stack = latestStack(
      app,
      members.map((m) => cdk.Stack.of(m.target)),
    );
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
    if (compactTargets) env[COMPACT_BINDINGS_VAR] = stack.toJsonString(compact);
    const withRole = members.filter((m) => m.manifest.roleArn);
    const manifest: ProjectBindManifest = {
      project,
      targets: members.map((m) => m.target.targetId),
      ...(members.length === 1 && withRole.length === 1 ? { roleArn: withRole[0].manifest.roleArn! } : {}),
      env,
    };
    const holder = new Construct(stack, `BindProject-${project.name.replace(/[^a-zA-Z0-9-]/g, '-')}`);
    manifestParameter(holder, 'Manifest', projectManifestName(app.ssmPrefix, project.name), manifest, {
      owner: `Project "${project.name}" (targets ${manifest.targets.join(', ')})`,
      fix: `It holds the union of the env of its ${members.length} targets: bind fewer resources to them, or split the project so that each Nx project holds fewer of them.`,
    });
  }
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
    else if (isBindingKey(key)) out[key] = PLACEHOLDER_SSM;
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

function isBindingKey(key: string): boolean {
  const [prefix, type, prop, ...id] = key.split('_');
  return prefix === 'SST' && Boolean(type && prop && id.join('_'));
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
