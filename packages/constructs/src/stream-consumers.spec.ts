import type { Construct } from 'constructs';
import { Bucket } from './bucket';
import type { Function } from './function';
import { KinesisStream } from './kinesis-stream';
import { Table } from './table';
import { lambdaEnv, logicalId, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

type StreamOwner = Construct & {
  getFunction(name: string): Function | undefined;
  bind(constructs: Bucket[]): void;
};

const consumers = {
  count: 'packages/functions/src/lambda.handler',
  archive: { handler: 'packages/functions/src/notes.list', timeout: 20 },
};

describe.each([
  {
    kind: 'Table',
    make: (scope: Construct): StreamOwner =>
      new Table(scope, 'clicks', {
        fields: { pk: 'string' },
        primaryIndex: { partitionKey: 'pk' },
        stream: true,
        consumers,
      }),
    source: { type: 'AWS::DynamoDB::Table', attribute: 'StreamArn' },
  },
  {
    kind: 'KinesisStream',
    make: (scope: Construct): StreamOwner => new KinesisStream(scope, 'clicks', { consumers }),
    source: { type: 'AWS::Kinesis::Stream', attribute: 'Arn' },
  },
])('$kind stream consumers', ({ make, source }) => {
  const ws = useWorkspace();

  it('are functions {id}-{name} reading from the latest record, found by name and bound together', () => {
    let owner!: StreamOwner;
    const { template } = ws.synth(({ stack }) => {
      owner = make(stack);
      owner.bind([new Bucket(stack, 'files')]);
    });
    expect(owner.getFunction('count')?.node.path).toBe('Default/clicks/clicks-count');
    expect(owner.getFunction('archive')?.node.path).toBe('Default/clicks/clicks-archive');
    expect(owner.getFunction('missing')).toBeUndefined();
    const stream = { 'Fn::GetAtt': [logicalId(template, source.type, 'clicks'), source.attribute] };
    for (const name of ['count', 'archive']) {
      const fn = logicalId(template, 'AWS::Lambda::Function', `clicksclicks${name}`);
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fn },
        EventSourceArn: stream,
        StartingPosition: 'LATEST',
      });
      expect(lambdaEnv(template, fn)).toMatchObject({ SST_Bucket_bucketName_files: expect.anything() });
    }
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 20 });
  });
});
