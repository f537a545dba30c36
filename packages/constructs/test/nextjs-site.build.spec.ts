import { execFileSync, execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  paginateListStackResources,
} from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetFunctionUrlConfigCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { StackSelectionStrategy, Toolkit } from '@aws-cdk/toolkit-lib';
import { ensureBootstrapped, startTestCloud, withCloudEnv } from '@nx-sst/local-cloud';
import { CfnOutput } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { chromium } from 'playwright-core';
import { App, Bucket, NextjsSite } from '../src';
import { OPEN_NEXT_VERSION, SERVER_WRAPPER } from '../src/open-next';

// The real build: a small Next.js 16 app (the quick start's versions) built by @opennextjs/aws at synthesis.
// It installs Next.js from the registry and runs `next build` (about three minutes on two cores), so it runs
// with the end-to-end suites (NX_SST_E2E=1, as CI sets it); the other specs deploy a prebuilt output.
const enabled = process.env.NX_SST_E2E === '1';
const describeBuild = enabled ? describe : describe.skip;

jest.setTimeout(900_000);

describeBuild(`NextjsSite built with @opennextjs/aws ${OPEN_NEXT_VERSION} (NX_SST_E2E=1)`, () => {
  let root: string;
  let site: string;
  let template: Template;
  let apiRef: unknown;

  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'nx-sst-next-build-'));
    site = path.join(root, 'apps/web');
    const write = (rel: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(site, rel)), { recursive: true });
      fs.writeFileSync(path.join(site, rel), text);
    };
    const example = JSON.parse(
      fs.readFileSync(path.join(__dirname, '../../../examples/quickstart/apps/web/package.json'), 'utf8'),
    ) as { dependencies: Record<string, string> };
    write(
      'package.json',
      JSON.stringify({
        name: 'web',
        private: true,
        // The build script nx-sst must not run: OpenNext is told to run next build itself.
        scripts: { build: 'exit 7' },
        dependencies: {
          next: example.dependencies.next,
          react: example.dependencies.react,
          'react-dom': example.dependencies['react-dom'],
        },
        devDependencies: { '@opennextjs/aws': OPEN_NEXT_VERSION },
      }),
    );
    // JavaScript, so that next build does not install TypeScript.
    write('next.config.mjs', 'export default {};\n');
    write(
      'app/layout.jsx',
      'export default function Layout({ children }) { return <html lang="en"><body>{children}</body></html>; }\n',
    );
    write(
      'app/page.jsx',
      `import { Client } from './client';
export const dynamic = 'force-dynamic';
export default function Home() {
  return <main><p id="server">{process.env.SERVER_VALUE}</p><Client /></main>;
}
`,
    );
    write(
      'app/client.jsx',
      `'use client';
import { useEffect, useState } from 'react';
export function Client() {
  // Set in the browser only: shows the value the loaded script holds, not the server's HTML.
  const [hydrated, setHydrated] = useState('');
  useEffect(() => setHydrated(process.env.NEXT_PUBLIC_API_URL), []);
  return <><p id="client">{process.env.NEXT_PUBLIC_API_URL}</p><p id="hydrated">{hydrated}</p></>;
}
`,
    );
    write('public/robots.txt', 'User-agent: *\n');
    // A 1x1 PNG for /_next/image.
    fs.mkdirSync(path.join(site, 'public'), { recursive: true });
    fs.writeFileSync(
      path.join(site, 'public/pixel.png'),
      Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
        'base64',
      ),
    );
    execSync('npm install --no-audit --no-fund --prefer-offline --loglevel=error', {
      cwd: site,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new App({
      name: 'my-app',
      stage: 'prod',
      region: 'us-east-1',
      account: '123456789012',
      workspaceRoot: root,
      outdir: path.join(root, '.sst', 'cdk.out'),
      resolveProject: (abs) =>
        path.relative(root, abs) === path.join('apps', 'web') ? { name: 'web', root: 'apps/web' } : undefined,
    });
    let stack!: import('../src').Stack;
    app.stack(function Default(ctx) {
      stack = ctx.stack;
      const api = new Bucket(ctx.stack, 'api');
      new NextjsSite(ctx.stack, 'web', {
        path: 'apps/web',
        environment: { NEXT_PUBLIC_API_URL: api.bucketName, SERVER_VALUE: 'bound' },
      });
    });
    template = Template.fromStack(stack);
    apiRef = {
      Ref: Object.keys(template.findResources('AWS::S3::Bucket')).find((id) => id.startsWith('api')),
    };
  });

  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('builds .open-next with the deploy-time value as {{ NEXT_PUBLIC_API_URL }}, uploaded with it replaced', () => {
    const output = JSON.parse(fs.readFileSync(path.join(site, '.open-next/open-next.output.json'), 'utf8'));
    expect(output.origins.default).toMatchObject({ wrapper: 'aws-lambda', converter: 'aws-apigw-v2' });
    const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')).map(
      (r) => r.Properties as { DestinationBucketKeyPrefix: string; SourceMarkers: Record<string, unknown>[] },
    );
    // the browser chunk of the client component: a data source whose marker is the bucket's name
    const versioned = deployments.find((d) => d.DestinationBucketKeyPrefix === '_assets')!;
    expect(versioned.SourceMarkers.slice(1).flatMap((m) => Object.values(m))).toContainEqual(apiRef);
    template.hasResourceProperties('AWS::Lambda::Function', { Handler: 'nx-sst-server.handler' });
    const dist = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0].Properties
      .DistributionConfig as { CacheBehaviors: { PathPattern: string }[] };
    expect(dist.CacheBehaviors.map((b) => b.PathPattern)).toEqual(
      expect.arrayContaining(['_next/*', '_next/image*', 'robots.txt']),
    );
  });

  it("serves the page from OpenNext's server function with the deployed value in place of the placeholder", () => {
    const bundle = path.join(site, '.open-next/server-functions/default');
    const script = `
      const { handler } = await import(${JSON.stringify(path.join(bundle, SERVER_WRAPPER))});
      const event = {
        version: '2.0', routeKey: '$default', rawPath: '/', rawQueryString: '', isBase64Encoded: false,
        headers: { host: 'example.com', accept: 'text/html' },
        requestContext: { http: { method: 'GET', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'jest' },
          domainName: 'example.com', requestId: 'r', stage: '$default', timeEpoch: Date.now() },
      };
      const res = await handler(event, { awsRequestId: 'r', getRemainingTimeInMillis: () => 10000 });
      process.stdout.write(res.isBase64Encoded ? Buffer.from(res.body, 'base64').toString() : res.body);`;
    const html = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: bundle,
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        NEXT_PUBLIC_API_URL: 'local-api-bucket',
        SERVER_VALUE: 'bound',
        CACHE_BUCKET_NAME: 'unused',
        CACHE_BUCKET_KEY_PREFIX: '_cache',
        CACHE_BUCKET_REGION: 'us-east-1',
      },
      encoding: 'utf8',
    });
    expect(html).toContain('<p id="server">bound</p>');
    expect(html).toContain('<p id="client">local-api-bucket</p>');
    expect(html).not.toContain('{{ NEXT_PUBLIC_API_URL }}');
  });

  it('is served on the local cloud from the built artefact (dev.deploy): the page and its scripts through the function URL', async () => {
    const saved = process.env.CDK_VALIDATION;
    process.env.CDK_VALIDATION = 'false';
    const cloud = await startTestCloud();
    const lambda = new LambdaClient(cloud.clientConfig);
    const cfn = new CloudFormationClient(cloud.clientConfig);
    const dynamodb = new DynamoDBClient(cloud.clientConfig);
    try {
      await ensureBootstrapped(cloud);
      const app = new App({
        name: 'my-app',
        stage: 'local',
        region: cloud.region,
        account: cloud.accountId,
        workspaceRoot: root,
        outdir: path.join(root, '.sst', 'cdk.out.local'),
        resolveProject: (abs) =>
          path.relative(root, abs) === path.join('apps', 'web')
            ? { name: 'web', root: 'apps/web' }
            : undefined,
      });
      app.stack(function Default({ stack }) {
        const api = new Bucket(stack, 'api');
        const web = new NextjsSite(stack, 'web', {
          path: 'apps/web',
          prebuilt: '.open-next',
          environment: { NEXT_PUBLIC_API_URL: api.bucketName, SERVER_VALUE: 'bound' },
          dev: { deploy: true },
        });
        new CfnOutput(stack, 'SiteUrl', { value: web.url });
      });
      const assembly = app.synth();
      const toolkit = new Toolkit({
        ioHost: { notify: async () => undefined, requestResponse: async (m) => m.defaultResponse },
      });
      await withCloudEnv(cloud, async () => {
        const source = await toolkit.fromAssemblyBuilder(async () => assembly);
        await toolkit.deploy(source, { stacks: { strategy: StackSelectionStrategy.ALL_STACKS } });
      });
      const physical: Record<string, string> = {};
      for await (const page of paginateListStackResources(
        { client: cfn },
        { StackName: 'local-my-app-Default' },
      )) {
        for (const r of page.StackResourceSummaries ?? [])
          physical[`${r.ResourceType} ${r.LogicalResourceId}`] = r.PhysicalResourceId!;
      }
      const idOf = (type: string, prefix: string) => {
        const id = Object.keys(physical).find((key) => key.startsWith(`${type} ${prefix}`));
        if (!id) throw new Error(`no ${type} ${prefix}* in ${Object.keys(physical).join(', ')}`);
        return id;
      };
      const apiBucket = physical[idOf('AWS::S3::Bucket', 'apiBucket')];
      const { FunctionUrl } = await lambda.send(
        new GetFunctionUrlConfigCommand({
          FunctionName: physical[idOf('AWS::Lambda::Function', 'webServerFunction')],
        }),
      );
      const page = await fetch(FunctionUrl!);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain('<p id="server">bound</p>');
      expect(html).toContain(`<p id="client">${apiBucket}</p>`);
      const scripts = [...html.matchAll(/<script src="\/(_next\/static\/[^"]+\.js)"/g)].map((m) => m[1]);
      expect(scripts.length).toBeGreaterThan(0);
      let replaced = 0;
      for (const script of scripts) {
        const res = await fetch(`${FunctionUrl}${script}`);
        expect(res.status).toBe(200);
        const js = await res.text();
        expect(js).not.toContain('{{ NEXT_PUBLIC_API_URL }}');
        if (js.includes(apiBucket)) replaced += 1;
      }
      // the client component's chunk holds the deployed value
      expect(replaced).toBeGreaterThan(0);
      expect((await fetch(`${FunctionUrl}robots.txt`)).status).toBe(200);
      // OpenNext's image optimization function, reached through the server function as CloudFront routes it.
      const image = await fetch(`${FunctionUrl}_next/image?url=%2Fpixel.png&w=64&q=75`, {
        headers: { accept: 'image/webp,image/*' },
      });
      expect(image.status).toBe(200);
      expect(image.headers.get('content-type')).toBe('image/webp');
      expect((await image.arrayBuffer()).byteLength).toBeGreaterThan(0);
      // The tag cache holds the build's tags (seeded by the AwsCustomResource call the local cloud makes).
      const seed = path.join(root, 'apps/web/.open-next/dynamodb-provider/dynamodb-cache.json');
      const tags = fs.existsSync(seed) ? (JSON.parse(fs.readFileSync(seed, 'utf8')) as unknown[]).length : 0;
      const table = physical[idOf('AWS::DynamoDB::Table', 'webTagCache')];
      expect((await dynamodb.send(new ScanCommand({ TableName: table }))).Count).toBe(tags);
      const stacks = await cfn.send(new DescribeStacksCommand({ StackName: 'local-my-app-Default' }));
      const siteUrl = stacks.Stacks![0].Outputs!.find((o) => o.OutputKey === 'SiteUrl')!.OutputValue!;
      // In Chromium (Debian's, as the e2e suites use it): the page hydrates with the scripts served here.
      const browser = await chromium.launch({
        executablePath: process.env.NX_SST_E2E_CHROMIUM ?? '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking'],
      });
      try {
        const tab = await browser.newPage();
        const failed: string[] = [];
        tab.on('requestfailed', (r) => failed.push(r.url()));
        tab.on('response', (r) => {
          if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
        });
        // The bound url, the host form of the local function URL: the page's /_next/... paths stay on the function.
        const [, port, urlId] = /^http:\/\/127\.0\.0\.1:(\d+)\/_aws\/lambda-url\/([a-z0-9]+)\/$/.exec(
          FunctionUrl!,
        )!;
        expect(siteUrl).toBe(`http://${urlId}.lambda-url.localhost:${port}/`);
        await tab.goto(siteUrl);
        // A string: evaluated in the page (this package's specs are typed without the DOM).
        await tab.waitForFunction(
          `document.querySelector('#hydrated')?.textContent === ${JSON.stringify(apiBucket)}`,
          undefined,
          { timeout: 30_000 },
        );
        expect(failed).toEqual([]);
      } finally {
        await browser.close();
      }
    } finally {
      lambda.destroy();
      cfn.destroy();
      dynamodb.destroy();
      await cloud.stop();
      if (saved === undefined) delete process.env.CDK_VALIDATION;
      else process.env.CDK_VALIDATION = saved;
    }
  });
});
