import * as cdk from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import * as events from 'aws-cdk-lib/aws-events';
import { Bucket } from './bucket';
import { Cron } from './cron';
import { Function } from './function';
import { lambdaEnv, logicalId, roleStatements, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('Cron', () => {
  const ws = useWorkspace();

  it('runs its job on a schedule, is not bindable, and binds to its job', () => {
    const { template, app } = ws.synth(({ stack }) => {
      const bucket = new Bucket(stack, 'files');
      const cron = new Cron(stack, 'nightly', {
        schedule: 'rate(1 day)',
        job: 'packages/functions/src/lambda.handler',
      });
      cron.bind([bucket]);
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
    });
    // What `nx-sst cron run nightly` finds the rule by.
    template.hasResource('AWS::Events::Rule', { Metadata: { 'nx-sst:cron': 'nightly' } });
    expect(lambdaEnv(template, 'nightlynightlyjob')).toMatchObject({
      SST_Bucket_bucketName_files: expect.anything(),
    });
    expect(app.bindingModel().resources.map((r) => r.type)).not.toContain('Cron');
  });

  it("takes SST v2's job forms: { function: props }, { function: handler, cdk.target } and a Function", () => {
    const { template, app } = ws.synth(({ stack }) => {
      new Cron(stack, 'props', {
        schedule: 'rate(1 hour)',
        job: { function: { handler: 'packages/functions/src/lambda.handler', timeout: '2 minutes' } },
      });
      new Cron(stack, 'retried', {
        schedule: 'cron(15 10 * * ? *)',
        job: { function: 'packages/functions/src/notes.list', cdk: { target: { retryAttempts: 2 } } },
      });
      const existing = new Function(stack, 'existing', { handler: 'packages/functions/src/notes.get' });
      const cron = new Cron(stack, 'reuse', { schedule: 'rate(5 minutes)', job: existing });
      expect(cron.jobFunction).toBe(existing);
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Timeout: 120,
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'cron(15 10 * * ? *)',
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2 } })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [logicalId(template, 'AWS::Lambda::Function', 'existing'), 'Arn'] },
        }),
      ],
    });
    expect(
      app
        .bindingModel()
        .targets.map((t) => t.id)
        .sort(),
    ).toEqual(['existing', 'props-job', 'retried-job']);
  });

  it('is disabled with enabled: false, takes its schedule from cdk.rule, and attaches permissions to its job', () => {
    const { template } = ws.synth(({ stack }) => {
      const cron = new Cron(stack, 'paused', {
        enabled: false,
        job: 'packages/functions/src/lambda.handler',
        cdk: { id: 'PausedCron', rule: { schedule: events.Schedule.rate(cdk.Duration.days(2)) } },
      });
      cron.attachPermissions(['sqs:SendMessage']);
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(2 days)',
      State: 'DISABLED',
    });
    expect(roleStatements(template, 'PausedCronpausedjob')).toContainEqual(
      expect.objectContaining({ Action: 'sqs:SendMessage', Resource: '*' }),
    );
  });

  it('refuses a bad schedule, a job without a function and a prop it does not have', () => {
    const build = (props: object) => () =>
      ws.app().stack(function Default({ stack }) {
        new Cron(stack, 'nightly', props as never);
      });
    expect(build({ schedule: 'every day', job: 'packages/functions/src/lambda.handler' })).toThrow(
      'Cron "nightly": schedule "every day" must be "rate(5 minutes)" or "cron(15 10 * * ? *)".',
    );
    expect(build({ schedule: 'rate(1 day)', job: { function: { timeout: 3 } } })).toThrow(
      'Function "nightly-job": no handler.',
    );
    expect(
      build({
        schedule: 'rate(1 day)',
        job: { function: 'packages/functions/src/lambda.handler', retries: 2 },
      }),
    ).toThrow('Cron "nightly" job: unknown prop "retries". Its props are: function, cdk.');
    expect(
      build({ schedule: 'rate(1 day)', job: 'packages/functions/src/lambda.handler', timezone: 'UTC' }),
    ).toThrow('Cron "nightly": unknown prop "timezone". Its props are: schedule, job, enabled, cdk.');
  });
});
