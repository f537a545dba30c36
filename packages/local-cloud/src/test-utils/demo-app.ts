import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import type { LocalCloud } from '../local-cloud';

/** A CDK app like the ones nx-sst deploys: a Lambda code asset, a bucket that empties itself, a table, a queue, a topic, a parameter. */
export function demoApp(
  cloud: LocalCloud,
  options: { version: string; stackName?: string; extraTopic?: boolean },
) {
  return () => {
    const codeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-demo-code-'));
    fs.writeFileSync(path.join(codeDir, 'index.js'), 'exports.handler = async () => ({ ok: true });\n');
    const app = new cdk.App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-demo-out-')) });
    const stack = new cdk.Stack(app, options.stackName ?? 'Demo', {
      env: { account: cloud.accountId, region: cloud.region },
    });
    const bucket = new cdk.aws_s3.Bucket(stack, 'Bucket', {
      autoDeleteObjects: true,
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });
    const table = new cdk.aws_dynamodb.Table(stack, 'Table', {
      partitionKey: { name: 'pk', type: cdk.aws_dynamodb.AttributeType.STRING },
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });
    const queue = new cdk.aws_sqs.Queue(stack, 'Queue');
    const topic = new cdk.aws_sns.Topic(stack, 'Topic');
    if (options.extraTopic) new cdk.aws_sns.Topic(stack, 'ExtraTopic');
    const fn = new cdk.aws_lambda.Function(stack, 'Fn', {
      runtime: cdk.aws_lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: cdk.aws_lambda.Code.fromAsset(codeDir),
      environment: { DEMO_VERSION: options.version, TABLE: table.tableName },
    });
    new cdk.aws_ssm.StringParameter(stack, 'BucketParam', {
      parameterName: `/demo/${stack.stackName}/bucket`,
      stringValue: bucket.bucketName,
    });
    new cdk.CfnOutput(stack, 'BucketName', { value: bucket.bucketName });
    new cdk.CfnOutput(stack, 'TableName', { value: table.tableName });
    new cdk.CfnOutput(stack, 'QueueUrl', { value: queue.queueUrl });
    new cdk.CfnOutput(stack, 'TopicArn', { value: topic.topicArn });
    new cdk.CfnOutput(stack, 'FunctionName', { value: fn.functionName });
    new cdk.CfnOutput(stack, 'Version', { value: options.version });
    return app.synth();
  };
}

/** A one-queue app, for a deploy that must fail. */
export function queueApp(cloud: LocalCloud, stackName: string) {
  return () => {
    const app = new cdk.App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-queue-out-')) });
    const stack = new cdk.Stack(app, stackName, { env: { account: cloud.accountId, region: cloud.region } });
    new cdk.aws_sns.Topic(stack, 'Topic');
    new cdk.aws_sqs.Queue(stack, 'WorkQueue');
    return app.synth();
  };
}
