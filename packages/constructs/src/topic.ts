import * as sns from 'aws-cdk-lib/aws-sns';
import * as subs from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Bindable, BindingProps, BindingResource } from './binding';
import { checkedId, registerBindable } from './bindable';
import { Function, type FunctionDefinition, type FunctionProps } from './function';
import type { Permissions } from './permissions';
import { Queue } from './queue';
import { rejectUnknownProps } from './site-environment';

/** A function subscriber with options of its own, as SST v2's `TopicFunctionSubscriberProps`. */
export interface TopicFunctionSubscriberProps {
  /** @default 'function' */
  readonly type?: 'function';
  /** The subscriber: a handler string, Function props or a Function. */
  readonly function: FunctionDefinition;
  /** @default none */
  readonly cdk?: { readonly subscription?: subs.LambdaSubscriptionProps };
}

/** A queue subscriber with options of its own, as SST v2's `TopicQueueSubscriberProps`. */
export interface TopicQueueSubscriberProps {
  readonly type: 'queue';
  readonly queue: Queue;
  /** @default none */
  readonly cdk?: { readonly subscription?: subs.SqsSubscriptionProps };
}

/** A subscriber: a function (handler, props, Function), a Queue, or one of those with options. */
export type TopicSubscriber =
  FunctionDefinition | Queue | TopicFunctionSubscriberProps | TopicQueueSubscriberProps;

/** Props of {@link Topic}. */
export interface TopicProps {
  /**
   * Subscribers by name: a function (handler, props or Function) or a Queue, or `{ function | queue, cdk }`.
   * @default no subscribers
   */
  readonly subscribers?: Record<string, TopicSubscriber>;
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
     * Props passed to `sns.Topic` over ours, or an existing topic to use (as in SST v2).
     * @default none
     */
    readonly topic?: sns.TopicProps | sns.ITopic;
  };
}

/** An SNS topic. Binds `topicArn` with `sns:*` on the topic. */
export class Topic extends Construct implements Bindable {
  public static readonly bindingType = 'Topic';

  public readonly id: string;
  public readonly topicArn: string;
  public readonly topicName: string;
  public readonly cdk: { topic: sns.Topic };
  private readonly subscribers = new Map<
    string,
    { target: Function | Queue; subscription: sns.Subscription }
  >();
  private readonly defaults: FunctionProps;
  private readonly bindingsForAll: BindingResource[] = [];
  private readonly permissionsForAll: Permissions[] = [];

  constructor(scope: Construct, id: string, props: TopicProps = {}) {
    super(scope, checkedId(scope, id, 'Topic', { nodeId: props.cdk?.id }));
    this.id = id;
    rejectUnknownProps(props, ['subscribers', 'defaults', 'cdk'], `Topic "${id}"`);
    rejectUnknownProps(props.cdk ?? {}, ['id', 'topic'], `Topic "${id}" cdk`);
    this.defaults = props.defaults?.function ?? {};
    const topic =
      props.cdk?.topic instanceof Construct
        ? (props.cdk.topic as sns.Topic)
        : new sns.Topic(this, 'Topic', { ...(props.cdk?.topic as sns.TopicProps | undefined) });
    this.cdk = { topic };
    this.topicArn = topic.topicArn;
    this.topicName = topic.topicName;
    this.addSubscribers(this, props.subscribers ?? {});
    registerBindable(this);
  }

  /** The SNS subscriptions, one per subscriber. */
  public get subscriptions(): sns.Subscription[] {
    return [...this.subscribers.values()].map((s) => s.subscription);
  }

  /** The functions of the function subscribers. */
  public get subscriberFunctions(): Function[] {
    return [...this.subscribers.values()]
      .map((s) => s.target)
      .filter((t): t is Function => t instanceof Function);
  }

  /** Adds subscribers: `topic.addSubscribers(stack, { audit: "path.handler" })`, as in SST v2. */
  public addSubscribers(scope: Construct, subscribers: Record<string, TopicSubscriber>): void {
    for (const [name, subscriber] of Object.entries(subscribers)) this.addSubscriber(scope, name, subscriber);
  }

  /** The function of a subscriber. */
  public getFunction(name: string): Function | undefined {
    const target = this.subscribers.get(name)?.target;
    return target instanceof Function ? target : undefined;
  }

  /** Binds constructs to every subscriber function, including ones added later. */
  public bind(constructs: BindingResource[]): void {
    this.bindingsForAll.push(...constructs);
    for (const fn of this.subscriberFunctions) fn.bind(constructs);
  }

  /** Binds constructs to one subscriber's function. */
  public bindToSubscriber(name: string, constructs: BindingResource[]): void {
    this.subscriberFunction(name, 'bindToSubscriber').bind(constructs);
  }

  /** Adds permissions to every subscriber function, including ones added later. */
  public attachPermissions(permissions: Permissions): void {
    this.permissionsForAll.push(permissions);
    for (const fn of this.subscriberFunctions) fn.attachPermissions(permissions);
  }

  /** Adds permissions to one subscriber's function. */
  public attachPermissionsToSubscriber(name: string, permissions: Permissions): void {
    this.subscriberFunction(name, 'attachPermissionsToSubscriber').attachPermissions(permissions);
  }

  public getBindings(): BindingProps {
    return {
      type: Topic.bindingType,
      clientPackage: 'topic',
      variables: { topicArn: { type: 'plain', value: this.topicArn } },
      permissions: [{ actions: ['sns:*'], resources: [this.topicArn] }],
    };
  }

  private subscriberFunction(name: string, method: string): Function {
    const target = this.subscribers.get(name)?.target;
    if (target instanceof Function) return target;
    throw new Error(
      target
        ? `Topic "${this.id}": ${method}("${name}"): that subscriber is a Queue, not a function.`
        : `Topic "${this.id}": no subscriber "${name}". Subscribers: ${[...this.subscribers.keys()].join(', ') || 'none'}.`,
    );
  }

  private addSubscriber(scope: Construct, name: string, subscriber: TopicSubscriber): void {
    const describe = `Topic "${this.id}" subscriber "${name}"`;
    if (this.subscribers.has(name)) throw new Error(`${describe}: the subscriber is defined twice.`);
    const s = (typeof subscriber === 'object' && subscriber !== null ? subscriber : {}) as {
      type?: string;
      queue?: unknown;
      function?: FunctionDefinition;
      cdk?: { subscription?: object };
    };
    let subscription: sns.Subscription;
    if (subscriber instanceof Queue || s.type === 'queue' || s.queue !== undefined) {
      const queue = subscriber instanceof Queue ? subscriber : s.queue;
      if (!(subscriber instanceof Queue)) rejectUnknownProps(s, ['type', 'queue', 'cdk'], describe);
      if (!(queue instanceof Queue))
        throw new Error(`${describe}: queue must be a Queue of @nx-sst/constructs.`);
      subscription = this.subscribe(new subs.SqsSubscription(queue.cdk.queue, s.cdk?.subscription));
      this.subscribers.set(name, { target: queue, subscription });
      return;
    }
    let definition = subscriber as FunctionDefinition;
    let options: subs.LambdaSubscriptionProps | undefined;
    if (!(subscriber instanceof Function) && (s.function !== undefined || s.type === 'function')) {
      rejectUnknownProps(s, ['type', 'function', 'cdk'], describe);
      definition = s.function as FunctionDefinition;
      options = s.cdk?.subscription;
    }
    const fn = Function.fromDefinition(scope, `${this.id}-${name}`, definition, this.defaults);
    fn.bind(this.bindingsForAll);
    for (const permissions of this.permissionsForAll) fn.attachPermissions(permissions);
    subscription = this.subscribe(new subs.LambdaSubscription(fn, options));
    this.subscribers.set(name, { target: fn, subscription });
  }

  private subscribe(topicSubscription: sns.ITopicSubscription): sns.Subscription {
    return this.cdk.topic.addSubscription(topicSubscription);
  }
}
