import { Api } from './api';
import { Bucket } from './bucket';
import { Cron } from './cron';
import { Function } from './function';
import { Table } from './table';
import { lambdaEnv, roleStatements, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('Stack', () => {
  const ws = useWorkspace();

  it("adds SST v2's outputs: a value, { value, exportName }, undefined skipped, a key like a construct id", () => {
    const { template } = ws.synth(({ stack }) => {
      const notes = new Table(stack, 'notes', {
        fields: { pk: 'string' },
        primaryIndex: { partitionKey: 'pk' },
      });
      const api = new Api(stack, 'api', { routes: { 'GET /': 'packages/functions/src/lambda.handler' } });
      stack.addOutputs({
        ApiEndpoint: api.url,
        notes: notes.tableName,
        'bucket-name': { value: 'literal', exportName: 'MyBucketName', description: 'the name' },
        Skipped: undefined,
      });
    });
    const outputs = template.toJSON().Outputs as Record<
      string,
      { Value: unknown; Export?: unknown; Description?: string }
    >;
    expect(Object.keys(outputs).sort()).toEqual(['ApiEndpoint', 'bucketname', 'notes']);
    expect(outputs.ApiEndpoint.Value).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^apiHttpApi/), 'ApiEndpoint'],
    });
    expect(outputs.notes.Value).toEqual({ Ref: expect.stringMatching(/^notesTable/) });
    expect(outputs.bucketname).toEqual({
      Value: 'literal',
      Export: { Name: 'MyBucketName' },
      Description: 'the name',
    });
  });

  it('refuses an output that is not a string or { value }, and two keys with one CloudFormation name', () => {
    const build = (outputs: Record<string, unknown>[]) => () =>
      ws.app().stack(function Default({ stack }) {
        for (const o of outputs) stack.addOutputs(o as never);
      });
    expect(build([{ Bucket: new Object({ bucketName: 'x' }) }])).toThrow(
      'Stack "Default": output "Bucket" must be a string (api.url, bucket.bucketName…) or { value: string, exportName?, description? }; got {"bucketName":"x"}.',
    );
    expect(build([{ 'api-url': 'a' }, { apiurl: 'b' }])).toThrow(
      'Stack "Default": output "apiurl" has the CloudFormation name "apiurl", already taken by output "api-url". Rename one of them.',
    );
    expect(build([{ '--': 'a' }])).toThrow('Stack "Default": output "--" has no letter or digit');
  });

  it('adds default permissions, environment and layers to the functions created after the call, and lists its functions', () => {
    let all: string[] = [];
    const { template } = ws.synth(({ app, stack }) => {
      const bucket = new Bucket(stack, 'files');
      new Function(stack, 'before', { handler: 'packages/functions/src/lambda.handler' });
      app.addDefaultFunctionEnv({ FROM_APP: '1' });
      stack.addDefaultFunctionEnv({ FROM_STACK: '2' });
      stack.addDefaultFunctionPermissions([bucket]);
      app.addDefaultFunctionPermissions(['sqs:SendMessage']);
      stack.addDefaultFunctionLayers(['arn:aws:lambda:us-east-1:123456789012:layer:shared:3']);
      app.addDefaultFunctionLayers(['arn:aws:lambda:us-east-1:123456789012:layer:app:1']);
      new Function(stack, 'after', { handler: 'packages/functions/src/lambda.handler' });
      new Cron(stack, 'nightly', { schedule: 'rate(1 day)', job: 'packages/functions/src/lambda.handler' });
      expect(app.logicalPrefixedName('uploads')).toBe('dev-my-app-uploads');
      all = stack.getAllFunctions().map((f) => f.id);
    });
    expect(all).toEqual(['before', 'after', 'nightly-job']);
    expect(lambdaEnv(template, 'before')).not.toHaveProperty('FROM_APP');
    expect(lambdaEnv(template, 'after')).toMatchObject({ FROM_APP: '1', FROM_STACK: '2' });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Layers: [
        'arn:aws:lambda:us-east-1:123456789012:layer:app:1',
        'arn:aws:lambda:us-east-1:123456789012:layer:shared:3',
      ],
    });
    const statements = roleStatements(template, 'afterServiceRole');
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'sqs:SendMessage', Resource: '*' }));
    expect(statements).toContainEqual(expect.objectContaining({ Action: 's3:*' }));
    expect(roleStatements(template, 'beforeServiceRole')).toEqual([]);
  });
});
