import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { BindingResource } from './binding';
import { Function, type FunctionDefinition } from './function';

/** Props of {@link Cron}. */
export interface CronProps {
  /** `rate(5 minutes)` or `cron(15 10 * * ? *)`. */
  readonly schedule: string;
  /** The function run on the schedule. */
  readonly job: FunctionDefinition;
  /**
   * Escape hatches into the underlying CDK constructs.
   * @default none
   */
  readonly cdk?: {
    /**
     * Props passed to `events.Rule` over ours.
     * @default none
     */
    readonly rule?: Partial<events.RuleProps>;
  };
}

/** A function run on a schedule. Not bindable: it holds no values. Bind to its job instead. */
export class Cron extends Construct {
  public static readonly constructName = 'Cron';

  public readonly id: string;
  public readonly jobFunction: Function;
  public readonly cdk: { rule: events.Rule };

  constructor(scope: Construct, id: string, props: CronProps) {
    super(scope, id);
    this.id = id;
    if (!props?.schedule || !/^(rate|cron)\(.+\)$/.test(props.schedule)) {
      throw new Error(
        `Cron "${id}": schedule "${props?.schedule}" must be "rate(5 minutes)" or "cron(15 10 * * ? *)".`,
      );
    }
    if (!props.job)
      throw new Error(`Cron "${id}": needs a job, e.g. job: "packages/functions/src/nightly.handler".`);
    this.jobFunction = Function.fromDefinition(this, `${id}-job`, props.job);
    const rule = new events.Rule(this, 'Rule', {
      schedule: events.Schedule.expression(props.schedule),
      ...props.cdk?.rule,
    });
    rule.addTarget(new targets.LambdaFunction(this.jobFunction));
    this.cdk = { rule };
  }

  /** Binds constructs to the job function. */
  public bind(constructs: BindingResource[]): void {
    this.jobFunction.bind(constructs);
  }
}
