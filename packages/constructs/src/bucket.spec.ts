import * as s3 from 'aws-cdk-lib/aws-s3';
import { Function } from './function';
import { Bucket } from './bucket';
import { Queue } from './queue';
import { Topic } from './topic';
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

  it("takes SST v2's name, CORS rules, blockPublicACLs and notifications to functions, queues and topics", () => {
    let bucket!: Bucket;
    const { template } = ws.synth(({ stack }) => {
      const queue = new Queue(stack, 'jobs');
      const topic = new Topic(stack, 'events');
      const files = new Bucket(stack, 'files');
      bucket = new Bucket(stack, 'uploads', {
        name: 'my-uploads-bucket',
        blockPublicACLs: false,
        cors: [{ allowedMethods: ['GET', 'PUT'], allowedOrigins: ['https://example.com'], maxAge: '1 hour' }],
        defaults: { function: { timeout: 20 } },
        notifications: {
          resize: {
            function: 'packages/functions/src/lambda.handler',
            events: ['object_created_put'],
            filters: [{ prefix: 'images/' }, { suffix: '.jpg' }],
          },
          audit: 'packages/functions/src/notes.list',
          queued: queue,
          announced: { type: 'topic', topic, events: ['object_removed'] },
        },
      });
      bucket.bind([files]);
      bucket.attachPermissionsToNotification('resize', ['sqs:SendMessage']);
      bucket.addNotifications(stack, { later: 'packages/functions/src/notes.get' });
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'my-uploads-bucket',
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      PublicAccessBlockConfiguration: { BlockPublicAcls: false, IgnorePublicAcls: false },
      CorsConfiguration: {
        CorsRules: [
          { AllowedMethods: ['GET', 'PUT'], AllowedOrigins: ['https://example.com'], MaxAge: 3600 },
        ],
      },
    });
    const config = template.findResources('Custom::S3BucketNotifications') as Record<
      string,
      { Properties: { NotificationConfiguration: Record<string, { Events: string[]; Filter?: unknown }[]> } }
    >;
    const { LambdaFunctionConfigurations, QueueConfigurations, TopicConfigurations } =
      Object.values(config)[0].Properties.NotificationConfiguration;
    expect(LambdaFunctionConfigurations.map((c) => c.Events[0]).sort()).toEqual([
      's3:ObjectCreated:*',
      's3:ObjectCreated:*',
      's3:ObjectCreated:Put',
      's3:ObjectRemoved:*',
      's3:ObjectRemoved:*',
    ]);
    expect(LambdaFunctionConfigurations.find((c) => c.Events[0] === 's3:ObjectCreated:Put')?.Filter).toEqual({
      Key: {
        FilterRules: [
          { Name: 'prefix', Value: 'images/' },
          { Name: 'suffix', Value: '.jpg' },
        ],
      },
    });
    expect(QueueConfigurations.map((c) => c.Events[0]).sort()).toEqual([
      's3:ObjectCreated:*',
      's3:ObjectRemoved:*',
    ]);
    expect(TopicConfigurations.map((c) => c.Events[0])).toEqual(['s3:ObjectRemoved:*']);
    expect(bucket.notificationFunctions.map((f) => f.id)).toEqual([
      'uploads-resize',
      'uploads-audit',
      'uploads-later',
    ]);
    for (const fn of ['uploadsuploadsresize', 'uploadsuploadsaudit', 'uploadslater']) {
      expect(lambdaEnv(template, fn)).toMatchObject({ SST_Bucket_bucketName_files: expect.anything() });
    }
    template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 20 });
    expect(roleStatements(template, 'uploadsuploadsresizeServiceRole').map((s) => s.Action)).toContain(
      'sqs:SendMessage',
    );
  });

  it('uses an existing bucket given as cdk.bucket, as SST v2 does', () => {
    let bucket!: Bucket;
    const { template } = ws.synth(({ stack }) => {
      bucket = new Bucket(stack, 'imported', {
        cdk: { bucket: s3.Bucket.fromBucketName(stack, 'Existing', 'existing-bucket') },
      });
    });
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(bucket.bucketName).toBe('existing-bucket');
    expect(ssmParameters(template)['/sst/my-app/dev/Bucket/imported/bucketName']).toBe('existing-bucket');
  });

  it('refuses what it cannot do, naming the bucket and the fix', () => {
    const build = (fn: (stack: import('./stack').Stack) => void) => () =>
      ws.app().stack(function Default({ stack }) {
        fn(stack);
      });
    expect(build((stack) => new Bucket(stack, 'b', { versioned: true } as never))).toThrow(
      'Bucket "b": unknown prop "versioned". Its props are: name, cors, blockPublicACLs, defaults, notifications, cdk.',
    );
    // A fixed name S3 refuses fails here, not half-way through a deploy.
    expect(build((stack) => new Bucket(stack, 'b', { name: 'shop-' + 'x'.repeat(60) }))).toThrow(
      `Bucket "b": name "shop-${'x'.repeat(60)}" is not a valid S3 bucket name (Bucket name must be at least 3 and no more than 63 characters). Use 3 to 63 lowercase letters, digits, "." and "-", starting and ending with a letter or digit, or leave name out and CloudFormation generates one.`,
    );
    expect(build((stack) => new Bucket(stack, 'b', { name: 'Shop_Files' }))).toThrow(
      /^Bucket "b": name "Shop_Files" is not a valid S3 bucket name \(Bucket name must only contain lowercase characters/,
    );
    expect(
      build(
        (stack) =>
          new Bucket(stack, 'b', {
            notifications: {
              n: { function: 'packages/functions/src/lambda.handler', events: ['object_made' as never] },
            },
          }),
      ),
    ).toThrow('Bucket "b" notification "n": event "object_made" is not an S3 event type');
    expect(
      build((stack) => {
        const queue = new Queue(stack, 'q');
        new Bucket(stack, 'b', { notifications: { q: queue } }).bindToNotification('q', []);
      }),
    ).toThrow('Bucket "b": bindToNotification("q"): that notification goes to a Queue, not a function.');
    expect(
      build(
        (stack) =>
          new Bucket(stack, 'b', {
            cors: true,
            cdk: { bucket: s3.Bucket.fromBucketName(stack, 'Existing', 'existing-bucket') },
          }),
      ),
    ).toThrow(
      'Bucket "b": "cors" cannot be set when cdk.bucket is an existing bucket; configure that bucket instead.',
    );
  });
});
