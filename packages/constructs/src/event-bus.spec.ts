import { EventBus } from './event-bus';
import { Function } from './function';
import { lambdaEnv, logicalId, roleStatements, ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('EventBus', () => {
  const ws = useWorkspace();

  it('has rules with function targets and binds eventBusName with events:* on the bus', () => {
    const { template } = ws.synth(({ stack }) => {
      const bus = new EventBus(stack, 'bus', {
        rules: {
          created: {
            pattern: { source: ['notes'] },
            targets: { index: 'packages/functions/src/lambda.handler' },
          },
        },
      });
      new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: [bus] });
    });
    const id = logicalId(template, 'AWS::Events::EventBus', 'bus');
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['notes'] },
      EventBusName: { Ref: id },
    });
    expect(lambdaEnv(template, 'fn')).toMatchObject({ SST_EventBus_eventBusName_bus: { Ref: id } });
    expect(roleStatements(template, 'fnServiceRole')).toEqual([
      { Action: 'events:*', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id, 'Arn'] } },
    ]);
    expect(ssmParameters(template)['/sst/my-app/dev/EventBus/bus/eventBusName']).toEqual({ Ref: id });
  });
});
