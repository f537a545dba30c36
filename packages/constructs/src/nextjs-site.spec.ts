import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { Bucket } from './bucket';
import { Config } from './config';
import { NextjsSite } from './nextjs-site';
import { SERVER_WRAPPER } from './open-next';
import { writeOpenNextFixture } from './test-utils/open-next-fixture';
import { lambdaEnv, logicalId, roleStatements, ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('NextjsSite', () => {
  const ws = useWorkspace();

  it('deploys a placeholder server function on local, with the bindings, the environment and an assumable role', () => {
    const { template, app } = ws.synth(
      ({ stack }) => {
        const bucket = new Bucket(stack, 'files');
        const { STRIPE_KEY } = Config.Secret.create(stack, 'STRIPE_KEY');
        new NextjsSite(stack, 'web', {
          path: 'apps/web',
          bind: [bucket, STRIPE_KEY],
          environment: { NEXT_PUBLIC_REGION: 'us-east-1', FLAG: 'on' },
        });
      },
      { stage: 'local' },
    );
    const bucketId = logicalId(template, 'AWS::S3::Bucket', 'files');
    expect(lambdaEnv(template, 'webServerFunction')).toEqual({
      NEXT_PUBLIC_REGION: 'us-east-1',
      FLAG: 'on',
      SST_APP: 'my-app',
      SST_STAGE: 'local',
      SST_SSM_PREFIX: '/sst/my-app/local/',
      SST_Bucket_bucketName_files: { Ref: bucketId },
      SST_Secret_value_STRIPE_KEY: '__FETCH_FROM_SSM__',
    });
    expect(roleStatements(template, 'webServerFunctionServiceRole').map((s) => s.Action)).toEqual([
      's3:*',
      'ssm:GetParameters',
    ]);
    template.hasResourceProperties('AWS::IAM::Role', {
      MaxSessionDuration: 43200,
      AssumeRolePolicyDocument: {
        Statement: [
          { Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } },
          {
            Action: 'sts:AssumeRole',
            Principal: {
              AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::123456789012:root']] },
            },
          },
        ],
      },
    });
    const params = ssmParameters(template);
    expect(params['/sst/my-app/local/NextjsSite/web/url']).toBe('localhost');
    expect(app.bindingModel().targets).toEqual([
      {
        id: 'web',
        kind: 'site',
        project: { name: 'web', root: 'apps/web' },
        bindings: [
          { type: 'Bucket', id: 'files' },
          { type: 'Secret', id: 'STRIPE_KEY' },
        ],
        stack: 'local-my-app-Default',
      },
    ]);
  });

  it("takes SST v2's permissions, dev.url and the server function escape hatch", () => {
    const { template } = ws.synth(
      ({ stack }) => {
        const site = new NextjsSite(stack, 'web', {
          path: 'apps/web',
          permissions: ['sqs:SendMessage'],
          dev: { url: 'http://localhost:3000' },
          cdk: { id: 'WebSite', server: { memorySize: 2048 } },
        });
        expect(site.url).toBe('http://localhost:3000');
      },
      { stage: 'local' },
    );
    template.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 2048 });
    expect(roleStatements(template, 'WebSiteServerFunctionServiceRole').map((s) => s.Action)).toContain(
      'sqs:SendMessage',
    );
    expect(ssmParameters(template)['/sst/my-app/local/NextjsSite/web/url']).toBe('http://localhost:3000');
  });

  it("takes the workspace root when there is no path, as SST v2's default '.'", () => {
    let site!: NextjsSite;
    ws.app().stack(function Default({ stack }) {
      site = new NextjsSite(stack, 'web');
    });
    expect(site.targetPath).toBe(ws.root);
  });

  it("refuses SST v2's server function props, naming the escape hatch, and its deployed-site props", () => {
    const build = (props: object) => () =>
      ws.app().stack(function Default({ stack }) {
        new NextjsSite(stack, 'web', { path: 'apps/web', ...props });
      });
    expect(build({ timeout: 30 })).toThrow(
      'NextjsSite "web": unknown prop "timeout". Set it on the server function through the escape hatch: cdk: { server: { timeout: cdk.Duration.seconds(30) } }.',
    );
    expect(build({ cdk: { distribution: {} } })).toThrow(
      'NextjsSite "web" cdk: unknown prop "distribution". nx-sst does not take this setting of the CloudFront distribution yet',
    );
    expect(build({ warm: 5 })).toThrow(
      'NextjsSite "web": unknown prop "warm". nx-sst deploys OpenNext\'s default output',
    );
    expect(build({ openNextVersion: '3.0.0' })).toThrow(
      'NextjsSite "web": unknown prop "openNextVersion". nx-sst builds with the @opennextjs/aws installed for the site (tested with 4.1.12)',
    );
    expect(build({ typesPath: '.' })).toThrow(
      'NextjsSite "web": unknown prop "typesPath". nx-sst writes the project\'s sst-env.d.ts itself',
    );
  });

  it('refuses a path that does not exist', () => {
    expect(() =>
      ws.app().stack(function Default({ stack }) {
        new NextjsSite(stack, 'web', { path: 'apps/missing' });
      }),
    ).toThrow(
      /^NextjsSite "web": path "apps\/missing" does not exist \(resolved to .*\)\. Site paths are relative to the workspace root; fix the path or create the project\.$/,
    );
  });

  describe('deployed (a stage other than local, or dev.deploy), from a prebuilt OpenNext output', () => {
    const deployedWs = useWorkspace({ each: true });
    const site = (
      stack: import('./stack').Stack,
      props: Partial<import('./nextjs-site').NextjsSiteProps> = {},
    ) => {
      const api = new Bucket(stack, 'api');
      const files = new Bucket(stack, 'files');
      return new NextjsSite(stack, 'web', {
        path: 'apps/web',
        prebuilt: '.open-next',
        bind: [files],
        environment: { NEXT_PUBLIC_API_URL: api.bucketName, NEXT_PUBLIC_REGION: 'us-east-1' },
        ...props,
      });
    };
    beforeEach(() => writeOpenNextFixture(path.join(deployedWs.root, 'apps/web')));

    it('synthesizes the server, image, revalidation and tag cache pieces, the assets and CloudFront (snapshot)', () => {
      const { template } = deployedWs.synth(({ stack }) => {
        const web = site(stack);
        expect(web.mode).toBe('deployed');
      });
      expect(template.toJSON()).toMatchSnapshot();
    });

    it("gives the server function the bindings, the environment and OpenNext's cache settings, and an assumable role", () => {
      const { template } = deployedWs.synth(({ stack }) => site(stack));
      const bucketRef = (id: string) => ({ Ref: logicalId(template, 'AWS::S3::Bucket', id) });
      const env = lambdaEnv(template, 'webServerFunction');
      expect(env.NX_SST_LOCAL_ASSETS).toBeUndefined();
      expect(env).toMatchObject({
        NEXT_PUBLIC_API_URL: bucketRef('api'),
        NEXT_PUBLIC_REGION: 'us-east-1',
        CACHE_BUCKET_NAME: bucketRef('webAssets'),
        CACHE_BUCKET_KEY_PREFIX: '_cache',
        CACHE_BUCKET_REGION: 'us-east-1',
        CACHE_DYNAMO_TABLE: { Ref: logicalId(template, 'AWS::DynamoDB::Table', 'webTagCache') },
        REVALIDATION_QUEUE_URL: { Ref: logicalId(template, 'AWS::SQS::Queue', 'webRevalidationQueue') },
        SST_APP: 'my-app',
        SST_STAGE: 'dev',
        SST_Bucket_bucketName_files: bucketRef('files'),
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Handler: 'nx-sst-server.handler',
        Runtime: 'nodejs22.x',
        Description: 'web server',
      });
      template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
      template.hasResourceProperties('AWS::SQS::Queue', { FifoQueue: true });
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { BatchSize: 5 });
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'tag', KeyType: 'HASH' },
          { AttributeName: 'path', KeyType: 'RANGE' },
        ],
      });
      template.hasResourceProperties('AWS::IAM::Role', {
        MaxSessionDuration: 43200,
        AssumeRolePolicyDocument: {
          Statement: [
            { Action: 'sts:AssumeRole', Principal: { Service: 'lambda.amazonaws.com' } },
            { Action: 'sts:AssumeRole', Principal: { AWS: Match.anyValue() } },
          ],
        },
      });
      const actions = roleStatements(template, 'webServerFunctionServiceRole').flatMap((s) =>
        [s.Action].flat(),
      );
      expect(actions).toEqual(
        expect.arrayContaining(['s3:PutObject', 'sqs:SendMessage', 'dynamodb:Query', 's3:*']),
      );
    });

    it('puts CloudFront in front: S3 for the assets, the image optimizer for /_next/image, the server for the rest', () => {
      let url = '';
      const { template } = deployedWs.synth(({ stack }) => {
        url = site(stack).url;
      });
      expect(url).toMatch(/^https:\/\/\$\{Token/);
      const dist = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0].Properties
        .DistributionConfig as {
        DefaultCacheBehavior: { TargetOriginId: string; AllowedMethods: string[] };
        CacheBehaviors: { PathPattern: string; TargetOriginId: string }[];
        Origins: {
          Id: string;
          S3OriginConfig?: unknown;
          OriginPath?: string;
          CustomOriginConfig?: unknown;
        }[];
      };
      const originOf = (id: string) => dist.Origins.find((o) => o.Id === id)!;
      expect(dist.DefaultCacheBehavior.AllowedMethods).toHaveLength(7);
      const byPattern = Object.fromEntries(dist.CacheBehaviors.map((b) => [b.PathPattern, b.TargetOriginId]));
      expect(Object.keys(byPattern).sort()).toEqual([
        'BUILD_ID',
        '_next/*',
        '_next/data/*',
        '_next/image*',
        'favicon.ico',
      ]);
      expect(byPattern['_next/data/*']).toBe(dist.DefaultCacheBehavior.TargetOriginId);
      expect(originOf(byPattern['_next/*'])).toMatchObject({
        OriginPath: '/_assets',
        S3OriginConfig: expect.anything(),
      });
      expect(byPattern['favicon.ico']).toBe(byPattern['_next/*']);
      expect(originOf(byPattern['_next/image*']).CustomOriginConfig).toBeDefined();
      expect(byPattern['_next/image*']).not.toBe(dist.DefaultCacheBehavior.TargetOriginId);
      template.hasResourceProperties('AWS::CloudFront::Function', {
        FunctionCode: Match.stringLikeRegexp(
          "request.headers\\['x-forwarded-host'\\] = request.headers.host",
        ),
      });
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' }),
          ]),
        },
      });
      expect(ssmParameters(template)['/sst/my-app/dev/NextjsSite/web/url']).toEqual({
        'Fn::Join': [
          '',
          ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^webDistribution/), 'DomainName'] }],
        ],
      });
    });

    it('uploads the assets and the cache with deploy-time values in place of their {{ KEY }} placeholders', () => {
      const { template } = deployedWs.synth(({ stack }) => site(stack));
      const deployments = Object.values(template.findResources('Custom::CDKBucketDeployment')).map(
        (r) => r.Properties as Record<string, unknown>,
      );
      expect(deployments.map((d) => d.DestinationBucketKeyPrefix)).toEqual(['_assets', '_assets', '_cache']);
      const [versioned, assets, cache] = deployments;
      expect(versioned).toMatchObject({
        Exclude: ['*'],
        Include: ['_next/*'],
        SystemMetadata: { 'cache-control': 'public,max-age=31536000,immutable' },
      });
      expect(assets).toMatchObject({
        Exclude: ['_next/*'],
        SystemMetadata: { 'cache-control': 'public,max-age=0,s-maxage=31536000,must-revalidate' },
        DistributionPaths: ['/*'],
      });
      const apiRef = { Ref: logicalId(template, 'AWS::S3::Bucket', 'api') };
      for (const d of [versioned, assets, cache]) {
        // the folder, then one data source per file with a placeholder (app.js; static.cache)
        expect(d.SourceObjectKeys).toHaveLength(2);
        const markers = d.SourceMarkers as Record<string, unknown>[];
        expect(markers[0]).toEqual({});
        expect(Object.values(markers[1])).toEqual([apiRef]);
      }
    });

    it('writes the server entry point, which replaces the placeholders Next.js inlined in server chunks', () => {
      deployedWs.synth(({ stack }) => site(stack));
      const bundle = path.join(deployedWs.root, 'apps/web/.open-next/server-functions/default');
      expect(fs.readFileSync(path.join(bundle, SERVER_WRAPPER), 'utf8')).toContain(
        '["./.next/server/chunks/ssr/page.js"]'.replace('./', ''),
      );
      const answer = execFileSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `const { handler } = await import(${JSON.stringify(path.join(bundle, SERVER_WRAPPER))});
           process.stdout.write((await handler({ rawPath: '/' })).body);`,
        ],
        {
          env: { PATH: process.env.PATH, NEXT_PUBLIC_API_URL: 'my-"api"-bucket', SERVER_VALUE: 'bound' },
          encoding: 'utf8',
        },
      );
      expect(answer).toBe('<p id="client">my-"api"-bucket</p><p id="server">bound</p><p id="path">/</p>');
    });

    it('on local with dev.deploy: no CloudFront, the URL is the host form of the server function URL, assets readable without a signature, images forwarded, the tag cache seeded by the SDK call', () => {
      let url = '';
      const { template } = deployedWs.synth(
        ({ stack }) => {
          url = site(stack, { dev: { deploy: true } }).url;
        },
        { stage: 'local' },
      );
      expect(template.findResources('AWS::CloudFront::Distribution')).toEqual({});
      // the server function answers for the bucket, as CloudFront would route
      expect(lambdaEnv(template, 'webServerFunction').NX_SST_LOCAL_ASSETS).toBe('_assets');
      expect(url).toMatch(/^\$\{Token/);
      // http://127.0.0.1:PORT/_aws/lambda-url/URL_ID/ -> http://URL_ID.lambda-url.localhost:PORT/
      const pathForm = {
        'Fn::GetAtt': [expect.stringMatching(/^webServerFunctionFunctionUrl/), 'FunctionUrl'],
      };
      const parts = { 'Fn::Split': ['/', pathForm] };
      expect(ssmParameters(template)['/sst/my-app/local/NextjsSite/web/url']).toEqual({
        'Fn::Join': [
          '',
          [
            'http://',
            { 'Fn::Select': [5, parts] },
            '.lambda-url.localhost:',
            { 'Fn::Select': [1, { 'Fn::Split': [':', { 'Fn::Select': [2, parts] }] }] },
            '/',
          ],
        ],
      });
      // CloudFront's _next/image* behaviour: the server function forwards it to the image optimizer's URL.
      expect(lambdaEnv(template, 'webServerFunction').NX_SST_LOCAL_IMAGE_URL).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^webImageFunctionFunctionUrl/), 'FunctionUrl'],
      });
      // The tag cache is seeded by the SDK call itself (the local cloud runs no custom resource's Lambda).
      expect(Object.keys(template.findResources('AWS::Lambda::Function')).join()).not.toMatch(
        /TagCacheSeedFunction/,
      );
      const seed = Object.values(template.findResources('Custom::AWS'));
      expect(seed).toHaveLength(1);
      const create = JSON.stringify(seed[0].Properties.Create);
      expect(create).toContain('\\"service\\":\\"DynamoDB\\",\\"action\\":\\"batchWriteItem\\"');
      expect(create).toContain('fixtureBuildId/_N_T_/layout');
      template.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([Match.objectLike({ Principal: { AWS: '*' }, Action: 's3:GetObject' })]),
        },
      });
    });

    it('refuses an output nx-sst does not deploy, and a prebuilt folder that is not an OpenNext output', () => {
      const out = path.join(deployedWs.root, 'apps/web/.open-next/open-next.output.json');
      const output = JSON.parse(fs.readFileSync(out, 'utf8'));
      fs.writeFileSync(out, JSON.stringify({ ...output, edgeFunctions: { middleware: {} } }));
      expect(() => deployedWs.synth(({ stack }) => site(stack))).toThrow(
        'NextjsSite "web": the OpenNext output has edge functions (middleware); nx-sst deploys Next.js middleware inside the server function only.',
      );
      expect(() => deployedWs.synth(({ stack }) => site(stack, { prebuilt: 'dist' }))).toThrow(
        /NextjsSite "web": .*apps\/web\/dist holds no open-next.output.json, so it is not an OpenNext output/,
      );
    });

    it('names the missing @opennextjs/aws when it has to build, and refuses another major version', () => {
      expect(() => deployedWs.synth(({ stack }) => site(stack, { prebuilt: undefined }))).toThrow(
        'NextjsSite "web": building a Next.js site needs @opennextjs/aws, which is not installed where',
      );
      // Found by folder: its package.json is not in its exports, as in @opennextjs/aws itself.
      const pkg = path.join(deployedWs.root, 'node_modules/@opennextjs/aws');
      fs.mkdirSync(pkg, { recursive: true });
      fs.writeFileSync(
        path.join(pkg, 'package.json'),
        JSON.stringify({ name: '@opennextjs/aws', version: '3.9.0', exports: { '.': './dist/index.js' } }),
      );
      expect(() => deployedWs.synth(({ stack }) => site(stack, { prebuilt: undefined }))).toThrow(
        'NextjsSite "web": @opennextjs/aws 3.9.0 is installed; nx-sst deploys the output of version 4 (tested with 4.1.12). Install @opennextjs/aws@4.1.12.',
      );
    });

    it('runs a buildCommand in the site folder, with {{ KEY }} for deploy-time values in its environment', () => {
      const script = path.join(deployedWs.root, 'apps/web/build.js');
      fs.writeFileSync(
        script,
        `require('fs').writeFileSync('build-env.json', JSON.stringify({ api: process.env.NEXT_PUBLIC_API_URL, region: process.env.NEXT_PUBLIC_REGION }));`,
      );
      deployedWs.synth(({ stack }) => site(stack, { prebuilt: undefined, buildCommand: 'node build.js' }));
      expect(
        JSON.parse(fs.readFileSync(path.join(deployedWs.root, 'apps/web/build-env.json'), 'utf8')),
      ).toEqual({
        api: '{{ NEXT_PUBLIC_API_URL }}',
        region: 'us-east-1',
      });
    });
  });
});
