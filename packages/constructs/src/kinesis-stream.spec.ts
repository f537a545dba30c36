import { Function } from './function';
import { KinesisStream } from './kinesis-stream';
import { lambdaEnv, logicalId, roleStatements, ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('KinesisStream', () => {
  const ws = useWorkspace();

  it('has consumers and binds streamName with kinesis:* on the stream', () => {
    const { template } = ws.synth(({ stack }) => {
      const stream = new KinesisStream(stack, 'clicks', {
        consumers: { count: 'packages/functions/src/lambda.handler' },
      });
      new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: [stream] });
    });
    const id = logicalId(template, 'AWS::Kinesis::Stream', 'clicks');
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    expect(lambdaEnv(template, 'fn')).toMatchObject({ SST_KinesisStream_streamName_clicks: { Ref: id } });
    expect(roleStatements(template, 'fnServiceRole')).toEqual([
      { Action: 'kinesis:*', Effect: 'Allow', Resource: { 'Fn::GetAtt': [id, 'Arn'] } },
    ]);
    expect(ssmParameters(template)['/sst/my-app/dev/KinesisStream/clicks/streamName']).toEqual({ Ref: id });
  });
});
