import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sources from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { Bindable, BindingProps, BindingResource } from './binding';
import { checkedId, registerBindable } from './bindable';
import { Function, type FunctionDefinition } from './function';

/** Props of {@link Queue}. */
export interface QueueProps {
  /**
   * The function that consumes the messages.
   * @default no consumer
   */
  readonly consumer?:
    | FunctionDefinition
    | { function: FunctionDefinition; cdk?: { eventSource?: sources.SqsEventSourceProps } };
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
     * Props passed to `sqs.Queue` over ours.
     * @default none
     */
    readonly queue?: sqs.QueueProps;
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
  /** The consumer function, when there is one. */
  public readonly consumerFunction?: Function;

  constructor(scope: Construct, id: string, props: QueueProps = {}) {
    super(scope, checkedId(scope, id, 'Queue', { nodeId: props.cdk?.id }));
    this.id = id;
    const queue = new sqs.Queue(this, 'Queue', { ...props.cdk?.queue });
    this.cdk = { queue };
    this.queueUrl = queue.queueUrl;
    this.queueArn = queue.queueArn;
    this.queueName = queue.queueName;
    if (props.consumer) {
      const def =
        typeof props.consumer === 'object' &&
        'function' in props.consumer &&
        !(props.consumer instanceof Function)
          ? props.consumer
          : { function: props.consumer as FunctionDefinition };
      const fn = Function.fromDefinition(this, `${id}-consumer`, def.function);
      fn.addEventSource(new sources.SqsEventSource(queue, def.cdk?.eventSource));
      this.consumerFunction = fn;
    }
    registerBindable(this);
  }

  /** Binds constructs to the consumer function. */
  public bind(constructs: BindingResource[]): void {
    this.consumerFunction?.bind(constructs);
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
