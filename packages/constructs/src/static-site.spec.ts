import * as fs from 'node:fs';
import * as path from 'node:path';
import { Api } from './api';
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
      'Fn::GetAtt': [expect.stringMatching(/^landingBucket/), 'WebsiteURL'],
    });
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
});
