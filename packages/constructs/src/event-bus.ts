import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { Bindable, BindingProps, BindingResource } from './binding';
import { checkedId, registerBindable } from './bindable';
import { Function, type FunctionDefinition } from './function';

/** One rule of an {@link EventBus}. */
export interface EventBusRuleProps {
  /** Events the rule matches. */
  readonly pattern: events.EventPattern;
  /**
   * Target functions by name.
   * @default no targets
   */
  readonly targets?: Record<string, FunctionDefinition>;
}

/** Props of {@link EventBus}. */
export interface EventBusProps {
  /**
   * Rules by name.
   * @default no rules
   */
  readonly rules?: Record<string, EventBusRuleProps>;
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
     * Props passed to `events.EventBus` over ours.
     * @default none
     */
    readonly eventBus?: events.EventBusProps;
  };
}

/** An EventBridge event bus. Binds `eventBusName` with `events:*` on the bus. */
export class EventBus extends Construct implements Bindable {
  public static readonly bindingType = 'EventBus';

  public readonly id: string;
  public readonly eventBusName: string;
  public readonly eventBusArn: string;
  public readonly cdk: { eventBus: events.EventBus; rules: Record<string, events.Rule> };
  private readonly targetFunctions = new Map<string, Function>();

  constructor(scope: Construct, id: string, props: EventBusProps = {}) {
    super(scope, checkedId(scope, id, 'EventBus', { nodeId: props.cdk?.id }));
    this.id = id;
    const eventBus = new events.EventBus(this, 'EventBus', { ...props.cdk?.eventBus });
    this.cdk = { eventBus, rules: {} };
    this.eventBusName = eventBus.eventBusName;
    this.eventBusArn = eventBus.eventBusArn;
    for (const [ruleName, rule] of Object.entries(props.rules ?? {})) {
      const cdkRule = new events.Rule(this, `Rule_${ruleName}`, { eventBus, eventPattern: rule.pattern });
      this.cdk.rules[ruleName] = cdkRule;
      for (const [targetName, def] of Object.entries(rule.targets ?? {})) {
        const fn = Function.fromDefinition(this, `${id}-${ruleName}-${targetName}`, def);
        cdkRule.addTarget(new targets.LambdaFunction(fn));
        this.targetFunctions.set(`${ruleName}/${targetName}`, fn);
      }
    }
    registerBindable(this);
  }

  /** The function of a rule's target. */
  public getFunction(ruleName: string, targetName: string): Function | undefined {
    return this.targetFunctions.get(`${ruleName}/${targetName}`);
  }

  /** Binds constructs to every target function. */
  public bind(constructs: BindingResource[]): void {
    for (const fn of this.targetFunctions.values()) fn.bind(constructs);
  }

  public getBindings(): BindingProps {
    return {
      type: EventBus.bindingType,
      clientPackage: 'event-bus',
      variables: { eventBusName: { type: 'plain', value: this.eventBusName } },
      permissions: [{ actions: ['events:*'], resources: [this.eventBusArn] }],
    };
  }
}
