import { Function } from './function';
import { Queue } from './queue';
import { Topic } from './topic';
import { lambdaEnv, logicalId, roleStatements, ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('Topic', () => {
  const ws = useWorkspace();

  it('subscribes functions and queues, and binds topicArn with sns:* on the topic', () => {
    let topic!: Topic;
    const { template } = ws.synth(({ stack }) => {
      const audit = new Queue(stack, 'audit');
      topic = new Topic(stack, 'events', {
        subscribers: { notify: 'packages/functions/src/lambda.handler', audit },
      });
      topic.bind([audit]);
      new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: [topic] });
    });
    template.resourceCountIs('AWS::SNS::Subscription', 2);
    const id = logicalId(template, 'AWS::SNS::Topic', 'events');
    expect(lambdaEnv(template, 'fn')).toMatchObject({ SST_Topic_topicArn_events: { Ref: id } });
    expect(roleStatements(template, 'fnServiceRole')).toEqual([
      { Action: 'sns:*', Effect: 'Allow', Resource: { Ref: id } },
    ]);
    expect(lambdaEnv(template, 'eventseventsnotify')).toMatchObject({
      SST_Queue_queueUrl_audit: expect.anything(),
    });
    expect(ssmParameters(template)['/sst/my-app/dev/Topic/events/topicArn']).toEqual({ Ref: id });
    expect(topic.getFunction('notify')).toBeInstanceOf(Function);
  });
});
