import { Function } from './function';
import { Bucket } from './bucket';
import { lambdaEnv, logicalId, roleStatements, ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('Bucket', () => {
  const ws = useWorkspace();

  it('binds bucketName with s3:* on the bucket and its objects, and has its parameter even when unbound', () => {
    const { template } = ws.synth(({ stack }) => {
      const bucket = new Bucket(stack, 'my-files', { cors: true });
      new Bucket(stack, 'unbound');
      new Function(stack, 'fn', { handler: 'packages/functions/src/lambda.handler', bind: [bucket] });
    });
    const id = logicalId(template, 'AWS::S3::Bucket', 'myfiles');
    expect(lambdaEnv(template, 'fn')).toMatchObject({ SST_Bucket_bucketName_my_files: { Ref: id } });
    const arn = { 'Fn::GetAtt': [id, 'Arn'] };
    expect(roleStatements(template, 'fnServiceRole')).toEqual([
      { Action: 's3:*', Effect: 'Allow', Resource: [arn, { 'Fn::Join': ['', [arn, '/*']] }] },
    ]);
    const params = ssmParameters(template);
    expect(params['/sst/my-app/dev/Bucket/my_files/bucketName']).toEqual({ Ref: id });
    expect(params['/sst/my-app/dev/Bucket/unbound/bucketName']).toEqual({
      Ref: logicalId(template, 'AWS::S3::Bucket', 'unbound'),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      CorsConfiguration: {
        CorsRules: [{ AllowedMethods: ['GET', 'PUT', 'POST', 'DELETE', 'HEAD'], AllowedOrigins: ['*'] }],
      },
    });
  });

  it('empties and deletes itself on removal only when the app asks for destroy', () => {
    const { template } = ws.synth(({ app, stack }) => {
      app.setDefaultRemovalPolicy('destroy');
      new Bucket(stack, 'scratch');
    });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
    const kept = ws.synth(({ stack }) => new Bucket(stack, 'kept')).template;
    kept.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  it('refuses destroy on a production stage, naming the fix', () => {
    expect(() => ws.synth(({ app }) => app.setDefaultRemovalPolicy('destroy'), { stage: 'prod' })).toThrow(
      'setDefaultRemovalPolicy("destroy") on the production stage "prod" would delete its data',
    );
  });
});
