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

  it("takes SST v2's subscriber forms, addSubscribers(stack, …), and binds and attaches permissions to later subscribers", () => {
    let topic!: Topic;
    const { template } = ws.synth(({ stack }) => {
      const audit = new Queue(stack, 'audit');
      const other = new Queue(stack, 'other');
      topic = new Topic(stack, 'events', {
        defaults: { function: { timeout: 42 } },
        subscribers: {
          filtered: {
            function: 'packages/functions/src/lambda.handler',
            cdk: { subscription: { filterPolicy: {} } },
          },
          queued: { type: 'queue', queue: audit, cdk: { subscription: { rawMessageDelivery: true } } },
        },
      });
      topic.bind([other]);
      topic.attachPermissions(['s3']);
      topic.addSubscribers(stack, { later: 'packages/functions/src/notes.list' });
      topic.attachPermissionsToSubscriber('later', ['sqs:SendMessage']);
    });
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sqs', RawMessageDelivery: true });
    expect(topic.subscriptions).toHaveLength(3);
    expect(topic.subscriberFunctions.map((f) => f.id)).toEqual(['events-filtered', 'events-later']);
    expect(lambdaEnv(template, 'eventslater')).toMatchObject({ SST_Queue_queueUrl_other: expect.anything() });
    expect(roleStatements(template, 'eventslaterServiceRole').map((s) => s.Action)).toEqual(
      expect.arrayContaining(['s3:*', 'sqs:SendMessage', 'sqs:*']),
    );
    expect(
      (
        template.findResources('AWS::Lambda::Function') as Record<string, { Properties: { Timeout: number } }>
      )[logicalId(template, 'AWS::Lambda::Function', 'eventseventsfiltered')].Properties.Timeout,
    ).toBe(42);
  });

  it('refuses a queue subscriber as a function and props it does not have', () => {
    const build = (fn: (stack: import('./stack').Stack) => void) => () =>
      ws.app().stack(function Default({ stack }) {
        fn(stack);
      });
    expect(build((stack) => new Topic(stack, 'events', { fifo: true } as never))).toThrow(
      'Topic "events": unknown prop "fifo". Its props are: subscribers, defaults, cdk.',
    );
    expect(
      build((stack) =>
        new Topic(stack, 'events', { subscribers: { q: new Queue(stack, 'q') } }).bindToSubscriber('q', []),
      ),
    ).toThrow('Topic "events": bindToSubscriber("q"): that subscriber is a Queue, not a function.');
  });
});
