import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import { appOf } from './app';
import { type Bindable, estimateResolvedLength, parameterPathFor } from './binding';
import { SSM_ADVANCED_LIMIT, SSM_STANDARD_LIMIT } from './bind-manifest';

/**
 * Registers a bindable construct with its app (id checks) and creates the String SSM parameter of each of its
 * `plain`, `site_url` and `secret_reference` values, whether or not anything binds it: `nx-sst bind` and the
 * runtime read them. Secrets get none: their values exist only as SecureStrings written by `secrets set`.
 */
export function registerBindable(construct: Bindable, namespace?: string): void {
  const app = appOf(construct);
  const { type, variables } = construct.getBindings();
  app._registerBindable(construct, namespace ?? type, type);
  for (const [prop, variable] of Object.entries(variables)) {
    if (variable.type === 'secret') continue;
    const value =
      variable.type === 'secret_reference' ? `__FETCH_FROM_SECRET__:${variable.secret.name}` : variable.value;
    // SSM keeps 4 KB on the Standard tier (an account's default, which CloudFormation uses when no tier is
    // given) and 8 KB on the Advanced one; beyond that nothing deploys.
    const size = estimateResolvedLength(construct, value);
    if (size > SSM_ADVANCED_LIMIT) {
      throw new Error(
        `${type} "${construct.id}": its ${prop} is ${size} bytes, more than the ${SSM_ADVANCED_LIMIT} an SSM parameter holds. Keep a large value elsewhere (an object in a Bucket) and bind that.`,
      );
    }
    new ssm.StringParameter(construct, `Parameter_${prop}`, {
      parameterName: parameterPathFor(app.ssmPrefix, type, construct.id, prop),
      stringValue: value,
      ...(size > SSM_STANDARD_LIMIT ? { tier: ssm.ParameterTier.ADVANCED } : {}),
    });
  }
}

/**
 * Checks a bindable's id before the construct exists, so a duplicate gets our message (naming the clash and
 * the fix) rather than CDK's "There is already a Construct with name". Returns the CDK node id.
 */
export function checkedId(
  scope: Construct,
  id: string,
  label: string,
  options: { namespace?: string; nodeId?: string } = {},
): string {
  const app = appOf(scope);
  app._checkBindableId(id, options.namespace ?? label, label);
  const nodeId = options.nodeId ?? id;
  const clash = scope.node.tryFindChild(nodeId) as
    { id?: string; getBindings?: () => { type: string } } | undefined;
  if (clash) {
    const what = clash.getBindings ? `${clash.getBindings().type} "${clash.id}"` : `construct "${nodeId}"`;
    throw new Error(
      `${label} "${id}": ${scope.node.path || 'the app'} already holds ${what} with the same construct id. Rename one of them.`,
    );
  }
  return nodeId;
}
