import { Bucket } from './bucket';
import { Cron } from './cron';
import { lambdaEnv, useWorkspace } from './test-utils/workspace';

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
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)' });
    expect(lambdaEnv(template, 'nightlynightlyjob')).toMatchObject({
      SST_Bucket_bucketName_files: expect.anything(),
    });
    expect(app.bindingModel().resources.map((r) => r.type)).not.toContain('Cron');
  });

  it('refuses a bad schedule', () => {
    expect(() =>
      ws.app().stack(function Default({ stack }) {
        new Cron(stack, 'nightly', { schedule: 'every day', job: 'packages/functions/src/lambda.handler' });
      }),
    ).toThrow('Cron "nightly": schedule "every day" must be "rate(5 minutes)" or "cron(15 10 * * ? *)".');
  });
});
