import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { BindingResource } from './binding';
import { Function, type FunctionDefinition } from './function';
import type { Permissions } from './permissions';
import { rejectUnknownProps } from './site-environment';

/** A cron job with options of its own, as SST v2's `CronJobProps`. */
export interface CronJobProps {
  /** The function run on the schedule: a handler string, Function props or a Function. */
  readonly function: FunctionDefinition;
  /**
   * Escape hatches into the underlying CDK constructs.
   * @default none
   */
  readonly cdk?: {
    /**
     * Props of the rule's Lambda target (`retryAttempts`, `maxEventAge`, `event`, `deadLetterQueue`…).
     * @default none
     */
    readonly target?: targets.LambdaFunctionProps;
  };
}

/** Props of {@link Cron}. */
export interface CronProps {
  /**
   * `rate(5 minutes)` or `cron(15 10 * * ? *)`.
   * @default required, unless `cdk.rule.schedule` is given
   */
  readonly schedule?: `rate(${string})` | `cron(${string})`;
  /**
   * The function run on the schedule: a handler string, Function props, a Function, or `{ function, cdk }`.
   */
  readonly job: FunctionDefinition | CronJobProps;
  /**
   * Whether the rule runs the job.
   * @default true
   */
  readonly enabled?: boolean;
  /**
   * Escape hatches into the underlying CDK constructs.
   * @default none
   */
  readonly cdk?: {
    /**
     * CDK node id, when it must differ from the id.
     * @default the id
     */
    readonly id?: string;
    /**
     * Props passed to `events.Rule` over ours.
     * @default none
     */
    readonly rule?: Partial<events.RuleProps>;
  };
}

/** The rule's template metadata key naming its Cron's id (the contract with `nx-sst cron run`). */
export const CRON_METADATA = 'nx-sst:cron';

const CRON_PROPS = ['schedule', 'job', 'enabled', 'cdk'] as const satisfies readonly (keyof CronProps)[];

/** A function run on a schedule. Not bindable: it holds no values. Bind to its job instead. */
export class Cron extends Construct {
  public static readonly constructName = 'Cron';

  public readonly id: string;
  /** The job's function, with the id `{id}-job`. */
  public readonly jobFunction: Function;
  public readonly cdk: { rule: events.Rule };

  constructor(scope: Construct, id: string, props: CronProps) {
    super(scope, props?.cdk?.id ?? id);
    this.id = id;
    const describe = `Cron "${id}"`;
    rejectUnknownProps(props ?? {}, CRON_PROPS, describe);
    rejectUnknownProps(props?.cdk ?? {}, ['id', 'rule'], `${describe} cdk`);
    const schedule = props?.schedule;
    if (schedule === undefined ? !props?.cdk?.rule?.schedule : !/^(rate|cron)\(.+\)$/.test(schedule)) {
      throw new Error(
        `${describe}: schedule "${schedule}" must be "rate(5 minutes)" or "cron(15 10 * * ? *)".`,
      );
    }
    if (!props.job)
      throw new Error(`${describe}: needs a job, e.g. job: "packages/functions/src/nightly.handler".`);
    const job = isCronJobProps(props.job) ? props.job : { function: props.job };
    rejectUnknownProps(job, ['function', 'cdk'], `${describe} job`);
    this.jobFunction = Function.fromDefinition(this, `${id}-job`, job.function);
    const rule = new events.Rule(this, 'Rule', {
      schedule: schedule === undefined ? undefined : events.Schedule.expression(schedule),
      enabled: props.enabled !== false,
      ...props.cdk?.rule,
    });
    rule.addTarget(new targets.LambdaFunction(this.jobFunction, job.cdk?.target));
    // `nx-sst cron run <id>` finds the rule by this in the deployed template (nx-sst synthesizes
    // without aws:cdk:path metadata).
    (rule.node.defaultChild as events.CfnRule).addMetadata(CRON_METADATA, id);
    this.cdk = { rule };
  }

  /** Binds constructs to the job function. */
  public bind(constructs: BindingResource[]): void {
    this.jobFunction.bind(constructs);
  }

  /** Adds permissions to the job function's role. */
  public attachPermissions(permissions: Permissions): void {
    this.jobFunction.attachPermissions(permissions);
  }
}

/**
 * `{ function, cdk? }` (SST v2's CronJobProps) rather than Function props: Function props have no `function`.
 */
function isCronJobProps(job: FunctionDefinition | CronJobProps): job is CronJobProps {
  return typeof job === 'object' && job !== null && !(job instanceof Function) && 'function' in job;
}
