import * as fs from 'node:fs';
import * as path from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { Api } from './api';
import { Bucket } from './bucket';
import { Config } from './config';
import { NextjsSite } from './nextjs-site';
import { StaticSite } from './static-site';
import { ssmParameters, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

describe('StaticSite', () => {
  const ws = useWorkspace();
  beforeAll(() => {
    // A "build" that writes the env it was given into the output, as Vite does with import.meta.env.
    fs.writeFileSync(
      path.join(ws.root, 'apps/landing/build.js'),
      `const fs = require('fs'); fs.mkdirSync('dist', { recursive: true });
fs.writeFileSync('dist/index.html', '<script>const api = "' + process.env.VITE_API_URL + '"; const mode = "' + process.env.VITE_MODE + '";</script>');
fs.writeFileSync('dist/logo.svg', '<svg/>');`,
    );
  });

  it('builds with {{ KEY }} placeholders for deploy-time values and replaces them at deploy', () => {
    const { template, app } = ws.synth(({ stack }) => {
      const api = new Api(stack, 'api', { routes: { 'GET /': 'packages/functions/src/lambda.handler' } });
      new StaticSite(stack, 'landing', {
        path: 'apps/landing',
        buildCommand: 'node build.js',
        buildOutput: 'dist',
        environment: { VITE_API_URL: api.url, VITE_MODE: 'production' },
      });
    });
    expect(fs.readFileSync(path.join(ws.root, 'apps/landing/dist/index.html'), 'utf8')).toBe(
      '<script>const api = "{{ VITE_API_URL }}"; const mode = "production";</script>',
    );
    const deployment = Object.values(template.findResources('Custom::CDKBucketDeployment'))[0];
    // one asset (everything but index.html) and one data source (index.html, with the API URL marker)
    expect(deployment.Properties.SourceObjectKeys).toHaveLength(2);
    const markers = deployment.Properties.SourceMarkers as Record<string, unknown>[];
    expect(JSON.stringify(markers)).toContain('ApiEndpoint');
    expect(ssmParameters(template)['/sst/my-app/dev/StaticSite/landing/url']).toEqual({
      'Fn::Join': [
        '',
        ['https://', { 'Fn::GetAtt': [expect.stringMatching(/^landingDistribution/), 'DomainName'] }],
      ],
    });
    // a deploy invalidates what CloudFront cached
    expect(deployment.Properties.DistributionPaths).toEqual(['/*']);
    const target = app.bindingModel().targets.find((t) => t.id === 'landing');
    expect(target).toEqual({
      id: 'landing',
      kind: 'site',
      project: { name: 'landing', root: 'apps/landing' },
      bindings: [],
      stack: 'dev-my-app-Default',
    });
  });

  it('is neither built nor deployed on the local stage, and binds url as localhost', () => {
    fs.rmSync(path.join(ws.root, 'apps/landing/dist'), { recursive: true, force: true });
    const { template } = ws.synth(
      ({ stack }) => {
        new StaticSite(stack, 'landing', {
          path: 'apps/landing',
          buildCommand: 'node build.js',
          buildOutput: 'dist',
        });
      },
      { stage: 'local' },
    );
    expect(fs.existsSync(path.join(ws.root, 'apps/landing/dist'))).toBe(false);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    expect(ssmParameters(template)['/sst/my-app/local/StaticSite/landing/url']).toBe('localhost');
  });

  it('serves the private bucket through CloudFront on AWS, single-page apps answered with the index', () => {
    const { template } = ws.synth(({ stack }) => {
      new StaticSite(stack, 'landing', { path: 'apps/landing' });
    });
    expect(template.toJSON()).toMatchSnapshot();
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      WebsiteConfiguration: Match.absent(),
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'index.html',
        CustomErrorResponses: [
          { ErrorCode: 403, ResponseCode: 200, ResponsePagePath: '/index.html', ErrorCachingMinTTL: 0 },
          { ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/index.html', ErrorCachingMinTTL: 0 },
        ],
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Principal: { Service: 'cloudfront.amazonaws.com' }, Action: 's3:GetObject' }),
        ]),
      },
    });
  });

  it("takes SST v2's indexPage, errorPage and the bucket escape hatch", () => {
    const { template } = ws.synth(({ stack }) => {
      new StaticSite(stack, 'landing', {
        path: 'apps/landing',
        indexPage: 'home.html',
        errorPage: '404.html',
        cdk: { id: 'LandingSite', bucket: { bucketName: 'landing-site' } },
      });
    });
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'landing-site' });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        DefaultRootObject: 'home.html',
        CustomErrorResponses: [
          { ErrorCode: 403, ResponseCode: 404, ResponsePagePath: '/404.html', ErrorCachingMinTTL: 0 },
          { ErrorCode: 404, ResponseCode: 404, ResponsePagePath: '/404.html', ErrorCachingMinTTL: 0 },
        ],
      }),
    });
  });

  it('uses the bucket website on the local cloud with dev.deploy (no CloudFront there)', () => {
    const { template } = ws.synth(
      ({ stack }) => {
        new StaticSite(stack, 'landing', {
          path: 'apps/landing',
          indexPage: 'home.html',
          errorPage: '404.html',
          dev: { deploy: true },
        });
      },
      { stage: 'local' },
    );
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.hasResourceProperties('AWS::S3::Bucket', {
      WebsiteConfiguration: { IndexDocument: 'home.html', ErrorDocument: '404.html' },
    });
    expect(ssmParameters(template)['/sst/my-app/local/StaticSite/landing/url']).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^landingBucket/), 'WebsiteURL'],
    });
  });

  it("takes the workspace root when there is no path, as SST v2's default '.'", () => {
    let site!: StaticSite;
    ws.app({ stage: 'local' }).stack(function Default({ stack }) {
      site = new StaticSite(stack, 'landing');
    });
    expect(site.targetPath).toBe(ws.root);
  });

  it('refuses a path that does not exist and a failing build, naming the site', () => {
    expect(() =>
      ws.app().stack(function Default({ stack }) {
        new StaticSite(stack, 'landing', { path: 'apps/nope' });
      }),
    ).toThrow(
      /^StaticSite "landing": path "apps\/nope" does not exist \(resolved to .*\)\. Site paths are relative to the workspace root; fix the path or create the project\.$/,
    );
    expect(() =>
      ws.synth(({ stack }) => {
        new StaticSite(stack, 'landing', { path: 'apps/landing', buildCommand: 'node -e "process.exit(3)"' });
      }),
    ).toThrow('StaticSite "landing": build command "node -e "process.exit(3)"" failed');
  });

  describe('props it does not have', () => {
    const build = (fn: (stack: import('./stack').Stack) => void) => () =>
      ws.app().stack(function Default({ stack }) {
        fn(stack);
      });

    it('refuses bind at construction, instead of deploying without it, and names the environment entries to write', () => {
      expect(
        build((stack) => {
          const uploads = new Bucket(stack, 'uploads');
          const { STRIPE_KEY } = Config.Secret.create(stack, 'STRIPE_KEY');
          const API_URL = new Config.Parameter(stack, 'API_URL', { value: 'https://api.example.com' });
          new StaticSite(stack, 'landing', {
            path: 'apps/landing',
            // What a stack bundled for deploy (no type check) can hold.
            ...({ bind: [uploads, { resource: API_URL, permissions: [] }, STRIPE_KEY] } as object),
          });
        }),
      ).toThrow(
        'StaticSite "landing": unknown prop "bind". A static site has no server code, so nothing would read bound values. ' +
          'Give its browser code the values it needs through environment instead: ' +
          'environment: { VITE_BUCKET_UPLOADS_BUCKET_NAME: uploads.bucketName, VITE_CONFIG_API_URL: API_URL.value } ' +
          '(`nx g nx-sst:bind` and `nx g nx-sst:resource --bind` write these entries). ' +
          'Secret "STRIPE_KEY" cannot go there: a secret must never reach a browser. Read it in a Function and call that from the site.',
      );
    });

    it("refuses SST v2's replaceValues, purgeFiles and vite.types, naming what nx-sst does instead", () => {
      expect(
        build((stack) => {
          new StaticSite(stack, 'landing', { path: 'apps/landing', ...({ purgeFiles: false } as object) });
        }),
      ).toThrow(
        'StaticSite "landing": unknown prop "purgeFiles". nx-sst always removes the files that are gone from the build (SST v2\'s default, purgeFiles: true); remove the prop.',
      );
      expect(
        build((stack) => {
          new StaticSite(stack, 'landing', { path: 'apps/landing', ...({ replaceValues: [] } as object) });
        }),
      ).toThrow(
        'StaticSite "landing": unknown prop "replaceValues". Values known only at deploy reach the build through environment',
      );
      expect(
        build((stack) => {
          new StaticSite(stack, 'landing', {
            path: 'apps/landing',
            vite: { types: 'src/env.d.ts' } as never,
          });
        }),
      ).toThrow('StaticSite "landing" vite: unknown prop "types". nx-sst writes no Vite env types file.');
      expect(
        build((stack) => {
          new StaticSite(stack, 'landing', { path: 'apps/landing', cdk: { distribution: {} } as never });
        }),
      ).toThrow(
        'StaticSite "landing" cdk: unknown prop "distribution". nx-sst does not take this setting of the CloudFront distribution yet',
      );
    });

    it('refuses an SST v2 customDomain, on both sites, saying why', () => {
      expect(
        build((stack) => {
          new StaticSite(stack, 'landing', {
            path: 'apps/landing',
            ...({ customDomain: 'example.com' } as object),
          });
        }),
      ).toThrow(
        'StaticSite "landing": unknown prop "customDomain". nx-sst does not take this setting of the CloudFront distribution yet; change site.cdk.distribution (created on stages other than local) in the stack instead, or remove it.',
      );
      expect(
        build((stack) => {
          new NextjsSite(stack, 'web', { path: 'apps/web', ...({ customDomain: 'example.com' } as object) });
        }),
      ).toThrow(
        'NextjsSite "web": unknown prop "customDomain". nx-sst does not take this setting of the CloudFront distribution yet; change site.cdk.distribution (created on stages other than local) in the stack instead, or remove it.',
      );
      // A prop set to undefined is as good as absent.
      expect(
        build((stack) => {
          new StaticSite(stack, 'landing', { path: 'apps/landing', ...({ bind: undefined } as object) });
        }),
      ).not.toThrow();
    });
  });

  describe('a Vite app (vite.config.* in its path)', () => {
    beforeAll(() => {
      fs.mkdirSync(path.join(ws.root, 'apps/spa'), { recursive: true });
      fs.writeFileSync(path.join(ws.root, 'apps/spa/vite.config.mjs'), 'export default {};\n');
    });
    const site =
      (environment: Record<string, string> | ((b: Bucket) => Record<string, string>), props = {}) =>
      () =>
        ws.app().stack(function Default({ stack }) {
          const uploads = new Bucket(stack, 'uploads');
          new StaticSite(stack, 'spa', {
            path: 'apps/spa',
            environment: typeof environment === 'function' ? environment(uploads) : environment,
            ...props,
          });
        });

    it('takes deploy-time values under VITE_* keys, and plain strings under any key', () => {
      expect(
        site((b) => ({
          VITE_BUCKET_UPLOADS_BUCKET_NAME: b.bucketName,
          BASE_PATH: '/app',
          VITE_MODE: 'prod',
        })),
      ).not.toThrow();
    });

    it('refuses a deploy-time value under a key Vite does not give to browser code, with the name to use', () => {
      expect(site((b) => ({ BUCKET: b.bucketName }))).toThrow(
        'StaticSite "spa": environment "BUCKET" holds a value known only at deploy, but Vite gives browser code only the variables starting with VITE_ (its envPrefix), so the deployed site would never see it. ' +
          'Rename it VITE_BUCKET and read import.meta.env.VITE_BUCKET; if your vite.config sets another envPrefix, set vite: { envPrefix } on the site to match.',
      );
    });

    it("follows the site's vite.envPrefix", () => {
      expect(
        site((b) => ({ PUBLIC_BUCKET: b.bucketName }), { vite: { envPrefix: ['PUBLIC_', 'APP_'] } }),
      ).not.toThrow();
      expect(site((b) => ({ VITE_BUCKET: b.bucketName }), { vite: { envPrefix: 'PUBLIC_' } })).toThrow(
        /environment "VITE_BUCKET" holds a value known only at deploy, but Vite gives browser code only the variables starting with PUBLIC_ .* Rename it PUBLIC_VITE_BUCKET/,
      );
    });
  });
});
