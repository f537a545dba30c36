import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { BindingResource } from './binding';
import { Function, type FunctionDefinition, type FunctionProps } from './function';
import type { Permissions } from './permissions';
import { rejectUnknownProps } from './site-environment';

/** A stream consumer with options of its own, as SST v2's `TableConsumerProps`/`KinesisStreamConsumerProps`. */
export interface StreamConsumerProps<EventSourceProps> {
  /** The consumer: a handler string, Function props or a Function. */
  readonly function: FunctionDefinition;
  /**
   * Lambda event filter patterns: only records matching one of them reach the function.
   * @default every record
   */
  readonly filters?: object[];
  /**
   * Escape hatches into the underlying CDK constructs.
   * @default none
   */
  readonly cdk?: {
    /**
     * Props of the event source (`batchSize`, `startingPosition`, …) over ours.
     * @default from the latest record
     */
    readonly eventSource?: EventSourceProps;
  };
}

/** A consumer: a handler string, Function props, a Function, or `{ function, filters, cdk }`. */
export type StreamConsumer<EventSourceProps = object> =
  FunctionDefinition | StreamConsumerProps<EventSourceProps>;

/** What an owner's event source is built from. */
export interface StreamSourceOptions {
  readonly startingPosition: lambda.StartingPosition;
  readonly filters?: { pattern: string }[];
}

/**
 * The consumer functions of a stream (a Table's or a KinesisStream's): one Function per name, with the id
 * `{id}-{name}`, each reading from the latest record unless its event source says otherwise. Kept internal
 * so both constructs expose the same `getFunction()`, `bind()` and `attachPermissions()` and create the same
 * logical ids. Bindings and permissions given for all consumers also reach consumers added later, as in SST v2.
 */
export class StreamConsumers {
  private readonly functions = new Map<string, Function>();
  private readonly bindingsForAll: BindingResource[] = [];
  private readonly permissionsForAll: Permissions[] = [];

  constructor(
    owner: Construct,
    private readonly id: string,
    consumers: Record<string, StreamConsumer> | undefined,
    private readonly eventSource: (options: StreamSourceOptions, overrides: object) => lambda.IEventSource,
    private readonly defaults: FunctionProps = {},
    private readonly describeOwner = `"${id}"`,
  ) {
    this.add(owner, consumers ?? {});
  }

  /** Adds consumers; their functions are created in `scope`. */
  public add(scope: Construct, consumers: Record<string, StreamConsumer>): void {
    for (const [name, consumer] of Object.entries(consumers)) {
      const describe = `${this.describeOwner} consumer "${name}"`;
      if (this.functions.has(name)) throw new Error(`${describe}: the consumer is defined twice.`);
      const props: StreamConsumerProps<object> =
        typeof consumer === 'object' &&
        consumer !== null &&
        !(consumer instanceof Function) &&
        'function' in consumer
          ? consumer
          : { function: consumer as FunctionDefinition };
      rejectUnknownProps(props, ['function', 'filters', 'cdk'], describe);
      rejectUnknownProps(props.cdk ?? {}, ['eventSource'], `${describe} cdk`);
      const fn = Function.fromDefinition(scope, `${this.id}-${name}`, props.function, this.defaults);
      fn.addEventSource(
        this.eventSource(
          {
            startingPosition: lambda.StartingPosition.LATEST,
            filters: props.filters?.map((filter) => ({ pattern: JSON.stringify(filter) })),
          },
          props.cdk?.eventSource ?? {},
        ),
      );
      fn.bind(this.bindingsForAll);
      for (const permissions of this.permissionsForAll) fn.attachPermissions(permissions);
      this.functions.set(name, fn);
    }
  }

  public get(name: string): Function | undefined {
    return this.functions.get(name);
  }

  /** The function of a consumer, or an error naming the consumers there are. */
  public require(name: string): Function {
    const fn = this.functions.get(name);
    if (fn) return fn;
    throw new Error(
      `${this.describeOwner}: no consumer "${name}". Consumers: ${[...this.functions.keys()].join(', ') || 'none'}.`,
    );
  }

  public bind(constructs: BindingResource[]): void {
    this.bindingsForAll.push(...constructs);
    for (const fn of this.functions.values()) fn.bind(constructs);
  }

  public attachPermissions(permissions: Permissions): void {
    this.permissionsForAll.push(permissions);
    for (const fn of this.functions.values()) fn.attachPermissions(permissions);
  }
}
