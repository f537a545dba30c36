import * as cdk from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { appOf } from './app';
import {
  type BindableSecret,
  type BindingProps,
  fallbackParameterPathFor,
  parameterArn,
  parameterPathFor,
} from './binding';
import { checkedId, registerBindable } from './bindable';

const secretValueTokens = new Map<string, Secret>();

/**
 * A secret: its value is a SecureString written by `nx-sst secrets set` (or `--fallback` for every stage),
 * never by CloudFormation and never in a template. Binds `value` (read from SSM at cold start) with
 * `ssm:GetParameters` on exactly its stage and fallback parameters.
 */
export class Secret extends Construct implements BindableSecret {
  public static readonly bindingType = 'Secret';

  public readonly id: string;
  /** The name users read: `Config.NAME`. */
  public readonly name: string;
  /** SSM parameter of this stage's value. */
  public readonly parameterName: string;
  /** SSM parameter of the value shared by every stage without one. */
  public readonly fallbackParameterName: string;

  constructor(scope: Construct, id: string) {
    super(scope, checkedId(scope, id, 'Secret', { namespace: 'Config' }));
    this.id = id;
    this.name = id;
    const app = appOf(scope);
    this.parameterName = parameterPathFor(app.ssmPrefix, Secret.bindingType, id, 'value');
    this.fallbackParameterName = fallbackParameterPathFor(app.name, Secret.bindingType, id, 'value');
    registerBindable(this, 'Config');
  }

  /**
   * A stand-in for the secret's value. It cannot be synthesized (the value is not known at deploy); it exists
   * so that putting it into an `environment` is caught with a clear error. Bind the secret instead.
   */
  public get value(): string {
    const token = cdk.Lazy.string({
      produce: () => {
        throw new Error(
          `Secret "${this.id}": its value cannot be placed in a template. Bind the secret (bind: [secret]) and read Config.${this.id} in server code.`,
        );
      },
    });
    secretValueTokens.set(token, this);
    return token;
  }

  /** The Secret whose `value` stand-in appears in `text`, if any. */
  public static inValue(text: string): Secret | undefined {
    for (const [token, secret] of secretValueTokens) if (text.includes(token)) return secret;
    return undefined;
  }

  /** Creates several secrets at once: `const { STRIPE_KEY, DB_PASSWORD } = Config.Secret.create(stack, "STRIPE_KEY", "DB_PASSWORD")`. */
  public static create<T extends string>(scope: Construct, ...names: T[]): Record<T, Secret> {
    return Object.fromEntries(names.map((n) => [n, new Secret(scope, n)])) as Record<T, Secret>;
  }

  public getBindings(): BindingProps {
    const app = appOf(this);
    return {
      type: Secret.bindingType,
      clientPackage: 'config',
      variables: { value: { type: 'secret' } },
      permissions: [
        {
          actions: ['ssm:GetParameters'],
          resources: [
            parameterArn(app.region, app.account, this.parameterName),
            parameterArn(app.region, app.account, this.fallbackParameterName),
          ],
        },
      ],
    };
  }
}
