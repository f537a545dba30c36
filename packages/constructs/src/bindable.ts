import * as ssm from 'aws-cdk-lib/aws-ssm';
import { appOf } from './app';
import { type Bindable, parameterPathFor } from './binding';

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
    new ssm.StringParameter(construct, `Parameter_${prop}`, {
      parameterName: parameterPathFor(app.ssmPrefix, type, construct.id, prop),
      stringValue: value,
    });
  }
}
