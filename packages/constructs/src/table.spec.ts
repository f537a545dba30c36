import { Function } from './function';
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
});
