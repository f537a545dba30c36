import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { Bindable, BindingProps, BindingResource } from './binding';
import { checkedId, registerBindable } from './bindable';
import { Function, type FunctionDefinition } from './function';
import type { Permissions } from './permissions';
import { rejectUnknownProps } from './site-environment';

/** A consumer with options of its own, as SST v2's `QueueConsumerProps`. */
export interface QueueConsumerProps {
  /** The consumer: a handler string, Function props or a Function. */
  readonly function: FunctionDefinition;
  /**
   * Escape hatches into the underlying CDK constructs.
   * @default none
   */
  readonly cdk?: {
    /**
     * Props of the SQS event source (`batchSize`, `maxBatchingWindow`, `reportBatchItemFailures`…).
     * @default none
     */
    readonly eventSource?: sources.SqsEventSourceProps;
  };
}

/** Props of {@link Queue}. */
export interface QueueProps {
  /**
   * The function that consumes the messages.
   * @default no consumer
   */
  readonly consumer?: FunctionDefinition | QueueConsumerProps;
  /**
   * Escape hatches into the underlying CDK constructs.
   * @default none
   */
  readonly cdk?: {
    /**
     * CDK node id, when it must differ from the binding id.
     * @default the id
     */
    readonly id?: string;
    /**
     * Props passed to `sqs.Queue` over ours, or an existing queue to use (as in SST v2).
     * @default none
     */
    readonly queue?: sqs.QueueProps | sqs.IQueue;
  };
}

/** An SQS queue. Binds `queueUrl` with `sqs:*` on the queue. */
export class Queue extends Construct implements Bindable {
  public static readonly bindingType = 'Queue';

  public readonly id: string;
  public readonly queueUrl: string;
  public readonly queueArn: string;
  public readonly queueName: string;
  public readonly cdk: { queue: sqs.Queue };
  private consumer?: Function;
  private readonly bindingsForConsumer: BindingResource[] = [];
  private readonly permissionsForConsumer: Permissions[] = [];

  constructor(scope: Construct, id: string, props: QueueProps = {}) {
    super(scope, checkedId(scope, id, 'Queue', { nodeId: props.cdk?.id }));
    this.id = id;
    rejectUnknownProps(props, ['consumer', 'cdk'], `Queue "${id}"`);
    rejectUnknownProps(props.cdk ?? {}, ['id', 'queue'], `Queue "${id}" cdk`);
    const queue =
      props.cdk?.queue instanceof Construct
        ? (props.cdk.queue as sqs.Queue)
        : new sqs.Queue(this, 'Queue', { ...(props.cdk?.queue as sqs.QueueProps | undefined) });
    this.cdk = { queue };
    this.queueUrl = queue.queueUrl;
    this.queueArn = queue.queueArn;
    this.queueName = queue.queueName;
    if (props.consumer) this.addConsumer(this, props.consumer);
    registerBindable(this);
  }

  /** The consumer function, when there is one. */
  public get consumerFunction(): Function | undefined {
    return this.consumer;
  }

  /** Adds the consumer after creation: `queue.addConsumer(stack, "path.handler")`, as in SST v2. */
  public addConsumer(scope: Construct, consumer: FunctionDefinition | QueueConsumerProps): void {
    const describe = `Queue "${this.id}" consumer`;
    if (this.consumer) {
      throw new Error(
        `Queue "${this.id}": it already has a consumer ("${this.consumer.id}"); a queue has one.`,
      );
    }
    const def: QueueConsumerProps =
      typeof consumer === 'object' &&
      consumer !== null &&
      !(consumer instanceof Function) &&
      'function' in consumer
        ? consumer
        : { function: consumer as FunctionDefinition };
    rejectUnknownProps(def, ['function', 'cdk'], describe);
    rejectUnknownProps(def.cdk ?? {}, ['eventSource'], `${describe} cdk`, {
      function:
        "A consumer's cdk.function (an existing lambda function) is not available; give a Function of @nx-sst/constructs as function.",
    });
    const fn = Function.fromDefinition(scope, `${this.id}-consumer`, def.function);
    fn.addEventSource(new sources.SqsEventSource(this.cdk.queue, def.cdk?.eventSource));
    fn.bind(this.bindingsForConsumer);
    for (const permissions of this.permissionsForConsumer) fn.attachPermissions(permissions);
    this.consumer = fn;
  }

  /** Binds constructs to the consumer function, also one added later. */
  public bind(constructs: BindingResource[]): void {
    this.bindingsForConsumer.push(...constructs);
    this.consumer?.bind(constructs);
  }

  /** Adds permissions to the consumer function, also one added later. */
  public attachPermissions(permissions: Permissions): void {
    this.permissionsForConsumer.push(permissions);
    this.consumer?.attachPermissions(permissions);
  }

  public getBindings(): BindingProps {
    return {
      type: Queue.bindingType,
      clientPackage: 'queue',
      variables: { queueUrl: { type: 'plain', value: this.queueUrl } },
      permissions: [{ actions: ['sqs:*'], resources: [this.queueArn] }],
    };
  }
}
