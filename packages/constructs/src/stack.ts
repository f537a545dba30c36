import * as cdk from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { App } from './app';
import type { BindingResource } from './binding';
import type { FunctionProps } from './function';

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
