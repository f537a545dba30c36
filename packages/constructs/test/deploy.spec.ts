import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ApiGatewayV2Client,
  GetApiCommand,
  GetIntegrationsCommand,
  GetRoutesCommand,
} from '@aws-sdk/client-apigatewayv2';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  paginateListStackResources,
} from '@aws-sdk/client-cloudformation';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { LocalCloud } from '@nx-sst/local-cloud';
import { App } from '../src';
import { startDeployTarget, type DeployTarget } from '../src/test-utils/local-deploy';
import { Compact, Data, Http, Sample, writeSampleWorkspace } from './sample-app';

jest.setTimeout(600_000);

/** Resolves bindings the way deployed code does: @nx-sst/runtime (as built) in a fresh Node process. */
function resolveWithRuntime(env: Record<string, string>, cloud: LocalCloud): Record<string, string> {
  const runtime = path.dirname(require.resolve('@nx-sst/runtime/package.json'));
  const script = `
    const { load } = require(${JSON.stringify(runtime)});
    (async () => {
      await load();
      const r = (m) => require(${JSON.stringify(runtime)} + '/dist/cjs/' + m + '.js');
      const { Bucket } = r('bucket'), { Table } = r('table'), { Queue } = r('queue'), { Topic } = r('topic');
      const { Api } = r('api'), { Config } = r('config'), { NextjsSite } = r('site'), { RDS } = r('rds');
      const out = {};
      const put = (k, f) => { try { out[k] = f(); } catch (e) { out[k] = 'ERROR ' + e.message; } };
      put('bucket', () => Bucket.uploads.bucketName);
      put('table', () => Table.notes.tableName);
      put('queue', () => Queue.jobs.queueUrl);
      put('topic', () => Topic.events.topicArn);
      put('api', () => Api.api.url);
      put('secret', () => Config.STRIPE_KEY);
      put('version', () => Config.VERSION);
      put('web', () => NextjsSite.web.url);
      put('flag7', () => Config.FLAG_7);
      put('archive', () => Bucket.archive.bucketName);
      put('rds', () => [RDS.db.clusterArn, RDS.db.secretArn, RDS.db.defaultDatabaseName].join(' '));
      process.stdout.write(JSON.stringify(out));
    })().catch((e) => { process.stderr.write(String(e.stack)); process.exit(1); });`;
  const out = execFileSync(process.execPath, ['-e', script], {
    env: { PATH: process.env.PATH ?? '', ...cloud.env, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

describe('the sample app on the local cloud', () => {
  let cloud: LocalCloud;
  let root: string;
  let lambda: LambdaClient;
  let ssm: SSMClient;
  let cfn: CloudFormationClient;
  let s3: S3Client;
  let apigw: ApiGatewayV2Client;
  let physical: Record<string, string>;
  let target: DeployTarget;
  let assembly: import('aws-cdk-lib/cx-api').CloudAssembly;
  const deploy = (stackId: string) => target.deploy(assembly, [stackId]);

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-sample-'));
    writeSampleWorkspace(root);
    target = await startDeployTarget();
    cloud = target.cloud;
    lambda = new LambdaClient(cloud.clientConfig);
    ssm = new SSMClient(cloud.clientConfig);
    cfn = new CloudFormationClient(cloud.clientConfig);
    s3 = new S3Client({ ...cloud.clientConfig, forcePathStyle: true });
    apigw = new ApiGatewayV2Client(cloud.clientConfig);
    const app = new App({
      name: 'sample',
      stage: 'local',
      region: cloud.region,
      account: cloud.accountId,
      workspaceRoot: root,
      outdir: path.join(root, '.sst', 'cdk.out'),
      // the RDS construct's VPC spreads over two zones; without this a synthesis outside toolkit-lib gets dummy ones
      context: {
        [`availability-zones:account=${cloud.accountId}:region=${cloud.region}`]: [
          `${cloud.region}a`,
          `${cloud.region}b`,
        ],
      },
      resolveProject: (abs) => {
        const [kind, name] = path.relative(root, abs).split(path.sep);
        return kind === 'apps' || kind === 'packages' ? { name, root: `${kind}/${name}` } : undefined;
      },
    });
    app.stack(Sample).stack(Http).stack(Compact).stack(Data);
    assembly = app.synth();
    await deploy('Sample');
    await deploy('Compact');
    // DescribeStackResources stops at 100 resources; the listing pages through all of them.
    physical = await target.physicalIds(['local-sample-Sample', 'local-sample-Compact']);
    await ssm.send(
      new PutParameterCommand({
        Name: '/sst/sample/local/Secret/STRIPE_KEY/value',
        Value: 'sk_test_123',
        Type: 'SecureString',
      }),
    );
  });

  afterAll(async () => {
    lambda?.destroy();
    ssm?.destroy();
    cfn?.destroy();
    s3?.destroy();
    apigw?.destroy();
    await target?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  const physicalOf = (type: string, prefix: string) => {
    const ids = Object.keys(physical).filter((id) => id.startsWith(`${type} ${prefix}`));
    if (ids.length !== 1) throw new Error(`expected one resource ${prefix}*, got ${ids.join(', ')}`);
    return physical[ids[0]];
  };

  const envOf = async (logicalPrefix: string) => {
    const fn = await lambda.send(
      new GetFunctionCommand({ FunctionName: physicalOf('AWS::Lambda::Function', logicalPrefix) }),
    );
    return fn.Configuration?.Environment?.Variables ?? {};
  };

  it('deploys functions with env vars the runtime resolves to the deployed names', async () => {
    const env = await envOf('jobsjobsconsumer');
    expect(env).toMatchObject({
      SST_APP: 'sample',
      SST_STAGE: 'local',
      SST_SSM_PREFIX: '/sst/sample/local/',
      SST_Secret_value_STRIPE_KEY: '__FETCH_FROM_SSM__',
      SST_Parameter_value_VERSION: '1.0.0',
    });
    const resolved = resolveWithRuntime(env, cloud);
    expect(resolved).toMatchObject({
      bucket: physicalOf('AWS::S3::Bucket', 'uploadsBucket'),
      table: physicalOf('AWS::DynamoDB::Table', 'notesTable'),
      topic: physicalOf('AWS::SNS::Topic', 'eventsTopic'),
      secret: 'sk_test_123',
      version: '1.0.0',
    });
  });

  it('deploys the Next.js placeholder server with its bindings, resolved by the runtime', async () => {
    const env = await envOf('webServerFunction');
    expect(env.NEXT_PUBLIC_STAGE).toBe('local');
    const resolved = resolveWithRuntime(env, cloud);
    expect(resolved).toMatchObject({
      bucket: physicalOf('AWS::S3::Bucket', 'uploadsBucket'),
      secret: 'sk_test_123',
    });
    expect(resolved.table).toContain('Cannot use Table.notes');
  });

  it('writes the String parameters and the bind manifests', async () => {
    const get = async (Name: string) => (await ssm.send(new GetParameterCommand({ Name }))).Parameter?.Value;
    expect(await get('/sst/sample/local/Bucket/uploads/bucketName')).toBe(
      physicalOf('AWS::S3::Bucket', 'uploadsBucket'),
    );
    expect(await get('/sst/sample/local/NextjsSite/web/url')).toBe('localhost');
    const manifest = JSON.parse((await get('/sst/sample/local/_bind/target/web'))!);
    expect(manifest).toMatchObject({
      target: 'web',
      kind: 'site',
      project: { name: 'web', root: 'apps/web' },
      env: {
        SST_Bucket_bucketName_uploads: physicalOf('AWS::S3::Bucket', 'uploadsBucket'),
        SST_Secret_value_STRIPE_KEY: '__FETCH_FROM_SSM__',
      },
    });
    expect(manifest.roleArn).toMatch(/^arn:aws:iam::000000000000:role\//);
    const web = JSON.parse((await get('/sst/sample/local/_bind/project/web'))!);
    expect(web).toMatchObject({ targets: ['web'], roleArn: manifest.roleArn, env: manifest.env });
    expect(JSON.stringify(web)).not.toContain('sk_test_123');
    // the project spans three stacks: its manifest lives in the latest, with placeholders for the others
    const functions = JSON.parse((await get('/sst/sample/local/_bind/project/functions'))!);
    expect(functions.targets).toEqual([
      'api-GET-notes',
      'api-GET-notes-id',
      'jobs-consumer',
      'many',
      'nightly-job',
    ]);
    expect(functions.env.SST_Table_tableName_notes).toBe('__FETCH_FROM_SSM__');
    expect(JSON.parse(functions.env.SST_BINDINGS).Bucket.archive.bucketName).toBe(
      physicalOf('AWS::S3::Bucket', 'archiveBucket'),
    );
    // the static site is deployed too (its files are uploaded by a custom resource the local cloud answers)
    expect(physicalOf('AWS::S3::Bucket', 'landingBucket')).toBeTruthy();
  });

  it('deploys a function over the 4 KB limit with SST_BINDINGS, which the runtime resolves', async () => {
    const env = await envOf('many');
    expect(Object.keys(env).filter((k) => /^SST_[A-Za-z]+_[a-zA-Z]+_/.test(k))).toEqual([]);
    expect(JSON.parse(env.SST_BINDINGS).Parameter.FLAG_7).toEqual({ value: 'on-7' });
    const resolved = resolveWithRuntime(env, cloud);
    expect(resolved).toMatchObject({
      flag7: 'on-7',
      archive: physicalOf('AWS::S3::Bucket', 'archiveBucket'),
      secret: 'sk_test_123',
    });
  });

  it('deploys the HTTP API stack: routes to their functions, url bound and resolved by the runtime, a cron job, its outputs', async () => {
    await deploy('Http');
    const http: Record<string, string> = {};
    for await (const page of paginateListStackResources(
      { client: cfn },
      { StackName: 'local-sample-Http' },
    )) {
      for (const r of page.StackResourceSummaries ?? []) {
        http[`${r.ResourceType} ${r.LogicalResourceId}`] = r.PhysicalResourceId!;
      }
    }
    const byType = (type: string) =>
      Object.entries(http)
        .filter(([k]) => k.startsWith(`${type} `))
        .map(([, v]) => v);
    const [apiId] = byType('AWS::ApiGatewayV2::Api');
    // The local cloud serves the API at this endpoint (local-cloud's http-api.spec.ts).
    const url = `${cloud.endpoint}/_aws/execute-api/${apiId}`;
    expect((await apigw.send(new GetApiCommand({ ApiId: apiId }))).ApiEndpoint).toBe(url);
    const { Items: routes = [] } = await apigw.send(new GetRoutesCommand({ ApiId: apiId }));
    const { Items: integrations = [] } = await apigw.send(new GetIntegrationsCommand({ ApiId: apiId }));
    const functionOf = Object.fromEntries(
      integrations.map((i) => [`integrations/${i.IntegrationId}`, i.IntegrationUri!.split(':').pop()]),
    );
    const routeFunctions = Object.fromEntries(routes.map((r) => [r.RouteKey!, functionOf[r.Target!]]));
    expect(Object.keys(routeFunctions).sort()).toEqual(['GET /notes', 'GET /notes/{id}']);
    const [, getNoteFn] = Object.entries(http).find(([k]) =>
      k.startsWith('AWS::Lambda::Function apiapiGETnotesid'),
    )!;
    expect(routeFunctions['GET /notes/{id}']).toBe(getNoteFn);
    expect(byType('AWS::ApiGatewayV2::Stage')).toEqual(['$default']);
    expect(byType('AWS::Events::Rule')).toHaveLength(1);
    const [stack] =
      (await cfn.send(new DescribeStacksCommand({ StackName: 'local-sample-Http' }))).Stacks ?? [];
    expect(
      Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, [o.OutputValue, o.ExportName]])),
    ).toEqual({
      ApiEndpoint: [url, undefined],
      NotesTable: [physicalOf('AWS::DynamoDB::Table', 'notesTable'), 'local-sample-Http-notes'],
    });
    const param = await ssm.send(new GetParameterCommand({ Name: '/sst/sample/local/Api/api/url' }));
    expect(param.Parameter?.Value).toBe(url);
    // The bound url answers: the route's function, the esbuild bundle the deploy uploaded, runs locally.
    const res = await fetch(`${param.Parameter!.Value}/notes/7`);
    expect([res.status, await res.text()]).toEqual([200, '{}']);
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: getNoteFn }));
    const env = fn.Configuration?.Environment?.Variables ?? {};
    // the route functions get what the API is bound to (the API's own url is bound to whoever binds the API)
    expect(resolveWithRuntime(env, cloud)).toMatchObject({
      bucket: physicalOf('AWS::S3::Bucket', 'uploadsBucket'),
      table: physicalOf('AWS::DynamoDB::Table', 'notesTable'),
      secret: 'sk_test_123',
    });
  });

  it('uploads the static site with its deploy-time values in place of the {{ KEY }} placeholders', async () => {
    const got = await s3.send(
      new GetObjectCommand({ Bucket: physicalOf('AWS::S3::Bucket', 'landingBucket'), Key: 'index.html' }),
    );
    expect(got.ContentType).toBe('text/html');
    expect(await got.Body!.transformToString()).toBe(
      `<!doctype html><script>window.API_URL = "${physicalOf('AWS::S3::Bucket', 'uploadsBucket')}";</script>\n`,
    );
  });

  it('deploys the RDS cluster (Aurora Serverless v2) with its secret; the bound function resolves both', async () => {
    await deploy('Data');
    const data: Record<string, string> = {};
    for await (const page of paginateListStackResources(
      { client: cfn },
      { StackName: 'local-sample-Data' },
    )) {
      for (const r of page.StackResourceSummaries ?? []) {
        data[`${r.ResourceType} ${r.LogicalResourceId}`] = r.PhysicalResourceId!;
      }
    }
    const one = (prefix: string) => {
      const ids = Object.keys(data).filter((k) => k.startsWith(prefix));
      if (ids.length !== 1) throw new Error(`expected one ${prefix}*, got ${ids.join(', ')}`);
      return data[ids[0]];
    };
    const clusterArn = `arn:aws:rds:${cloud.region}:${cloud.accountId}:cluster:${one('AWS::RDS::DBCluster db')}`;
    const secretArn = one('AWS::SecretsManager::Secret db');
    expect(secretArn).toMatch(/^arn:aws:secretsmanager:/);
    const fn = await lambda.send(
      new GetFunctionCommand({ FunctionName: one('AWS::Lambda::Function query') }),
    );
    const env = fn.Configuration?.Environment?.Variables ?? {};
    expect(resolveWithRuntime(env, cloud).rds).toBe(`${clusterArn} ${secretArn} notes`);
  });
});
