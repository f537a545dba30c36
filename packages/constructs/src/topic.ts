import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Bindable, BindingProps, BindingResource } from './binding';
import { checkedId, registerBindable } from './bindable';
import { Function, type FunctionDefinition, type FunctionProps } from './function';
import { Queue } from './queue';

/** Props of {@link Topic}. */
export interface TopicProps {
  /**
   * Subscribers by name: a function (handler, props or Function) or a Queue.
   * @default no subscribers
   */
  readonly subscribers?: Record<string, FunctionDefinition | Queue>;
  /**
   * Props of every subscriber function created by this topic.
   * @default none
   */
  readonly defaults?: { readonly function?: FunctionProps };
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
     * Props passed to `sns.Topic` over ours.
     * @default none
     */
    readonly topic?: sns.TopicProps;
  };
}

/** An SNS topic. Binds `topicArn` with `sns:*` on the topic. */
export class Topic extends Construct implements Bindable {
  public static readonly bindingType = 'Topic';

  public readonly id: string;
  public readonly topicArn: string;
  public readonly topicName: string;
  public readonly cdk: { topic: sns.Topic };
  private readonly subscriberFunctions = new Map<string, Function>();

  constructor(scope: Construct, id: string, props: TopicProps = {}) {
    super(scope, checkedId(scope, id, 'Topic', { nodeId: props.cdk?.id }));
    this.id = id;
    const topic = new sns.Topic(this, 'Topic', { ...props.cdk?.topic });
    this.cdk = { topic };
    this.topicArn = topic.topicArn;
    this.topicName = topic.topicName;
    for (const [name, subscriber] of Object.entries(props.subscribers ?? {})) {
      if (subscriber instanceof Queue) {
        topic.addSubscription(new subs.SqsSubscription(subscriber.cdk.queue));
        continue;
      }
      const fn = Function.fromDefinition(this, `${id}-${name}`, subscriber, props.defaults?.function);
      topic.addSubscription(new subs.LambdaSubscription(fn));
      this.subscriberFunctions.set(name, fn);
    }
    registerBindable(this);
  }

  /** The function of a subscriber. */
  public getFunction(name: string): Function | undefined {
    return this.subscriberFunctions.get(name);
  }

  /** Binds constructs to every subscriber function. */
  public bind(constructs: BindingResource[]): void {
    for (const fn of this.subscriberFunctions.values()) fn.bind(constructs);
  }

  public getBindings(): BindingProps {
    return {
      type: Topic.bindingType,
      clientPackage: 'topic',
      variables: { topicArn: { type: 'plain', value: this.topicArn } },
      permissions: [{ actions: ['sns:*'], resources: [this.topicArn] }],
    };
  }
}
