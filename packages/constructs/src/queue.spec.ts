import { Function } from './function';
import { Queue } from './queue';
import { lambdaEnv, logicalId, roleStatements, ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('Queue', () => {
  const ws = useWorkspace();

  it('has a consumer and binds queueUrl with sqs:* on the queue', () => {
    const { template } = ws.synth(({ stack }) => {
      const queue = new Queue(stack, 'jobs', { consumer: 'packages/functions/src/lambda.handler' });
      new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: [queue] });
    });
    const id = logicalId(template, 'AWS::SQS::Queue', 'jobs');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [id, 'Arn'] },
    });
    expect(lambdaEnv(template, 'fn')).toMatchObject({ SST_Queue_queueUrl_jobs: { Ref: id } });
    expect(roleStatements(template, 'fnServiceRole')).toEqual([
      { Action: 'sqs:*', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id, 'Arn'] } },
    ]);
    expect(ssmParameters(template)['/sst/my-app/dev/Queue/jobs/queueUrl']).toEqual({ Ref: id });
  });
});
