import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  GetFunctionCommand,
  GetFunctionUrlConfigCommand,
  InvokeCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CfnOutput } from 'aws-cdk-lib';
import type { LocalCloud } from '@nx-sst/local-cloud';
import { App, Bucket, NextjsSite } from '../src';
import { startDeployTarget, type DeployTarget } from '../src/test-utils/local-deploy';
import { writeOpenNextFixture } from '../src/test-utils/open-next-fixture';
// What the local cloud's workers and processes bound to local install: Node resolves *.localhost as browsers do.
import { resolveLocalhostNames } from '../../local-cloud/src/daemon/lambda/localhost-lookup';

jest.setTimeout(600_000);

// A NextjsSite with dev.deploy on the local cloud, from an OpenNext output laid out as @opennextjs/aws 4.1.12
// writes it: the assets uploaded to the local S3 with the deploy-time value in place of {{ NEXT_PUBLIC_API_URL }},
// the server function stored with its URL, and run by the local cloud with the placeholder replaced.
describe('NextjsSite with dev.deploy on the local cloud', () => {
  let cloud: LocalCloud;
  let root: string;
  let s3: S3Client;
  let lambda: LambdaClient;
  let cfn: CloudFormationClient;
  let dynamodb: DynamoDBClient;
  let siteUrl: string;
  let target: DeployTarget;
  let physical: Record<string, string>;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-nextjs-'));
    fs.mkdirSync(path.join(root, 'apps/web'), { recursive: true });
    fs.writeFileSync(path.join(root, 'apps/web/package.json'), '{ "name": "web" }\n');
    writeOpenNextFixture(path.join(root, 'apps/web'));
    target = await startDeployTarget();
    cloud = target.cloud;
    s3 = new S3Client({ ...cloud.clientConfig, forcePathStyle: true });
    lambda = new LambdaClient(cloud.clientConfig);
    cfn = new CloudFormationClient(cloud.clientConfig);
    dynamodb = new DynamoDBClient(cloud.clientConfig);
    resolveLocalhostNames();
    const app = new App({
      name: 'next',
      stage: 'local',
      region: cloud.region,
      account: cloud.accountId,
      workspaceRoot: root,
      outdir: path.join(root, '.sst', 'cdk.out'),
      resolveProject: (abs) => {
        const [kind, name] = path.relative(root, abs).split(path.sep);
        return kind === 'apps' ? { name, root: `${kind}/${name}` } : undefined;
      },
    });
    app.stack(function Site({ stack }) {
      const api = new Bucket(stack, 'api');
      const files = new Bucket(stack, 'files');
      const site = new NextjsSite(stack, 'web', {
        path: 'apps/web',
        prebuilt: '.open-next',
        bind: [files],
        environment: { NEXT_PUBLIC_API_URL: api.bucketName, SERVER_VALUE: 'bound' },
        dev: { deploy: true },
      });
      new CfnOutput(stack, 'SiteUrl', { value: site.url });
    });
    await target.deploy(app.synth());
    physical = await target.physicalIds(['local-next-Site']);
    const described = await cfn.send(new DescribeStacksCommand({ StackName: 'local-next-Site' }));
    siteUrl = described.Stacks![0].Outputs!.find((o) => o.OutputKey === 'SiteUrl')!.OutputValue!;
  });

  afterAll(async () => {
    s3?.destroy();
    lambda?.destroy();
    cfn?.destroy();
    dynamodb?.destroy();
    await target?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  const physicalOf = (type: string, prefix: string) => {
    const ids = Object.keys(physical).filter((id) => id.startsWith(`${type} ${prefix}`));
    if (ids.length !== 1) throw new Error(`expected one ${type} ${prefix}*, got ${ids.join(', ')}`);
    return physical[ids[0]];
  };
  const text = async (Bucket: string, Key: string) => {
    const object = await s3.send(new GetObjectCommand({ Bucket, Key }));
    return { body: await object.Body!.transformToString(), cacheControl: object.CacheControl };
  };

  it('uploads the assets and the cache to the local S3, placeholders replaced by the deployed value', async () => {
    const bucket = physicalOf('AWS::S3::Bucket', 'webAssets');
    const apiBucket = physicalOf('AWS::S3::Bucket', 'apiBucket');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual([
      '_assets/BUILD_ID',
      '_assets/_next/static/chunks/app.js',
      '_assets/_next/static/fixtureBuildId/_buildManifest.js',
      '_assets/favicon.ico',
      '_cache/fixtureBuildId/static.cache',
    ]);
    const chunk = await text(bucket, '_assets/_next/static/chunks/app.js');
    expect(chunk.body).toBe(`self.apiUrl = "${apiBucket}";\n`);
    expect(chunk.cacheControl).toBe('public,max-age=31536000,immutable');
    expect((await text(bucket, '_assets/favicon.ico')).cacheControl).toBe(
      'public,max-age=0,s-maxage=31536000,must-revalidate',
    );
    expect(JSON.parse((await text(bucket, '_cache/fixtureBuildId/static.cache')).body).html).toBe(
      `<p>${apiBucket}</p>`,
    );
    // No CloudFront on the local cloud: the browser reads the assets without a signature.
    const anonymous = await fetch(`${cloud.endpoint}/${bucket}/_assets/favicon.ico`);
    expect(anonymous.status).toBe(200);
    const cache = await fetch(`${cloud.endpoint}/${bucket}/_cache/fixtureBuildId/static.cache`);
    expect(cache.status).toBe(403);
  });

  it('creates the server function with its URL, bindings and environment, and it answers with the deployed value', async () => {
    const name = physicalOf('AWS::Lambda::Function', 'webServerFunction');
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
    expect(fn.Configuration?.Handler).toBe('nx-sst-server.handler');
    const apiBucket = physicalOf('AWS::S3::Bucket', 'apiBucket');
    expect(fn.Configuration?.Environment?.Variables).toMatchObject({
      NEXT_PUBLIC_API_URL: apiBucket,
      SST_Bucket_bucketName_files: physicalOf('AWS::S3::Bucket', 'filesBucket'),
      CACHE_BUCKET_NAME: physicalOf('AWS::S3::Bucket', 'webAssets'),
      CACHE_DYNAMO_TABLE: physicalOf('AWS::DynamoDB::Table', 'webTagCache'),
    });
    const url = await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: name }));
    expect(url.AuthType).toBe('NONE');
    // The URL the site binds answers on the local cloud, through the server function.
    const page = await fetch(`${url.FunctionUrl}some/page?x=1`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(
      `<p id="client">${apiBucket}</p><p id="server">bound</p><p id="path">/some/page</p>`,
    );
    // No CloudFront here: the server function answers what CloudFront sends to the bucket.
    const script = await fetch(`${url.FunctionUrl}_next/static/chunks/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public,max-age=31536000,immutable');
    expect(await script.text()).toBe(`self.apiUrl = "${apiBucket}";\n`);
    expect(await (await fetch(`${url.FunctionUrl}favicon.ico`)).text()).toBe('public file\n');
    expect((await fetch(`${url.FunctionUrl}_next/static/missing.js`)).status).toBe(404);
    const answer = await lambda.send(
      new InvokeCommand({
        FunctionName: name,
        Payload: Buffer.from(
          JSON.stringify({ version: '2.0', rawPath: '/', headers: {}, requestContext: {} }),
        ),
      }),
    );
    expect(answer.FunctionError).toBeUndefined();
    const response = JSON.parse(Buffer.from(answer.Payload!).toString('utf8'));
    expect(response.body).toBe(`<p id="client">${apiBucket}</p><p id="server">bound</p><p id="path">/</p>`);
  });

  it('binds the host form of the server function URL, where the page and its /_next paths load as in a browser', async () => {
    const name = physicalOf('AWS::Lambda::Function', 'webServerFunction');
    const url = await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: name }));
    const id = /\/_aws\/lambda-url\/([a-z0-9]+)\/$/.exec(url.FunctionUrl!)![1];
    const port = new URL(cloud.endpoint).port;
    expect(siteUrl).toBe(`http://${id}.lambda-url.localhost:${port}/`);
    const apiBucket = physicalOf('AWS::S3::Bucket', 'apiBucket');
    const page = await fetch(`${siteUrl}some/page`);
    expect(await page.text()).toBe(
      `<p id="client">${apiBucket}</p><p id="server">bound</p><p id="path">/some/page</p>`,
    );
    // What the page's <script src="/_next/…"> loads from the same origin.
    const script = await fetch(new URL('/_next/static/chunks/app.js', siteUrl));
    expect(await script.text()).toBe(`self.apiUrl = "${apiBucket}";\n`);
  });

  it('sends /_next/image to the image optimization function, which reads the image from the assets', async () => {
    const image = await fetch(new URL('/_next/image?url=%2Ffavicon.ico&w=64&q=75', siteUrl), {
      headers: { accept: 'image/avif,image/webp' },
    });
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/webp');
    expect(image.headers.get('etag')).toBe('"/favicon.ico 64 75"');
    // Only the headers CloudFront's image behaviour would pass back.
    expect(image.headers.get('x-fixture')).toBeNull();
    expect(await image.text()).toBe('public file\n');
    const missing = await fetch(new URL('/_next/image?url=%2Fnone.png&w=64&q=75', siteUrl));
    expect(missing.status).toBe(400);
  });

  it("seeds the tag cache with the build's tags (the AwsCustomResource call, made by the local cloud)", async () => {
    const table = physicalOf('AWS::DynamoDB::Table', 'webTagCache');
    const scanned = await dynamodb.send(new ScanCommand({ TableName: table }));
    expect(scanned.Items).toEqual([
      {
        tag: { S: 'fixtureBuildId/_N_T_/layout' },
        path: { S: 'fixtureBuildId/index' },
        revalidatedAt: { N: '1' },
      },
    ]);
  });
});
