import { CONSTRUCT_ID_PATTERN, defaultSsmPrefix } from '@nx-sst/runtime/wire';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import {
  type Bindable,
  type BindingResource,
  describeBindable,
  fallbackParameterPathFor,
  normalizeId,
  parameterPathFor,
} from './binding';
import { type BindingModel, buildBindingModel } from './binding-model';
import { type BindTarget, targetManifestName, writeBindManifests } from './bind-manifest';
import type { FunctionProps } from './function';
import type { Permissions } from './permissions';
import { Stack, type StackProps, validateStackId } from './stack';

/** The Nx project that holds a handler file or a site, as the engine resolves it. */
export interface ProjectRef {
  readonly name: string;
  readonly root: string;
}

/** Props of {@link App}; the nx-sst engine creates the App, users get it in `stacks(app)`. */
export interface AppProps {
  /** App name from `sst.config.ts`; part of stack names and SSM paths. */
  readonly name: string;
  /** Stage being deployed (`local`, `dev`, `prod`…). */
  readonly stage: string;
  /** AWS region of every stack. */
  readonly region: string;
  /** AWS account of every stack. */
  readonly account: string;
  /**
   * Prefix of every SSM parameter of this stage.
   * @default `/sst/{name}/{stage}/`
   */
  readonly ssmPrefix?: string;
  /**
   * Directory of the cloud assembly.
   * @default `{workspaceRoot}/.sst/cdk.out`
   */
  readonly outdir?: string;
  /** Absolute path of the Nx workspace; handler and site paths are relative to it. */
  readonly workspaceRoot: string;
  /**
   * Maps an absolute handler file or site path to the Nx project that holds it.
   * @default no projects are known
   */
  readonly resolveProject?: (absPath: string) => ProjectRef | undefined;
  /**
   * Stages whose data must never be destroyed by a default removal policy.
   * @default ['prod', 'production']
   */
  readonly productionStages?: string[];
  /**
   * Extra CDK context.
   * @default none
   */
  readonly context?: Record<string, unknown>;
  /**
   * aws-cdk-lib's built-in CloudFormation schema validation at synthesis. It only warns, and it costs tens of
   * seconds on the first synthesis of a process (bench/constructs), so deploys skip it unless asked.
   * @default false
   */
  readonly builtinCloudFormationValidation?: boolean;
}

/** What a functional stack receives. */
export interface StackContext {
  readonly app: App;
  readonly stack: Stack;
}

/** A functional stack: `export function Default({ stack, app }: StackContext) { … }`. */
export type FunctionalStack<T = unknown> = (ctx: StackContext) => T;

/** Options of `app.stack(fn, options)`. */
export interface FunctionalStackProps extends StackProps {
  /**
   * Stack id (the last part of the stack name).
   * @default the function's name
   */
  readonly id?: string;
}

/** What `config()` of `sst.config.ts` returns. */
export interface ConfigOptions {
  /** App name: letters, digits and `-`. */
  readonly name: string;
  /**
   * AWS region.
   * @default the standard AWS region resolution
   */
  readonly region?: string;
  /**
   * Stage, when this app pins one. The stage of a command is `--stage` > `SST_STAGE` > this >
   * the personal stage in `.sst/stage` > `local`.
   * @default --stage, then SST_STAGE, then `.sst/stage`, then `local`
   */
  readonly stage?: string;
  /**
   * Prefix of SSM parameters.
   * @default `/sst/{name}/{stage}/`
   */
  readonly ssmPrefix?: string;
  /**
   * AWS profile for non-local stages.
   * @default the standard credential chain
   */
  readonly profile?: string;
}

/** The default export of `sst.config.ts`. */
export interface SSTConfig {
  config(input: { stage?: string; region?: string }): ConfigOptions | Promise<ConfigOptions>;
  stacks(app: App): void | Promise<void>;
}

/** `retain` keeps data when a stack is removed; `destroy` deletes it (buckets are emptied first). */
export type RemovalPolicyName = 'retain' | 'destroy' | 'snapshot';

let currentApp: App | undefined;

/** `use()` reads the stacks of the app being built (one at a time, as with SST v2). */
function makeCurrent(app: App): void {
  currentApp = app;
}

/** The bind-time view of a registered construct, so a binding resolves without walking the tree. */
interface Registered {
  readonly construct: Bindable;
  readonly namespace: string;
}

/**
 * The nx-sst app: stacks named `{stage}-{app}-{id}`, bindings, SSM parameters and bind manifests.
 * Building it (running the stack functions) never bundles, builds or calls AWS; that happens at synthesis.
 */
export class App extends cdk.App {
  public readonly name: string;
  public readonly stage: string;
  public override readonly region: string;
  public override readonly account: string;
  public readonly ssmPrefix: string;
  public readonly workspaceRoot: string;
  /** Stages that refuse a `destroy` default removal policy. */
  public readonly productionStages: string[];
  /** @internal */
  public readonly _defaultFunctionProps: (FunctionProps | ((stack: Stack) => FunctionProps))[] = [];
  /** @internal */
  public readonly _defaultFunctionBindings: BindingResource[] = [];
  /** @internal */
  public _defaultRemovalPolicy: RemovalPolicyName | undefined;

  private readonly resolveProjectFn?: (absPath: string) => ProjectRef | undefined;
  private readonly bindables = new Map<string, Registered>();
  private readonly bindableList: Bindable[] = [];
  private readonly targets = new Map<string, BindTarget>();
  private readonly stackResults = new Map<FunctionalStack, { stack: Stack; result: unknown }>();
  private finalized = false;

  constructor(props: AppProps) {
    validateAppProps(props);
    const workspaceRoot = path.resolve(props.workspaceRoot);
    super({
      outdir: props.outdir ?? path.join(workspaceRoot, '.sst', 'cdk.out'),
      context: props.context,
      analyticsReporting: false,
      builtinCloudFormationValidation: props.builtinCloudFormationValidation ?? false,
    });
    this.name = props.name;
    this.stage = props.stage;
    this.region = props.region;
    this.account = props.account;
    this.ssmPrefix = props.ssmPrefix ?? defaultSsmPrefix(props.name, props.stage);
    this.workspaceRoot = workspaceRoot;
    this.productionStages = props.productionStages ?? ['prod', 'production'];
    this.resolveProjectFn = props.resolveProject;
    // Bindings can change until synthesis (`fn.bind()` after creation), so env vars, IAM statements and
    // manifests are written once, by an aspect on the root that runs before anything is rendered.
    cdk.Aspects.of(this).add({ visit: (node: IConstruct) => node instanceof App && node.finalize() });
    cdk.Aspects.of(this).add({ visit: (node: IConstruct) => appOf(node).applyRemovalPolicy(node) });
    makeCurrent(this);
  }

  /** Whether this stage is one whose data is protected. */
  public get isProductionStage(): boolean {
    return this.productionStages.includes(this.stage);
  }

  /** Runs a functional stack in a new Stack named `{stage}-{app}-{id}`; `use(fn)` returns its result. */
  public stack<T>(
    fn: FunctionalStack<T>,
    props: FunctionalStackProps = {},
  ): T extends Promise<unknown> ? Promise<App> : App {
    const { id: explicitId, ...stackProps } = props;
    const id = explicitId ?? fn.name;
    if (!id) {
      throw new Error(
        'app.stack() was given an anonymous function. Name the function or pass { id: "MyStack" }.',
      );
    }
    validateStackId(id);
    if (this.stackResults.has(fn)) {
      throw new Error(
        `Stack "${id}" was added twice with app.stack(${fn.name || id}). Add each stack function once.`,
      );
    }
    if (this.node.tryFindChild(id)) {
      throw new Error(
        `Stack "${id}" already exists in app "${this.name}". Give one of the stacks another id: app.stack(fn, { id: "Other" }).`,
      );
    }
    const stack = new Stack(this, id, stackProps);
    const result = fn({ app: this, stack });
    const record = { stack, result: result as unknown };
    this.stackResults.set(fn as FunctionalStack, record);
    if (result instanceof Promise) {
      return result.then((value) => {
        record.result = value;
        return this;
      }) as never;
    }
    return this as never;
  }

  /** @internal used by `use()` */
  public _use<T>(fn: FunctionalStack<T>): T {
    const record = this.stackResults.get(fn as FunctionalStack);
    if (!record) {
      const name = fn.name || 'this stack';
      throw new Error(
        `use(${name}) was called before app.stack(${name}). In sst.config.ts, add app.stack(${name}) before the stacks that use it.`,
      );
    }
    if (record.result instanceof Promise) {
      throw new Error(
        `use(${fn.name}): ${fn.name} is async and has not finished. Await app.stack(${fn.name}) before adding stacks that use it.`,
      );
    }
    return record.result as T;
  }

  /** Props merged into every Function created after this call (bindings concatenate, environments merge). */
  public setDefaultFunctionProps(props: FunctionProps | ((stack: Stack) => FunctionProps)): void {
    this._defaultFunctionProps.push(props);
  }

  /** Bindings added to every Function created after this call. */
  public addDefaultFunctionBinding(bind: BindingResource[]): void {
    this._defaultFunctionBindings.push(...bind);
  }

  /** Permissions added to every Function created after this call. */
  public addDefaultFunctionPermissions(permissions: Permissions): void {
    this._defaultFunctionProps.push({ permissions });
  }

  /** Environment variables added to every Function created after this call. */
  public addDefaultFunctionEnv(environment: Record<string, string>): void {
    this._defaultFunctionProps.push({ environment });
  }

  /** Lambda layers added to every Function created after this call. */
  public addDefaultFunctionLayers(layers: (string | lambda.ILayerVersion)[]): void {
    this._defaultFunctionProps.push({ layers });
  }

  /** `{stage}-{app}-{name}`, as SST v2 names things, for physical names that must differ per stage. */
  public logicalPrefixedName(name: string): string {
    return `${this.stage}-${this.name}-${name}`;
  }

  /**
   * Removal policy of every resource of the app. Data is kept by default; `destroy` deletes tables and
   * empties and deletes buckets when a stack is removed, and is refused on production stages.
   */
  public setDefaultRemovalPolicy(policy: RemovalPolicyName): void {
    if (!['retain', 'destroy', 'snapshot'].includes(policy)) {
      throw new Error(`setDefaultRemovalPolicy("${policy}"): use "retain", "destroy" or "snapshot".`);
    }
    if (policy === 'destroy' && this.isProductionStage) {
      throw new Error(
        `setDefaultRemovalPolicy("destroy") on the production stage "${this.stage}" would delete its data when a stack is removed. ` +
          `Call it for other stages only: if (!app.isProductionStage) app.setDefaultRemovalPolicy("destroy").`,
      );
    }
    this._defaultRemovalPolicy = policy;
  }

  /** The Nx project that holds `absPath`, from the engine's resolver. */
  public resolveProject(absPath: string): ProjectRef | undefined {
    return this.resolveProjectFn?.(absPath);
  }

  /**
   * Bindings, types and targets of the app from the construct tree alone: no synthesis, no bundling, no AWS.
   */
  public bindingModel(): BindingModel {
    return buildBindingModel(this, this.bindableList, [...this.targets.values()]);
  }

  /**
   * Registers a bindable construct. Ids are checked here, when the construct is created, so the error points
   * at the line that made it. `namespace` is shared by Secret and Parameter (both are `Config.NAME`).
   * @internal
   */
  public _registerBindable(construct: Bindable, namespace: string, label: string): void {
    this._checkBindableId(construct.id, namespace, label);
    // Every value is an SSM parameter named after the id (a secret's too, written by `secrets set`).
    const { type, variables } = construct.getBindings();
    const names = Object.keys(variables).map((prop) =>
      parameterPathFor(this.ssmPrefix, type, construct.id, prop),
    );
    if (type === 'Secret') names.push(fallbackParameterPathFor(this.name, type, construct.id, 'value'));
    for (const name of names) this.checkParameterName(name, construct.id, label);
    this.bindables.set(`${namespace}\0${normalizeId(construct.id)}`, { construct, namespace });
    this.bindableList.push(construct);
  }

  /**
   * Throws when `id` is invalid or already taken in `namespace` (after `-` → `_`).
   * @internal
   */
  public _checkBindableId(id: string, namespace: string, label: string): void {
    validateConstructId(id, label);
    const existing = this.bindables.get(`${namespace}\0${normalizeId(id)}`);
    if (!existing) return;
    const other = existing.construct;
    const otherLabel = describeBindable(other);
    if (other.id === id) {
      throw new Error(
        namespace === 'Config'
          ? `${label} "${id}": ${otherLabel} already exists. Secrets and Parameters share one namespace (Config.${id}); rename one of them.`
          : `${label} "${id}" already exists in app "${this.name}". Ids are unique per type; rename one of them.`,
      );
    }
    throw new Error(
      `${label} "${id}" clashes with ${otherLabel}: ids are compared with "-" read as "_", so both would be ${namespace === 'Config' ? 'Config' : label}.${normalizeId(id)}. Rename one of them.`,
    );
  }

  /** @internal */
  public _registerTarget(target: BindTarget, label: string): void {
    validateConstructId(target.targetId, label);
    this.checkParameterName(targetManifestName(this.ssmPrefix, target.targetId), target.targetId, label);
    const existing = this.targets.get(target.targetId);
    if (existing) {
      throw new Error(
        `${label} "${target.targetId}": another bind target (${existing.targetKind} "${existing.targetId}" at ${existing.node.path}) has the same id, and bind manifests are keyed by it. Rename one of them.`,
      );
    }
    this.targets.set(target.targetId, target);
  }

  /**
   * SSM counts a parameter name with its ARN and allows 1011 characters: a longer id would synthesize
   * and then fail the deploy half-way (or `secrets set`), so it is refused here, naming the fix.
   */
  private checkParameterName(name: string, id: string, label: string): void {
    const arnLength = parameterArnLength(this.region, this.account, name);
    if (arnLength <= SSM_NAME_LIMIT) return;
    const longest = id.length - (arnLength - SSM_NAME_LIMIT);
    const shortName = name.length > 80 ? `${name.slice(0, 40)}…${name.slice(-30)}` : name;
    throw new Error(
      `${label} "${id.length > 40 ? `${id.slice(0, 40)}…` : id}" (${id.length} characters): its SSM parameter ${shortName} would be ${arnLength} characters with its ARN, and SSM allows ${SSM_NAME_LIMIT}. ` +
        (longest >= 1
          ? `Use an id of at most ${longest} characters.`
          : `Shorten the app's ssmPrefix (${this.ssmPrefix.length} characters), then the id.`),
    );
  }

  /** @internal */
  public _registerStack(): void {
    // marker used by Stack to recognise an nx-sst App
  }

  /** Writes env vars, IAM statements and bind manifests of every target. Runs once, at synthesis. */
  private finalize(): void {
    if (this.finalized) return;
    // Marked only once written: a synthesis retried after a refusal refuses again instead of producing an
    // assembly without bindings.
    writeBindManifests(this, [...this.targets.values()]);
    this.finalized = true;
  }

  private applyRemovalPolicy(node: IConstruct): void {
    if (!this._defaultRemovalPolicy || !(node instanceof cdk.CfnResource)) return;
    // Resources that already chose (a bucket with autoDeleteObjects, CDK's own retain defaults) keep their
    // choice only when the app has none; the app-wide policy is what the user asked for.
    const policy = {
      retain: cdk.RemovalPolicy.RETAIN,
      destroy: cdk.RemovalPolicy.DESTROY,
      snapshot: cdk.RemovalPolicy.SNAPSHOT,
    }[this._defaultRemovalPolicy];
    const type = node.cfnResourceType;
    if (policy === cdk.RemovalPolicy.SNAPSHOT && !SNAPSHOT_TYPES.has(type)) return;
    node.applyRemovalPolicy(policy);
  }
}

const SNAPSHOT_TYPES = new Set([
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::EC2::Volume',
  'AWS::ElastiCache::CacheCluster',
  'AWS::Redshift::Cluster',
  'AWS::Neptune::DBCluster',
  'AWS::DocDB::DBCluster',
]);

/** The value a functional stack returned, for cross-stack references: `const { table } = use(Database)`. */
export function use<T>(fn: FunctionalStack<T>): T {
  if (!currentApp) {
    throw new Error(
      `use(${fn.name}) was called outside of an app. Call use() inside a stack function run by app.stack().`,
    );
  }
  return currentApp._use(fn);
}

/** The App that holds a construct. */
export function appOf(construct: IConstruct): App {
  const root = construct.node.root;
  if (!(root instanceof App)) {
    throw new Error(
      `"${construct.node.path}" is not inside an nx-sst App. Create it in a stack function run by app.stack().`,
    );
  }
  return root;
}

/** SSM's limit on a parameter name, which it counts with the ARN (`arn:aws:ssm:{region}:{account}:parameter/…`). */
const SSM_NAME_LIMIT = 1011;

/** Length of a parameter's ARN; a region or account not known before the deploy counts as the longest there is. */
function parameterArnLength(region: string, account: string, name: string): number {
  const known = (v: string) => typeof v === 'string' && !cdk.Token.isUnresolved(v);
  const partition = !known(region)
    ? 'aws-us-gov'
    : region.startsWith('cn-')
      ? 'aws-cn'
      : region.startsWith('us-gov-')
        ? 'aws-us-gov'
        : 'aws';
  const regionLength = known(region) ? region.length : 'ap-southeast-5'.length;
  const accountLength = known(account) ? account.length : 12;
  const slash = name.startsWith('/') ? 0 : 1;
  return (
    `arn:${partition}:ssm:`.length +
    regionLength +
    1 +
    accountLength +
    ':parameter'.length +
    slash +
    name.length
  );
}

export function validateConstructId(id: string, label: string): void {
  if (typeof id !== 'string' || !CONSTRUCT_ID_PATTERN.test(id)) {
    throw new Error(
      `${label} "${id}": invalid id. Ids start with a letter and use only letters, digits, "-" and "_" (they become env var names such as SST_${label}_…_${String(id).replace(/[^a-zA-Z0-9_]/g, '_')}). Rename it, e.g. "${suggestId(String(id))}".`,
    );
  }
}

function suggestId(id: string): string {
  const cleaned = id.replace(/[^a-zA-Z0-9_-]+/g, '-').replace(/^[^a-zA-Z]+/, '');
  return cleaned || 'myResource';
}

function validateAppProps(props: AppProps): void {
  if (!props || typeof props.name !== 'string' || !/^[A-Za-z][A-Za-z0-9-]*$/.test(props.name)) {
    throw new Error(
      `App name "${props?.name}" is invalid: use letters, digits and "-", starting with a letter (it is part of every stack name).`,
    );
  }
  if (typeof props.stage !== 'string' || !/^[A-Za-z][A-Za-z0-9-]*$/.test(props.stage)) {
    throw new Error(
      `Stage "${props.stage}" is invalid: use letters, digits and "-", starting with a letter (it is part of every stack name).`,
    );
  }
  if (!props.region || !props.account) {
    throw new Error(
      `App "${props.name}" needs a region and an account; the nx-sst engine resolves them before building the app.`,
    );
  }
  if (!props.workspaceRoot || !path.isAbsolute(props.workspaceRoot)) {
    throw new Error(
      `App "${props.name}": workspaceRoot must be an absolute path (got "${props.workspaceRoot}").`,
    );
  }
}
