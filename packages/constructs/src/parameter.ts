import { Construct } from 'constructs';
import type { Bindable, BindingProps } from './binding';
import { checkedId, registerBindable } from './bindable';
import { rejectUnknownProps } from './site-environment';

/** Props of {@link Parameter}. */
export interface ParameterProps {
  /** The value; may be a deploy-time value such as `bucket.bucketName`. */
  readonly value: string;
}

/** A plain configuration value, read as `Config.NAME`. Binds `value`; no permissions needed. */
export class Parameter extends Construct implements Bindable {
  public static readonly bindingType = 'Parameter';

  public readonly id: string;
  public readonly name: string;
  public readonly value: string;

  constructor(scope: Construct, id: string, props: ParameterProps) {
    super(scope, checkedId(scope, id, 'Parameter', { namespace: 'Config' }));
    this.id = id;
    this.name = id;
    rejectUnknownProps(props ?? {}, ['value'], `Parameter "${id}"`);
    if (!props || typeof props.value !== 'string') {
      throw new Error(
        `Parameter "${id}": needs a string value, e.g. new Config.Parameter(stack, "${id}", { value: "..." }).`,
      );
    }
    this.value = props.value;
    registerBindable(this, 'Config');
  }

  /** Creates several parameters at once: `Config.Parameter.create(stack, { VERSION: "1.2", API_URL: api.url })`. */
  public static create<T extends Record<string, string>>(
    scope: Construct,
    values: T,
  ): { [K in keyof T]: Parameter } {
    return Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, new Parameter(scope, k, { value: v })]),
    ) as {
      [K in keyof T]: Parameter;
    };
  }

  public getBindings(): BindingProps {
    return {
      type: Parameter.bindingType,
      clientPackage: 'config',
      variables: { value: { type: 'plain', value: this.value } },
      permissions: [],
    };
  }
}
