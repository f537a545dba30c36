import { COMPACT_VARIABLE, type BindTargetKind } from '@nx-sst/runtime/wire';
import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { App } from './app';
import {
  type Bindable,
  type BindingPermission,
  bindingEnvironment,
  estimateEnvironmentSize,
  estimatedValue,
  parameterArn,
  parameterPathFor,
  PLACEHOLDER_SSM,
  referencedSecrets,
  shrinksViaSsm,
  toBinding,
} from './binding';

export type { BindTargetKind };

/** Something bound resources are bound to: a function, a site's server function, a static site, a service. */
export interface BindTarget extends IConstruct {
  /** Construct id, unique among the targets of an app. */
  readonly targetId: string;
  readonly targetKind: BindTargetKind;
  /** Absolute path of the handler file or the site, mapped to its Nx project. */
  readonly targetPath: string;
  /** Bound resources, referenced secrets included, each once, in bind order. */
  boundResources(): Bindable[];
  /**
   * Applies the final env vars and IAM statements and returns them as the target gets them.
   * Called once, at synthesis.
   * @internal
   */
  _finalizeBindings(): FinalBindings;
}

/** `SST_BINDINGS` before it is serialized: `{ Type: { id: { prop: value } } }`. */
export type CompactBindings = Record<string, Record<string, Record<string, string>>>;

/** A target's env vars as set, its role, and the object behind `SST_BINDINGS` when it has one. */
export interface FinalBindings {
  env: Record<string, string>;
  roleArn?: string;
  compact?: CompactBindings;
}

/** Lambda refuses an environment (keys plus values) above 4 KB. */
export const LAMBDA_ENV_LIMIT = 4096;

/** The one variable that replaces every `SST_{Type}_{prop}_{id}` of a target whose bindings exceed the limit. */
export const COMPACT_BINDINGS_VAR = COMPACT_VARIABLE;

/**
 * The bindings of one target. Permissions given at a bind site replace the defaults of that resource;
 * binding a resource twice keeps one binding (the last permissions win).
 */
export class BindingSet {
  private readonly entries = new Map<Bindable, BindingPermission[] | undefined>();

  constructor(private readonly describeTarget: string) {}

  public add(list: readonly unknown[] | undefined): void {
    if (list === undefined) return;
    if (!Array.isArray(list)) {
      throw new Error(`${this.describeTarget}: "bind" must be a list, e.g. bind: [bucket, table].`);
    }
    for (const entry of list) {
      const { resource, permissions } = toBinding(entry, this.describeTarget);
      if (permissions || !this.entries.has(resource)) this.entries.set(resource, permissions);
      for (const secret of referencedSecrets(resource)) {
        if (!this.entries.has(secret)) this.entries.set(secret, undefined);
      }
    }
  }

  public resources(): Bindable[] {
    return [...this.entries.keys()];
  }

  public statements(): iam.PolicyStatement[] {
    const statements: iam.PolicyStatement[] = [];
    for (const [resource, custom] of this.entries) {
      for (const p of custom ?? resource.getBindings().permissions) {
        if (p.actions.length === 0 || p.resources.length === 0) continue;
        statements.push(
          new iam.PolicyStatement({ effect: iam.Effect.ALLOW, actions: p.actions, resources: p.resources }),
        );
      }
    }
    return statements;
  }

  /** `SST_APP`, `SST_STAGE`, `SST_SSM_PREFIX` and one variable per bound value. */
  public environment(app: App): Record<string, string> {
    const env: Record<string, string> = baseEnvironment(app);
    for (const resource of this.entries.keys()) Object.assign(env, bindingEnvironment(resource));
    return env;
  }
}

export function baseEnvironment(app: App): Record<string, string> {
  return { SST_APP: app.name, SST_STAGE: app.stage, SST_SSM_PREFIX: app.ssmPrefix };
}

/**
 * Fits the binding variables of a target into Lambda's 4 KB environment (`otherEnv` is what the target sets
 * besides them). Step 1: one `SST_BINDINGS` variable holding `{Type: {id: {prop: value}}}` as JSON, which saves
 * the repeated `SST_{Type}_{prop}_` of every key. Step 2, when that is still too big: the same JSON with every
 * plain value replaced by `__FETCH_FROM_SSM__` (each has its String parameter), plus read access to exactly
 * those parameters. Throws at synthesis, naming the target, when even that does not fit.
 */
export function fitEnvironment(
  app: App,
  scope: IConstruct,
  bindingEnv: Record<string, string>,
  otherEnv: Record<string, string>,
  describeTarget: string,
): { env: Record<string, string>; extraStatements: iam.PolicyStatement[]; compact?: CompactBindings } {
  if (estimateEnvironmentSize({ ...otherEnv, ...bindingEnv }) <= LAMBDA_ENV_LIMIT) {
    return { env: bindingEnv, extraStatements: [] };
  }
  const base = baseEnvironment(app);
  const entries: { type: string; id: string; prop: string; value: string }[] = [];
  for (const [key, value] of Object.entries(bindingEnv)) {
    if (key in base) continue;
    const [, type, prop, ...idParts] = key.split('_');
    const id = idParts.join('_');
    entries.push({ type, id, prop, value });
  }
  const group = (values: typeof entries, render: (value: string) => string) => {
    const grouped: CompactBindings = {};
    for (const e of values) ((grouped[e.type] ??= {})[e.id] ??= {})[e.prop] = render(e.value);
    return grouped;
  };
  // The JSON is one deploy-time token once it holds one; size it from the values' own estimates.
  const fits = (values: typeof entries) => {
    const sized = JSON.stringify(group(values, estimatedValue));
    return (
      estimateEnvironmentSize({ ...otherEnv, ...base, [COMPACT_BINDINGS_VAR]: sized }) <= LAMBDA_ENV_LIMIT
    );
  };
  const encode = (values: typeof entries) => {
    const compact = group(values, (v) => v);
    return { env: { ...base, [COMPACT_BINDINGS_VAR]: cdk.Stack.of(scope).toJsonString(compact) }, compact };
  };
  if (fits(entries)) return { ...encode(entries), extraStatements: [] };
  const fetched = entries.filter((e) => shrinksViaSsm(e.value));
  const viaSsm = entries.map((e) => (shrinksViaSsm(e.value) ? { ...e, value: PLACEHOLDER_SSM } : e));
  if (!fits(viaSsm)) {
    throw new Error(
      `${describeTarget}: its bindings and environment do not fit in Lambda's 4 KB environment even in the compact encoding (${entries.length} bound values). Bind fewer resources to it or move large "environment" values elsewhere.`,
    );
  }
  const smallest = encode(viaSsm);
  const arns = fetched.map((e) =>
    parameterArn(app.region, app.account, parameterPathFor(app.ssmPrefix, e.type, e.id, e.prop)),
  );
  return {
    ...smallest,
    extraStatements: arns.length
      ? [
          new iam.PolicyStatement({
            effect: iam.Effect.ALLOW,
            actions: ['ssm:GetParameters'],
            resources: arns,
          }),
        ]
      : [],
  };
}
