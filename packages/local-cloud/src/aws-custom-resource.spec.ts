import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  UpdateStackCommand,
} from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { startTestCloud, type LocalCloud } from './index';

jest.setTimeout(120_000);

// aws-cdk-lib's AwsCustomResource as it synthesizes: Custom::AWS with the SDK call of each lifecycle event as a
// JSON string. Its Lambda never runs on the local cloud; DynamoDB item writes are made by the local cloud itself.
describe('Custom::AWS DynamoDB item writes on the local cloud', () => {
  let cloud: LocalCloud;
  let cfn: CloudFormationClient;
  let dynamodb: DynamoDBClient;

  beforeAll(async () => {
    cloud = await startTestCloud();
    cfn = new CloudFormationClient(cloud.clientConfig);
    dynamodb = new DynamoDBClient(cloud.clientConfig);
    await cfn.send(
      new CreateStackCommand({
        StackName: 'cr-table',
        TemplateBody: JSON.stringify({
          Resources: {
            Table: {
              Type: 'AWS::DynamoDB::Table',
              Properties: {
                TableName: 'cr-items',
                BillingMode: 'PAY_PER_REQUEST',
                AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
                KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
              },
            },
          },
        }),
      }),
    );
  });

  afterAll(async () => {
    cfn?.destroy();
    dynamodb?.destroy();
    await cloud?.stop();
  });

  const item = (pk: string) => ({ pk: { S: pk }, n: { N: '1' } });
  const put = (...pks: string[]) => ({
    service: 'DynamoDB',
    action: 'batchWriteItem',
    parameters: { RequestItems: { 'cr-items': pks.map((pk) => ({ PutRequest: { Item: item(pk) } })) } },
    physicalResourceId: { id: pks.join('-') },
  });
  const template = (properties: Record<string, unknown>) =>
    JSON.stringify({
      Resources: {
        Seed: {
          Type: 'Custom::AWS',
          Properties: {
            ServiceToken: `arn:aws:lambda:${cloud.region}:${cloud.accountId}:function:provider`,
            InstallLatestAwsSdk: false,
            ...Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, JSON.stringify(v)])),
          },
        },
      },
    });
  const keys = async () =>
    ((await dynamodb.send(new ScanCommand({ TableName: 'cr-items' }))).Items ?? []).map((i) => i.pk.S).sort();
  const status = async (StackName: string) =>
    (await cfn.send(new DescribeStacksCommand({ StackName }))).Stacks![0];

  it('makes the Create call, the Update call when the properties change, and the Delete call', async () => {
    const remove = {
      service: '@aws-sdk/client-dynamodb',
      action: 'DeleteItemCommand',
      parameters: { TableName: 'cr-items', Key: { pk: { S: 'a' } } },
    };
    await cfn.send(
      new CreateStackCommand({
        StackName: 'cr-seed',
        TemplateBody: template({ Create: put('a', 'b'), Delete: remove }),
      }),
    );
    expect((await status('cr-seed')).StackStatus).toBe('CREATE_COMPLETE');
    expect(await keys()).toEqual(['a', 'b']);
    await cfn.send(
      new UpdateStackCommand({
        StackName: 'cr-seed',
        TemplateBody: template({
          Create: put('a', 'b'),
          Update: {
            service: 'DynamoDB',
            action: 'putItem',
            parameters: { TableName: 'cr-items', Item: item('c') },
          },
          Delete: remove,
        }),
      }),
    );
    expect((await status('cr-seed')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(await keys()).toEqual(['a', 'b', 'c']);
    await cfn.send(new DeleteStackCommand({ StackName: 'cr-seed' }));
    expect(await keys()).toEqual(['b', 'c']);
  });

  it('rolls a stack back naming the resource when the call fails', async () => {
    const missing = {
      ...put('x'),
      parameters: { RequestItems: { 'no-such-table': [{ PutRequest: { Item: item('x') } }] } },
    };
    await cfn
      .send(new CreateStackCommand({ StackName: 'cr-bad', TemplateBody: template({ Create: missing }) }))
      .catch(() => undefined);
    const stack = await status('cr-bad');
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(stack.StackStatusReason).toContain('[Seed]');
    expect(stack.StackStatusReason).toContain(
      'DynamoDB batchWriteItem: Requested resource not found (ResourceNotFoundException)',
    );
  });
});
