import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { LocalCloud } from '../local-cloud';

function newStack(cloud: LocalCloud, stackName: string) {
  const app = new cdk.App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-gap-out-')) });
  const stack = new cdk.Stack(app, stackName, { env: { account: cloud.accountId, region: cloud.region } });
  return { app, stack };
}

function codeDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-gap-code-'));
  fs.writeFileSync(path.join(dir, 'index.js'), 'exports.handler = async () => ({ statusCode: 200 });\n');
  return dir;
}

/**
 * An HTTP API as aws-cdk-lib's L2 (and nx-sst's `Api`) synthesizes it: Api, $default Stage with auto-deploy,
 * one Lambda integration and one Route per route, Lambda permissions. Version 2 drops `GET /b`, adds
 * `POST /c`, changes `GET /a`'s function and narrows CORS.
 */
export function httpApiApp(cloud: LocalCloud, version: 1 | 2) {
  return () => {
    const { app, stack } = newStack(cloud, 'Http');
    const code = cdk.aws_lambda.Code.fromAsset(codeDir());
    const fn = (id: string) =>
      new cdk.aws_lambda.Function(stack, id, {
        runtime: cdk.aws_lambda.Runtime.NODEJS_22_X,
        handler: 'index.handler',
        code,
      });
    const api = new apigw.HttpApi(stack, 'Api', {
      corsPreflight: {
        allowOrigins: version === 1 ? ['*'] : ['https://example.com'],
        allowMethods: [apigw.CorsHttpMethod.ANY],
      },
    });
    const a = fn('A');
    const routes: [string, apigw.HttpMethod, cdk.aws_lambda.IFunction][] =
      version === 1
        ? [
            ['/a', apigw.HttpMethod.GET, a],
            ['/b', apigw.HttpMethod.GET, fn('B')],
          ]
        : [
            ['/a', apigw.HttpMethod.GET, fn('A2')],
            ['/c', apigw.HttpMethod.POST, a],
          ];
    // GET /a needs a JWT (an AWS::ApiGatewayV2::Authorizer the route refers to)
    const jwt = new authorizers.HttpJwtAuthorizer('Jwt', 'https://issuer.example.com', {
      jwtAudience: ['nx-sst'],
    });
    for (const [routePath, method, handler] of routes) {
      api.addRoutes({
        path: routePath,
        methods: [method],
        integration: new integrations.HttpLambdaIntegration(`Int${method}${routePath.slice(1)}`, handler),
        ...(routePath === '/a' ? { authorizer: jwt } : {}),
      });
    }
    const cfnApi = api.node.defaultChild as apigw.CfnApi;
    new cdk.CfnOutput(stack, 'ApiId', { value: api.apiId });
    new cdk.CfnOutput(stack, 'Url', { value: api.apiEndpoint });
    new cdk.CfnOutput(stack, 'Endpoint', { value: cfnApi.attrApiEndpoint });
    new cdk.CfnOutput(stack, 'FunctionA', { value: a.functionArn });
    return app.synth();
  };
}

/**
 * A BucketDeployment as nx-sst's `StaticSite` synthesizes it: a folder asset plus a `Source.data` file holding a
 * deploy-time value (a marker the handler replaces), under a key prefix, with prune and delete on removal.
 */
export function bucketDeploymentApp(
  cloud: LocalCloud,
  files: Record<string, string>,
  options: { stackName?: string; importedBucket?: string } = {},
) {
  return () => {
    const { app, stack } = newStack(cloud, options.stackName ?? 'Site');
    const site = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-gap-site-'));
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(site, rel)), { recursive: true });
      fs.writeFileSync(path.join(site, rel), text);
    }
    const other = new cdk.aws_s3.Bucket(stack, 'Other', { removalPolicy: cdk.RemovalPolicy.DESTROY });
    // An imported bucket carries no aws-cdk:cr-owned tag, so the handler empties its prefix on delete.
    const bucket = options.importedBucket
      ? cdk.aws_s3.Bucket.fromBucketName(stack, 'Site', options.importedBucket)
      : new cdk.aws_s3.Bucket(stack, 'Site', { removalPolicy: cdk.RemovalPolicy.DESTROY });
    new s3deploy.BucketDeployment(stack, 'Deploy', {
      destinationBucket: bucket,
      destinationKeyPrefix: 'web',
      sources: [
        s3deploy.Source.asset(site),
        s3deploy.Source.data('config.js', `window.BUCKET = "${other.bucketName}";`),
      ],
      prune: true,
      retainOnDelete: false,
      cacheControl: [s3deploy.CacheControl.fromString('max-age=60')],
      metadata: { origin: 'nx-sst' },
    });
    new cdk.CfnOutput(stack, 'SiteBucket', { value: bucket.bucketName });
    new cdk.CfnOutput(stack, 'OtherBucket', { value: other.bucketName });
    return app.synth();
  };
}

/** Two stacks, the second importing the first's bucket name and ARN (CDK makes them exports). */
export function crossStackApp(cloud: LocalCloud) {
  return () => {
    const { app, stack: producer } = newStack(cloud, 'Producer');
    const bucket = new cdk.aws_s3.Bucket(producer, 'Shared', { removalPolicy: cdk.RemovalPolicy.DESTROY });
    const consumer = new cdk.Stack(app, 'Consumer', {
      env: { account: cloud.accountId, region: cloud.region },
    });
    new cdk.aws_ssm.StringParameter(consumer, 'Imported', {
      parameterName: '/gap/imported',
      stringValue: cdk.Fn.join(' ', [bucket.bucketName, bucket.bucketArn]),
    });
    new cdk.CfnOutput(producer, 'BucketName', { value: bucket.bucketName });
    return app.synth();
  };
}

/**
 * Aurora Serverless v2 with the Data API in an isolated VPC, as nx-sst's `RDS` synthesizes it: VPC, subnets,
 * route tables, subnet group, security group, a generated credentials secret attached to the cluster, a
 * serverless writer instance. The availability zones are given as context (no lookup at synthesis).
 */
export function rdsApp(cloud: LocalCloud, maxCapacity: number) {
  return () => {
    const app = new cdk.App({
      outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-gap-out-')),
      context: {
        [`availability-zones:account=${cloud.accountId}:region=${cloud.region}`]: [
          `${cloud.region}a`,
          `${cloud.region}b`,
        ],
      },
    });
    const stack = new cdk.Stack(app, 'Data', { env: { account: cloud.accountId, region: cloud.region } });
    const vpc = new cdk.aws_ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: cdk.aws_ec2.SubnetType.PRIVATE_ISOLATED }],
    });
    const cluster = new cdk.aws_rds.DatabaseCluster(stack, 'Cluster', {
      engine: cdk.aws_rds.DatabaseClusterEngine.auroraPostgres({
        version: cdk.aws_rds.AuroraPostgresEngineVersion.VER_16_4,
      }),
      vpc,
      vpcSubnets: { subnetType: cdk.aws_ec2.SubnetType.PRIVATE_ISOLATED },
      writer: cdk.aws_rds.ClusterInstance.serverlessV2('writer'),
      serverlessV2MinCapacity: 0.5,
      serverlessV2MaxCapacity: maxCapacity,
      defaultDatabaseName: 'notes',
      enableDataApi: true,
      removalPolicy: cdk.RemovalPolicy.DESTROY,
    });
    new cdk.CfnOutput(stack, 'ClusterArn', { value: cluster.clusterArn });
    new cdk.CfnOutput(stack, 'SecretArn', { value: cluster.secret!.secretArn });
    new cdk.CfnOutput(stack, 'Endpoint', { value: cluster.clusterEndpoint.hostname });
    new cdk.CfnOutput(stack, 'Port', { value: cdk.Token.asString(cluster.clusterEndpoint.port) });
    return app.synth();
  };
}

/** An HTTP API defined by an OpenAPI body, which the local cloud refuses by name. */
export function openApiBodyApp(cloud: LocalCloud) {
  return () => {
    const { app, stack } = newStack(cloud, 'OpenApi');
    // created before the refused API (it depends on nothing), so the rollback must delete it
    new cdk.aws_sqs.Queue(stack, 'Queue');
    new apigw.CfnApi(stack, 'FromOpenApi', {
      body: { openapi: '3.0.1', info: { title: 'x', version: '1' }, paths: {} },
    });
    return app.synth();
  };
}

/** A queue and its URL (a Ref) as a stack output and an SSM parameter, as a bound Queue's `queueUrl` is stored. */
export function queueApp(cloud: LocalCloud) {
  return () => {
    const { app, stack } = newStack(cloud, 'Queues');
    const queue = new cdk.aws_sqs.Queue(stack, 'Inbox');
    new cdk.aws_ssm.StringParameter(stack, 'Url', {
      parameterName: '/gap/queue-url',
      stringValue: queue.queueUrl,
    });
    new cdk.CfnOutput(stack, 'QueueUrl', { value: queue.queueUrl });
    return app.synth();
  };
}
