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

  it("takes SST v2's consumer form { function, cdk.eventSource }, addConsumer(stack, …), bind and attachPermissions", () => {
    let queue!: Queue;
    const { template } = ws.synth(({ stack }) => {
      const other = new Queue(stack, 'other');
      queue = new Queue(stack, 'jobs', { cdk: { queue: { fifo: true } } });
      queue.bind([other]);
      queue.attachPermissions(['sns:Publish']);
      queue.addConsumer(stack, {
        function: { handler: 'packages/functions/src/lambda.handler', timeout: '1 minute' },
        cdk: { eventSource: { batchSize: 5 } },
      });
      new Queue(stack, 'direct', {
        consumer: {
          function: 'packages/functions/src/notes.list',
          cdk: { eventSource: { reportBatchItemFailures: true } },
        },
      });
    });
    template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 5 });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    expect(queue.consumerFunction?.id).toBe('jobs-consumer');
    expect(lambdaEnv(template, 'jobsconsumer')).toMatchObject({
      SST_Queue_queueUrl_other: expect.anything(),
    });
    expect(roleStatements(template, 'jobsconsumerServiceRole').map((s) => s.Action)).toEqual(
      expect.arrayContaining(['sns:Publish', 'sqs:*']),
    );
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 60 });
  });

  it('refuses a second consumer and props it does not have', () => {
    const build = (fn: (stack: import('./stack').Stack) => void) => () =>
      ws.app().stack(function Default({ stack }) {
        fn(stack);
      });
    expect(
      build((stack) =>
        new Queue(stack, 'jobs', { consumer: 'packages/functions/src/lambda.handler' }).addConsumer(
          stack,
          'packages/functions/src/notes.list',
        ),
      ),
    ).toThrow('Queue "jobs": it already has a consumer ("jobs-consumer"); a queue has one.');
    expect(build((stack) => new Queue(stack, 'jobs', { fifo: true } as never))).toThrow(
      'Queue "jobs": unknown prop "fifo". Its props are: consumer, cdk.',
    );
    expect(
      build(
        (stack) =>
          new Queue(stack, 'jobs', {
            consumer: { function: 'packages/functions/src/lambda.handler', cdk: { function: {} } } as never,
          }),
      ),
    ).toThrow('Queue "jobs" consumer cdk: unknown prop "function". A consumer\'s cdk.function');
  });
});
