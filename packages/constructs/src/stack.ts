import * as cdk from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { App } from './app';
import type { BindingResource } from './binding';
import type { Function, FunctionProps } from './function';
import type { Permissions } from './permissions';

/** Props of {@link Stack}. */
export interface StackProps extends cdk.StackProps {
  /**
   * CloudFormation stack name.
   * @default `{stage}-{app}-{id}`
   */
  readonly stackName?: string;
}

/**
 * A CloudFormation stack of an nx-sst app, named `{stage}-{app}-{id}`, deployed to the app's account
 * and region. Functional stacks (`app.stack(Default)`) create it for you.
 */
export class Stack extends cdk.Stack {
  /** The stage this stack belongs to. */
  public readonly stage: string;
  /** @internal */
  public readonly _defaultFunctionProps: (FunctionProps | ((stack: Stack) => FunctionProps))[] = [];
  /** @internal */
  public readonly _defaultFunctionBindings: BindingResource[] = [];
  private readonly outputNames = new Map<string, string>();

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    const app = appOf(scope);
    validateStackId(id);
    const stackName = props.stackName ?? `${app.stage}-${app.name}-${id}`;
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(stackName) || stackName.length > 128) {
      throw new Error(
        `Stack "${id}": its CloudFormation name "${stackName}" is invalid. Stack names use letters, digits and "-", start with a letter and have at most 128 characters; rename the app, stage or stack.`,
      );
    }
    const env = props.env ?? { account: app.account, region: app.region };
    refuseSameName(app, id, stackName, env);
    super(scope, id, {
      ...props,
      stackName,
      env,
      synthesizer: props.synthesizer ?? new cdk.DefaultStackSynthesizer(),
    });
    this.stage = app.stage;
  }

  /** Function props merged into every Function created in this stack after this call. */
  public setDefaultFunctionProps(props: FunctionProps | ((stack: Stack) => FunctionProps)): void {
    this._defaultFunctionProps.push(props);
  }

  /** Bindings added to every Function created in this stack after this call. */
  public addDefaultFunctionBinding(bind: BindingResource[]): void {
    this._defaultFunctionBindings.push(...bind);
  }

  /** Permissions added to every Function created in this stack after this call. */
  public addDefaultFunctionPermissions(permissions: Permissions): void {
    this._defaultFunctionProps.push({ permissions });
  }

  /** Environment variables added to every Function created in this stack after this call. */
  public addDefaultFunctionEnv(environment: Record<string, string>): void {
    this._defaultFunctionProps.push({ environment });
  }

  /** Lambda layers added to every Function created in this stack after this call. */
  public addDefaultFunctionLayers(layers: (string | lambda.ILayerVersion)[]): void {
    this._defaultFunctionProps.push({ layers });
  }

  /** Every Function of this stack, however deep (Api routes, consumers, cron jobs included). */
  public getAllFunctions(): Function[] {
    return this.node
      .findAll()
      .filter((c): c is Function => (c.constructor as { bindingType?: string }).bindingType === 'Function');
  }

  /**
   * CloudFormation outputs of the stack, as in SST v2: `stack.addOutputs({ ApiUrl: api.url })`, or
   * `{ value, exportName, description }` for an export other stacks and apps can import. The output is named
   * after the key without its non-alphanumeric characters; `undefined` values are skipped. `nx-sst deploy`
   * prints them after the deploy.
   */
  public addOutputs(outputs: Record<string, string | cdk.CfnOutputProps | undefined>): void {
    if (!outputs || typeof outputs !== 'object') {
      throw new Error(
        `Stack "${this.node.id}": addOutputs takes an object of outputs, e.g. stack.addOutputs({ ApiUrl: api.url }).`,
      );
    }
    for (const [key, value] of Object.entries(outputs)) {
      if (value === undefined) continue;
      const name = key.replace(/[^A-Za-z0-9]/g, '');
      const describe = `Stack "${this.node.id}": output "${key}"`;
      if (!name)
        throw new Error(`${describe} has no letter or digit; CloudFormation names outputs with those only.`);
      if (
        typeof value !== 'string' &&
        (typeof value !== 'object' || value === null || typeof value.value !== 'string')
      ) {
        throw new Error(
          `${describe} must be a string (api.url, bucket.bucketName…) or { value: string, exportName?, description? }; got ${JSON.stringify(value)}.`,
        );
      }
      const clash = this.outputNames.get(name);
      if (clash !== undefined) {
        throw new Error(
          `${describe} has the CloudFormation name "${name}", already taken by output "${clash}". Rename one of them.`,
        );
      }
      this.outputNames.set(name, key);
      // The construct id has a prefix so a key may equal a construct's id (addOutputs({ notes: table.tableName }));
      // the logical id is the key, which is what CloudFormation shows.
      const output = new cdk.CfnOutput(
        this,
        `SSTStackOutput${key}`,
        typeof value === 'string' ? { value } : value,
      );
      output.overrideLogicalId(name);
    }
  }

  /** The nx-sst Stack that holds `construct`. */
  public static override of(construct: Construct): Stack {
    const stack = cdk.Stack.of(construct);
    if (!(stack instanceof Stack)) {
      throw new Error(
        `"${construct.node.path}" is not inside an nx-sst Stack. Create constructs inside a stack function (app.stack(MyStack)) or a Stack of @nx-sst/constructs.`,
      );
    }
    return stack;
  }
}

export function validateStackId(id: string): void {
  if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(id)) {
    throw new Error(
      `Stack "${id}": stack ids use letters, digits and "-" and start with a letter (they are part of the CloudFormation stack name). Rename the stack function or pass { id: "..." } to app.stack().`,
    );
  }
}

/**
 * Two stacks of one name in one account and region would be one CloudFormation stack: each deploy
 * would replace the other's resources with its own.
 */
function refuseSameName(app: App, id: string, stackName: string, env: cdk.Environment): void {
  const where = (account?: string, region?: string) => `${account ?? app.account}/${region ?? app.region}`;
  const other = app.node.children.find(
    (c): c is cdk.Stack =>
      c instanceof cdk.Stack &&
      c.stackName === stackName &&
      where(c.account, c.region) === where(env.account, env.region),
  );
  if (other) {
    throw new Error(
      `Stack "${id}": its CloudFormation name "${stackName}" is already the name of stack "${other.node.id}" in the same account and region, and each deploy would replace the other's resources. Give one of them another stackName.`,
    );
  }
}

function appOf(scope: Construct): App {
  const root = scope.node.root as App;
  if (typeof (root as { _registerStack?: unknown })._registerStack !== 'function') {
    throw new Error(
      `A Stack of @nx-sst/constructs must be created inside an nx-sst App (new App({ name, stage, ... })), not "${scope.node.path || 'a plain cdk.App'}".`,
    );
  }
  return root;
}
