import { Match } from 'aws-cdk-lib/assertions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Function } from './function';
import { KinesisStream } from './kinesis-stream';
import { Queue } from './queue';
import { Table } from './table';
import { lambdaEnv, logicalId, roleStatements, ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('Table', () => {
  const ws = useWorkspace();

  it('has fields, indexes and a stream, and binds tableName with dynamodb:* on the table and its indexes', () => {
    const { template } = ws.synth(({ stack }) => {
      const table = new Table(stack, 'notes', {
        fields: { pk: 'string', sk: 'string', byUser: 'string' },
        primaryIndex: { partitionKey: 'pk', sortKey: 'sk' },
        globalIndexes: { userIndex: { partitionKey: 'byUser' } },
        stream: 'new_image',
        consumers: { indexer: 'packages/functions/src/lambda.handler' },
      });
      new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: [table] });
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        { IndexName: 'userIndex', KeySchema: [{ AttributeName: 'byUser', KeyType: 'HASH' }] },
      ],
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
      BillingMode: 'PAY_PER_REQUEST',
    });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
    const id = logicalId(template, 'AWS::DynamoDB::Table', 'notes');
    expect(lambdaEnv(template, 'fn')).toMatchObject({ SST_Table_tableName_notes: { Ref: id } });
    const arn = { 'Fn::GetAtt': [id, 'Arn'] };
    expect(roleStatements(template, 'fnServiceRole')).toEqual([
      { Action: 'dynamodb:*', Effect: 'Allow', Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }] },
    ]);
    expect(ssmParameters(template)['/sst/my-app/dev/Table/notes/tableName']).toEqual({ Ref: id });
  });

  it('refuses an index key that is not a field, naming the table and the fix', () => {
    expect(() =>
      ws.app().stack(function Default({ stack }) {
        new Table(stack, 'notes', { fields: { pk: 'string' }, primaryIndex: { partitionKey: 'id' } });
      }),
    ).toThrow(
      'Table "notes": primaryIndex.partitionKey "id" is not in "fields". Add it: fields: { id: "string" }.',
    );
  });

  it("takes SST v2's index projections, local indexes, time to live, Kinesis stream and consumer forms", () => {
    let table!: Table;
    const { template } = ws.synth(({ stack }) => {
      const changes = new KinesisStream(stack, 'changes');
      const other = new Queue(stack, 'other');
      table = new Table(stack, 'orders', {
        fields: { pk: 'string', sk: 'string', status: 'string', total: 'number' },
        primaryIndex: { partitionKey: 'pk', sortKey: 'sk' },
        globalIndexes: {
          byStatus: { partitionKey: 'status', projection: 'keys_only' },
          byTotal: { partitionKey: 'status', sortKey: 'total', projection: ['customer'] },
        },
        localIndexes: { byTotalLocal: { sortKey: 'total' } },
        timeToLiveAttribute: 'expiresAt',
        kinesisStream: changes,
        stream: true,
        defaults: { function: { timeout: 33 } },
        consumers: {
          paid: {
            function: 'packages/functions/src/lambda.handler',
            filters: [{ dynamodb: { NewImage: { status: { S: ['paid'] } } } }],
            cdk: { eventSource: { batchSize: 7 } },
          },
        },
      });
      table.bind([other]);
      table.attachPermissions(['sns:Publish']);
      table.addConsumers(stack, { audit: 'packages/functions/src/notes.list' });
      table.attachPermissionsToConsumer('audit', ['sqs:SendMessage']);
      table.addGlobalIndexes({ later: { partitionKey: 'total' } });
    });
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      KinesisStreamSpecification: {
        StreamArn: { 'Fn::GetAtt': [logicalId(template, 'AWS::Kinesis::Stream', 'changes'), 'Arn'] },
      },
      LocalSecondaryIndexes: [
        Match.objectLike({ IndexName: 'byTotalLocal', Projection: { ProjectionType: 'ALL' } }),
      ],
    });
    const indexes = (
      Object.values(template.findResources('AWS::DynamoDB::Table'))[0] as {
        Properties: { GlobalSecondaryIndexes: { IndexName: string; Projection: unknown }[] };
      }
    ).Properties.GlobalSecondaryIndexes;
    expect(Object.fromEntries(indexes.map((i) => [i.IndexName, i.Projection]))).toEqual({
      byStatus: { ProjectionType: 'KEYS_ONLY' },
      byTotal: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['customer'] },
      later: { ProjectionType: 'ALL' },
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 7,
      StartingPosition: 'LATEST',
      FilterCriteria: { Filters: [{ Pattern: '{"dynamodb":{"NewImage":{"status":{"S":["paid"]}}}}' }] },
    });
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    expect(table.getFunction('paid')?.id).toBe('orders-paid');
    expect(lambdaEnv(template, 'ordersaudit')).toMatchObject({ SST_Queue_queueUrl_other: expect.anything() });
    expect(roleStatements(template, 'ordersauditServiceRole').map((s) => s.Action)).toEqual(
      expect.arrayContaining(['sns:Publish', 'sqs:SendMessage', 'sqs:*']),
    );
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 33 });
  });

  it('uses an existing table given as cdk.table, and refuses props it cannot apply to it', () => {
    let table!: Table;
    const { template } = ws.synth(({ stack }) => {
      table = new Table(stack, 'legacy', {
        cdk: { table: dynamodb.Table.fromTableName(stack, 'Existing', 'legacy-orders') },
      });
    });
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(table.tableName).toBe('legacy-orders');
    expect(() =>
      ws.app().stack(function Default({ stack }) {
        new Table(stack, 'legacy', {
          fields: { pk: 'string' },
          cdk: { table: dynamodb.Table.fromTableName(stack, 'Existing', 'legacy-orders') },
        });
      }),
    ).toThrow(
      'Table "legacy": "fields" cannot be set when cdk.table is an existing table; configure that table instead.',
    );
  });

  it('refuses props and consumer options it does not have, and a consumer without a stream', () => {
    const build = (props: object, then?: (t: Table, stack: import('./stack').Stack) => void) => () =>
      ws.app().stack(function Default({ stack }) {
        const t = new Table(stack, 'notes', {
          fields: { pk: 'string' },
          primaryIndex: { partitionKey: 'pk' },
          ...props,
        });
        then?.(t, stack);
      });
    expect(build({ pointInTimeRecovery: true })).toThrow(
      'Table "notes": unknown prop "pointInTimeRecovery". Its props are: fields, primaryIndex,',
    );
    expect(
      build({
        stream: true,
        consumers: { c: { function: 'packages/functions/src/lambda.handler', batchSize: 3 } },
      }),
    ).toThrow('Table "notes" consumer "c": unknown prop "batchSize". Its props are: function, filters, cdk.');
    expect(
      build({}, (t, stack) => t.addConsumers(stack, { c: 'packages/functions/src/lambda.handler' })),
    ).toThrow('Table "notes": consumers read the table\'s stream; set stream: true');
    expect(build({ globalIndexes: { g: { partitionKey: 'pk', projection: 'some' as never } } })).toThrow(
      'Table "notes" globalIndexes.g: projection "some" is not "all", "keys_only" or a list of attributes.',
    );
    expect(build({}, (t) => t.bindToConsumer('nope', []))).toThrow(
      'Table "notes": no consumer "nope". Consumers: none.',
    );
  });
});
