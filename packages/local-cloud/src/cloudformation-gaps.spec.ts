import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ApiGatewayV2Client,
  GetApiCommand,
  GetApisCommand,
  GetAuthorizerCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
  GetStagesCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  CloudFormationClient,
  DescribeStackResourcesCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { startLocalCloud, startTestCloud, stopDaemon, type LocalCloud } from './index';
import { cloudDeployer, type AssemblyBuild, type CloudDeployer } from './test-utils/deploy-stack';
import {
  bucketDeploymentApp,
  crossStackApp,
  httpApiApp,
  openApiBodyApp,
  queueApp,
  rdsApp,
} from './test-utils/gap-apps';

jest.setTimeout(300_000);

describe('CloudFormation resources moto lacks, deployed with toolkit-lib', () => {
  let cloud: LocalCloud;
  let deployer: CloudDeployer;
  let cfn: CloudFormationClient;
  let apigw: ApiGatewayV2Client;
  let s3: S3Client;

  beforeAll(async () => {
    cloud = await startTestCloud();
    deployer = cloudDeployer(cloud);
    cfn = new CloudFormationClient(cloud.clientConfig);
    apigw = new ApiGatewayV2Client(cloud.clientConfig);
    s3 = new S3Client({ ...cloud.clientConfig, forcePathStyle: true });
  });
  afterAll(async () => {
    cfn?.destroy();
    apigw?.destroy();
    s3?.destroy();
    await cloud?.stop();
    for (const entry of fs.readdirSync(os.tmpdir())) {
      if (entry.startsWith('nx-sst-gap-'))
        fs.rmSync(path.join(os.tmpdir(), entry), { recursive: true, force: true });
    }
  });

  const deploy = async (build: AssemblyBuild) => (await deployer.deploy(build))[0].outputs;
  const destroy = (build: AssemblyBuild) => deployer.destroy(build);
  const routesOf = async (ApiId: string) => {
    const [{ Items: routes = [] }, { Items: integrations = [] }] = await Promise.all([
      apigw.send(new GetRoutesCommand({ ApiId })),
      apigw.send(new GetIntegrationsCommand({ ApiId })),
    ]);
    const uriOf = Object.fromEntries(
      integrations.map((i) => [`integrations/${i.IntegrationId}`, i.IntegrationUri]),
    );
    return Object.fromEntries(
      routes.map((r) => [
        r.RouteKey!,
        { id: r.RouteId!, uri: uriOf[r.Target!], auth: r.AuthorizationType, authorizer: r.AuthorizerId },
      ]),
    );
  };

  it('resolves Fn::ImportValue in a stack created through a change set', async () => {
    const stacks = await deployer.deploy(crossStackApp(cloud));
    const outputs = Object.fromEntries(stacks.map((s) => [s.stackName, s.outputs]));
    const bucketName = outputs.Producer.BucketName;
    const ssm = new SSMClient(cloud.clientConfig);
    try {
      const param = await ssm.send(new GetParameterCommand({ Name: '/gap/imported' }));
      expect(param.Parameter?.Value).toBe(`${bucketName} arn:aws:s3:::${bucketName}`);
    } finally {
      ssm.destroy();
    }
  });

  it("gives a queue a URL on the local cloud, which the SDK sends to as it sends to the queue's URL on AWS", async () => {
    const outputs = await deploy(queueApp(cloud));
    const url = outputs.QueueUrl;
    expect(url).toMatch(new RegExp(`^${cloud.endpoint}/${cloud.accountId}/Queues-Inbox`));
    const ssm = new SSMClient(cloud.clientConfig);
    // A client as bound code makes one: no endpoint in code, so SDK v3 sends to the queue URL's host.
    const { endpoint: _endpoint, ...noEndpoint } = cloud.clientConfig as { endpoint?: string };
    const sqs = new SQSClient({ ...noEndpoint, logger: { ...console, warn: () => undefined } });
    try {
      const stored = await ssm.send(new GetParameterCommand({ Name: '/gap/queue-url' }));
      expect(stored.Parameter?.Value).toBe(url);
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'hello' }));
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
      expect(Messages.map((m) => m.Body)).toEqual(['hello']);
    } finally {
      ssm.destroy();
      sqs.destroy();
    }
  });

  describe('AWS::ApiGatewayV2 (HTTP API)', () => {
    let apiId: string;
    let firstRoutes: Awaited<ReturnType<typeof routesOf>>;

    it('creates the API, its $default stage, integrations and routes; Ref and GetAtt resolve', async () => {
      const outputs = await deploy(httpApiApp(cloud, 1));
      apiId = outputs.ApiId;
      expect(apiId).toMatch(/^[a-z0-9]+$/);
      const api = await apigw.send(new GetApiCommand({ ApiId: apiId }));
      expect(api).toMatchObject({ Name: 'Api', ProtocolType: 'HTTP', ApiEndpoint: outputs.Endpoint });
      expect(api.CorsConfiguration?.AllowOrigins).toEqual(['*']);
      // The local cloud serves the API itself, at this endpoint (see http-api.spec.ts).
      expect(outputs.Url).toBe(`${cloud.endpoint}/_aws/execute-api/${apiId}`);
      expect(outputs.Endpoint).toBe(outputs.Url);
      const { Items: apis = [] } = await apigw.send(new GetApisCommand({}));
      expect(apis.map((a) => a.ApiId)).toEqual([apiId]);
      const { Items: stages = [] } = await apigw.send(new GetStagesCommand({ ApiId: apiId }));
      expect(stages.map((s) => [s.StageName, s.AutoDeploy])).toEqual([['$default', true]]);

      firstRoutes = await routesOf(apiId);
      expect(Object.keys(firstRoutes).sort()).toEqual(['GET /a', 'GET /b']);
      expect(firstRoutes['GET /a'].uri).toBe(outputs.FunctionA);
      expect(firstRoutes['GET /b'].uri).toMatch(/^arn:aws:lambda:us-east-1:000000000000:function:/);
      expect(firstRoutes['GET /a'].auth).toBe('JWT');
      const authorizer = await apigw.send(
        new GetAuthorizerCommand({ ApiId: apiId, AuthorizerId: firstRoutes['GET /a'].authorizer }),
      );
      expect(authorizer).toMatchObject({
        AuthorizerType: 'JWT',
        JwtConfiguration: { Audience: ['nx-sst'], Issuer: 'https://issuer.example.com' },
      });
      expect(firstRoutes['GET /b'].auth).toBe('NONE');
      // The stack's resources carry the physical ids the API holds.
      const { StackResources = [] } = await cfn.send(
        new DescribeStackResourcesCommand({ StackName: 'Http' }),
      );
      const physical = StackResources.filter((r) => r.ResourceType === 'AWS::ApiGatewayV2::Route')
        .map((r) => r.PhysicalResourceId)
        .sort();
      expect(physical).toEqual([firstRoutes['GET /a'].id, firstRoutes['GET /b'].id].sort());
    });

    it('updates in place: changed routes keep their ids, removed ones go, new ones come', async () => {
      const outputs = await deploy(httpApiApp(cloud, 2));
      expect(outputs.ApiId).toBe(apiId);
      const routes = await routesOf(apiId);
      expect(Object.keys(routes).sort()).toEqual(['GET /a', 'POST /c']);
      expect(routes['GET /a'].id).toBe(firstRoutes['GET /a'].id);
      expect(routes['GET /a'].uri).not.toBe(firstRoutes['GET /a'].uri);
      expect(routes['POST /c'].uri).toBe(outputs.FunctionA);
      const { Items: integrations = [] } = await apigw.send(new GetIntegrationsCommand({ ApiId: apiId }));
      expect(integrations).toHaveLength(2);
      const api = await apigw.send(new GetApiCommand({ ApiId: apiId }));
      expect(api.CorsConfiguration?.AllowOrigins).toEqual(['https://example.com']);
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'Http' }));
      expect(Stacks?.[0].StackStatus).toBe('UPDATE_COMPLETE');
      // a restart replays the journal: the same API, routes and ids
      await stopDaemon(cloud.stateDir);
      await startLocalCloud({ stateDir: cloud.stateDir });
      expect(await routesOf(apiId)).toEqual(routes);
    });

    it('refuses an OpenAPI body by name instead of creating an API without routes', async () => {
      await expect(deploy(openApiBodyApp(cloud))).rejects.toThrow(
        /FromOpenApi[\s\S]*an OpenAPI Body is not supported by the nx-sst local/,
      );
      // rolled back: nothing of it is left
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'OpenApi' }));
      expect(Stacks?.[0].StackStatus).toBe('ROLLBACK_COMPLETE');
      expect(Stacks?.[0].StackStatusReason).toContain('OpenAPI Body is not supported');
      const { Items: apis = [] } = await apigw.send(new GetApisCommand({}));
      expect(apis.map((a) => a.ApiId)).toEqual([apiId]);
      const sqs = new SQSClient(cloud.clientConfig);
      try {
        const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({}));
        expect(QueueUrls.filter((u) => u.includes('OpenApi'))).toEqual([]);
      } finally {
        sqs.destroy();
      }
    });

    it('deletes the API with the stack', async () => {
      await destroy(httpApiApp(cloud, 2));
      await expect(apigw.send(new GetApiCommand({ ApiId: apiId }))).rejects.toMatchObject({
        name: 'NotFoundException',
      });
      const { Items: apis = [] } = await apigw.send(new GetApisCommand({}));
      expect(apis).toEqual([]);
    });
  });

  describe('Custom::CDKBucketDeployment (aws-s3-deployment, StaticSite)', () => {
    let bucket: string;
    let other: string;
    const text = async (Key: string) => {
      const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
      return { body: await got.Body!.transformToString(), type: got.ContentType, got };
    };
    const keys = async () =>
      ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key).sort();

    it('puts the files in the bucket under the prefix, with deploy-time values in place', async () => {
      const outputs = await deploy(
        bucketDeploymentApp(cloud, {
          'index.html': '<h1>v1</h1>',
          'assets/app.css': 'body{}',
          'old.txt': 'x',
        }),
      );
      bucket = outputs.SiteBucket;
      other = outputs.OtherBucket;
      expect(await keys()).toEqual(['web/assets/app.css', 'web/config.js', 'web/index.html', 'web/old.txt']);
      const config = await text('web/config.js');
      expect(config.body).toBe(`window.BUCKET = "${other}";`);
      expect(config.body).not.toContain('<<marker');
      const index = await text('web/index.html');
      expect(index.body).toBe('<h1>v1</h1>');
      expect(index.type).toBe('text/html');
      expect(index.got.CacheControl).toBe('max-age=60');
      expect(index.got.Metadata).toEqual({ origin: 'nx-sst' });
      expect((await text('web/assets/app.css')).type).toBe('text/css');
    });

    it('updates the files and prunes the ones the new version lacks', async () => {
      await deploy(bucketDeploymentApp(cloud, { 'index.html': '<h1>v2</h1>', 'assets/app.css': 'body{}' }));
      expect(await keys()).toEqual(['web/assets/app.css', 'web/config.js', 'web/index.html']);
      expect((await text('web/index.html')).body).toBe('<h1>v2</h1>');
    });

    it('keeps the files of a bucket it owns when the stack goes, as the CDK handler does', async () => {
      await destroy(bucketDeploymentApp(cloud, {}));
      // the bucket carries the deployment's aws-cdk:cr-owned tag: the handler leaves its files alone
      expect(await keys()).toEqual(['web/assets/app.css', 'web/config.js', 'web/index.html']);
      await expect(s3.send(new HeadBucketCommand({ Bucket: other }))).rejects.toMatchObject({
        name: 'NotFound',
      });
    });

    it('empties its prefix of a bucket it does not own on delete (retainOnDelete: false)', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'shared-site' }));
      await s3.send(new PutObjectCommand({ Bucket: 'shared-site', Key: 'keep.txt', Body: 'not ours' }));
      bucket = 'shared-site';
      const build = bucketDeploymentApp(
        cloud,
        { 'index.html': '<h1>shared</h1>' },
        {
          stackName: 'Shared',
          importedBucket: 'shared-site',
        },
      );
      await deploy(build);
      expect(await keys()).toEqual(['keep.txt', 'web/config.js', 'web/index.html']);
      await destroy(build);
      expect(await keys()).toEqual(['keep.txt']);
    });
  });

  describe('AWS::RDS::DBCluster with its secret (Aurora Serverless v2, Data API)', () => {
    let rdsClient: RDSClient;
    let secrets: SecretsManagerClient;
    let outputs: Record<string, string>;
    beforeAll(() => {
      rdsClient = new RDSClient(cloud.clientConfig);
      secrets = new SecretsManagerClient(cloud.clientConfig);
    });
    afterAll(() => {
      rdsClient?.destroy();
      secrets?.destroy();
    });
    const clusterOf = async (arn: string) =>
      (await rdsClient.send(new DescribeDBClustersCommand({ DBClusterIdentifier: arn.split(':').pop() })))
        .DBClusters![0];

    it('creates the cluster, its writer and a secret holding its connection details', async () => {
      outputs = await deploy(rdsApp(cloud, 4));
      const cluster = await clusterOf(outputs.ClusterArn);
      expect(cluster).toMatchObject({
        DBClusterArn: outputs.ClusterArn,
        Engine: 'aurora-postgresql',
        EngineVersion: '16.4',
        DatabaseName: 'notes',
        Status: 'available',
        HttpEndpointEnabled: true,
        Endpoint: outputs.Endpoint,
        Port: 5432,
        MasterUsername: 'postgres',
        ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 4 },
      });
      expect(cluster.DBClusterMembers?.map((m) => m.IsClusterWriter)).toEqual([true]);
      expect(outputs.Port).toBe('5432');
      const secret = await secrets.send(new GetSecretValueCommand({ SecretId: outputs.SecretArn }));
      const value = JSON.parse(secret.SecretString!);
      expect(value).toMatchObject({
        username: 'postgres',
        engine: 'postgres',
        host: outputs.Endpoint,
        port: 5432,
        dbname: 'notes',
        dbClusterIdentifier: cluster.DBClusterIdentifier,
      });
      // the generated password, never in the template, is the cluster's
      expect(value.password).toMatch(/^.{30}$/);

      // a restart replays the journal: the same cluster, the same generated password
      await stopDaemon(cloud.stateDir);
      await startLocalCloud({ stateDir: cloud.stateDir });
      const replayed = await secrets.send(new GetSecretValueCommand({ SecretId: outputs.SecretArn }));
      expect(JSON.parse(replayed.SecretString!)).toEqual(value);
      expect((await clusterOf(outputs.ClusterArn)).Endpoint).toBe(outputs.Endpoint);
    });

    it('updates the scaling in place and deletes everything with the stack, VPC included', async () => {
      const updated = await deploy(rdsApp(cloud, 8));
      expect(updated.ClusterArn).toBe(outputs.ClusterArn);
      expect((await clusterOf(outputs.ClusterArn)).ServerlessV2ScalingConfiguration?.MaxCapacity).toBe(8);
      await destroy(rdsApp(cloud, 8));
      await expect(cfn.send(new DescribeStacksCommand({ StackName: 'Data' }))).rejects.toThrow(
        'does not exist',
      );
      await expect(clusterOf(outputs.ClusterArn)).rejects.toMatchObject({ name: 'DBClusterNotFoundFault' });
      await expect(
        secrets.send(new GetSecretValueCommand({ SecretId: outputs.SecretArn })),
      ).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
    });
  });
});
