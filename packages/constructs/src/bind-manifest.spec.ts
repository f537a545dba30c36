import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Bucket } from './bucket';
import { Config } from './config';
import { Function } from './function';
import { NextjsSite } from './nextjs-site';
import { StaticSite } from './static-site';
import { projectManifestName, targetManifestName } from './bind-manifest';
import type { App, StackContext } from './app';
import { writeOpenNextFixture } from './test-utils/open-next-fixture';
import { joinedText, lambdaEnv, logicalId, useWorkspace } from './test-utils/workspace';

jest.setTimeout(180_000);

/** Renders an Fn::Join of the manifest back to text with `<Ref>`/`<GetAtt>` markers, then parses it. */
function manifestOf(
  template: import('aws-cdk-lib/assertions').Template,
  name: string,
): Record<string, unknown> {
  const params = Object.values(template.findResources('AWS::SSM::Parameter')).filter(
    (p) => p.Properties.Name === name,
  );
  expect(params).toHaveLength(1);
  const text = joinedText(
    params[0].Properties.Value,
    (part) => `<${JSON.stringify(part).replace(/"/g, "'")}>`,
  );
  return JSON.parse(text);
}

/** The env of the bind manifest of the project `functions`, every handler's project in these specs. */
function functionsProjectEnv(template: import('aws-cdk-lib/assertions').Template): Record<string, string> {
  return manifestOf(template, projectManifestName('/sst/my-app/dev/', 'functions')).env as Record<
    string,
    string
  >;
}

describe('bind manifests', () => {
  const ws = useWorkspace();
  beforeAll(() => writeOpenNextFixture(path.join(ws.root, 'apps/web')));

  it('writes one String parameter per target and per project, with env exactly as the target gets it', () => {
    const { template } = ws.synth(({ stack }) => {
      const bucket = new Bucket(stack, 'files');
      const { STRIPE_KEY } = Config.Secret.create(stack, 'STRIPE_KEY');
      new Function(stack, 'api', {
        handler: 'packages/functions/src/lambda.handler',
        bind: [bucket, STRIPE_KEY],
      });
      new Function(stack, 'worker', { handler: 'packages/functions/src/notes.list' });
      new NextjsSite(stack, 'web', { path: 'apps/web', prebuilt: '.open-next', bind: [bucket] });
    });
    const bucketRef = `<{'Ref':'${logicalId(template, 'AWS::S3::Bucket', 'files')}'}>`;
    const apiRole = `<{'Fn::GetAtt':['${logicalId(template, 'AWS::IAM::Role', 'apiServiceRole')}','Arn']}>`;
    expect(manifestOf(template, targetManifestName('/sst/my-app/dev/', 'api'))).toEqual({
      target: 'api',
      kind: 'function',
      project: { name: 'functions', root: 'packages/functions' },
      roleArn: apiRole,
      env: {
        AWS_NODEJS_CONNECTION_REUSE_ENABLED: '1',
        SST_APP: 'my-app',
        SST_STAGE: 'dev',
        SST_SSM_PREFIX: '/sst/my-app/dev/',
        SST_Bucket_bucketName_files: bucketRef,
        SST_Secret_value_STRIPE_KEY: '__FETCH_FROM_SSM__',
      },
    });
    // two targets in one project: the union of their env and no single role
    const project = manifestOf(template, projectManifestName('/sst/my-app/dev/', 'functions'));
    expect(project).toMatchObject({ project: { name: 'functions' }, targets: ['api', 'worker'] });
    expect(project.roleArn).toBeUndefined();
    const web = manifestOf(template, '/sst/my-app/dev/_bind/project/web');
    expect(web).toMatchObject({ targets: ['web'], env: { SST_Bucket_bucketName_files: bucketRef } });
    expect(String(web.roleArn)).toContain('webServerFunctionServiceRole');
  });

  it('gives a project spanning stacks placeholders for other stacks, never a cross-stack reference', () => {
    const app = ws.app();
    const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
    function Data({ stack }: StackContext) {
      const bucket = new Bucket(stack, 'files');
      new Function(stack, 'early', { handler: 'packages/functions/src/lambda.handler', bind: [bucket] });
      return { bucket };
    }
    function Later({ stack }: StackContext) {
      new Function(stack, 'late', {
        handler: 'packages/functions/src/notes.list',
        environment: { MODE: 'x' },
      });
    }
    app.stack(Data).stack(Later);
    const later = Template.fromStack(app.node.findChild('Later') as import('aws-cdk-lib').Stack);
    const project = manifestOf(later, projectManifestName('/sst/my-app/dev/', 'functions'));
    expect(project).toMatchObject({
      targets: ['early', 'late'],
      env: { SST_Bucket_bucketName_files: '__FETCH_FROM_SSM__', MODE: 'x', SST_APP: 'my-app' },
    });
    expect(JSON.stringify(later.toJSON())).not.toContain('Fn::ImportValue');
  });

  it('shrinks a project manifest over SSM 8 KB to one SST_BINDINGS with its values read from SSM', () => {
    const { template } = ws.synth(({ stack }) => {
      // three functions of one project, each under Lambda's 4 KB but together ~10 KB of env
      for (const fn of ['a', 'b', 'c']) {
        const params = Array.from(
          { length: 25 },
          (_, i) =>
            new Config.Parameter(stack, `${fn.toUpperCase()}_SETTING_${i}`, { value: 'v'.repeat(100) }),
        );
        const bucket = new Bucket(stack, `${fn}-files`);
        new Function(stack, fn, {
          handler: 'packages/functions/src/lambda.handler',
          bind: [...params, bucket],
          environment: { MODE: 'x' },
        });
      }
    });
    const env = functionsProjectEnv(template);
    expect(Object.keys(env).sort()).toEqual([
      'AWS_NODEJS_CONNECTION_REUSE_ENABLED',
      'MODE',
      'SST_APP',
      'SST_BINDINGS',
      'SST_SSM_PREFIX',
      'SST_STAGE',
    ]);
    const bindings = JSON.parse(env.SST_BINDINGS);
    expect(Object.keys(bindings.Parameter)).toHaveLength(75);
    expect(bindings.Parameter.C_SETTING_24).toEqual({ value: '__FETCH_FROM_SSM__' });
    expect(bindings.Bucket.b_files).toEqual({ bucketName: '__FETCH_FROM_SSM__' });
    // each target keeps its own values as it gets them
    const a = manifestOf(template, targetManifestName('/sst/my-app/dev/', 'a')) as {
      env: Record<string, string>;
    };
    expect(a.env.SST_Parameter_value_A_SETTING_0).toBe('v'.repeat(100));
  });

  it('refuses at synthesis a project manifest over SSM 8 KB even when shrunk, naming the project, its size and the fix', () => {
    const app = ws.app({ outdir: path.join(ws.root, 'too-big.out') });
    app.stack(function Default({ stack }) {
      // six functions of one project, each far under Lambda's 4 KB, ~240 bound values together
      for (const fn of ['a', 'b', 'c', 'd', 'e', 'f']) {
        const params = Array.from(
          { length: 40 },
          (_, i) => new Config.Parameter(stack, `${fn.toUpperCase()}_SETTING_${i}`, { value: 'v' }),
        );
        new Function(stack, fn, { handler: 'packages/functions/src/lambda.handler', bind: params });
      }
    });
    let error: Error | undefined;
    try {
      app.synth();
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toMatch(
      /^Project "functions" \(targets a, b, c, d, e and 1 more\): its bind manifest \/sst\/my-app\/dev\/_bind\/project\/functions would be about \d+ bytes .*over the 8192-byte limit of an SSM parameter \(Advanced tier\)\. It holds the bindings of all its 6 targets, already as one SST_BINDINGS variable with its values read from SSM: bind fewer resources to them, give them smaller "environment" values, or split the project so that each Nx project holds fewer targets\.$/,
    );
    const size = Number(/about (\d+) bytes/.exec(error!.message)![1]);
    expect(size).toBeGreaterThan(8192);
    // nothing written: no cloud assembly for a deploy to pick up
    expect(fs.existsSync(path.join(app.outdir, 'manifest.json'))).toBe(false);
  });

  it('puts a project manifest between 4 and 8 KB on the Advanced tier', () => {
    const { template } = ws.synth(({ stack }) => {
      for (const fn of ['a', 'b']) {
        const params = Array.from(
          { length: 20 },
          (_, i) =>
            new Config.Parameter(stack, `${fn.toUpperCase()}_SETTING_${i}`, { value: 'v'.repeat(100) }),
        );
        new Function(stack, fn, { handler: 'packages/functions/src/lambda.handler', bind: params });
      }
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: projectManifestName('/sst/my-app/dev/', 'functions'),
      Tier: 'Advanced',
    });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: targetManifestName('/sst/my-app/dev/', 'a'),
      Tier: 'Standard',
    });
  });

  it('refuses at synthesis a static site whose environment makes its manifest exceed 8 KB', () => {
    const app = ws.app();
    app.stack(function Default({ stack }) {
      const environment = Object.fromEntries(
        Array.from({ length: 40 }, (_, i) => [`VITE_TEXT_${i}`, 't'.repeat(200)]),
      );
      new StaticSite(stack, 'landing', { path: 'apps/landing', environment });
    });
    expect(() => app.synth()).toThrow(
      /^StaticSite "landing": its bind manifest \/sst\/my-app\/dev\/_bind\/target\/landing would be about \d+ bytes .*Advanced tier\)\. Give it a smaller "environment"/,
    );
  });

  it('merges the SST_BINDINGS of two compact targets of one project, losing neither', () => {
    const { template } = ws.synth(({ stack }) => {
      const flags = Array.from(
        { length: 90 },
        (_, i) => new Config.Parameter(stack, `FEATURE_FLAG_${i}`, { value: 'on' }),
      );
      for (const fn of ['a', 'b']) {
        const bucket = new Bucket(stack, `${fn}-files`);
        new Function(stack, fn, {
          handler: 'packages/functions/src/lambda.handler',
          bind: [...flags, bucket],
        });
      }
    });
    const env = functionsProjectEnv(template);
    expect(Object.keys(env).filter((k) => k.startsWith('SST_'))).toEqual([
      'SST_APP',
      'SST_STAGE',
      'SST_SSM_PREFIX',
      'SST_BINDINGS',
    ]);
    const bindings = JSON.parse(env.SST_BINDINGS);
    expect(Object.keys(bindings.Parameter)).toHaveLength(90);
    expect(bindings.Bucket).toEqual({
      a_files: { bucketName: expect.stringContaining('afiles') },
      b_files: { bucketName: expect.stringContaining('bfiles') },
    });
  });

  it('shrinks the SST_BINDINGS of compact targets along with the individual variables of the others', () => {
    const { template } = ws.synth(({ stack }) => {
      const bucketsOf = (fn: string, n: number) =>
        Array.from({ length: n }, (_, i) => new Bucket(stack, `bucket-${fn}-${i}`));
      // "a" is past Lambda's 4 KB (its bucket names read from SSM); "b" and "c" just fit, ~4 KB each
      new Function(stack, 'a', {
        handler: 'packages/functions/src/lambda.handler',
        bind: bucketsOf('a', 30),
      });
      for (const fn of ['b', 'c']) {
        new Function(stack, fn, {
          handler: 'packages/functions/src/lambda.handler',
          bind: [...bucketsOf(fn, 20), new Config.Parameter(stack, `FLAG_${fn}`, { value: 'on' })],
        });
      }
    });
    expect(joinedText(lambdaEnv(template, 'a').SST_BINDINGS)).toContain(
      '"bucket_a_0":{"bucketName":"__FETCH_FROM_SSM__"}',
    );
    expect(lambdaEnv(template, 'b').SST_BINDINGS).toBeUndefined();
    const env = functionsProjectEnv(template);
    expect(Object.keys(env).filter((k) => k.startsWith('SST_Bucket'))).toEqual([]);
    const bindings = JSON.parse(env.SST_BINDINGS);
    expect(Object.keys(bindings.Bucket)).toHaveLength(70);
    expect(bindings.Bucket.bucket_a_29).toEqual({ bucketName: '__FETCH_FROM_SSM__' });
    expect(bindings.Bucket.bucket_c_0).toEqual({ bucketName: '__FETCH_FROM_SSM__' });
    // short literals stay inline: reading them from SSM would only make the manifest longer
    expect(bindings.Parameter).toEqual({ FLAG_b: { value: 'on' }, FLAG_c: { value: 'on' } });
  });

  it('encodes project names SSM refuses', () => {
    expect(projectManifestName('/sst/a/dev/', '@scope/web')).toBe('/sst/a/dev/_bind/project/_scope/web');
  });
});

describe('project manifest names', () => {
  const ws = useWorkspace();
  /** Folder under `projects/` → Nx project name; each folder holds one handler file. */
  const projects: Record<string, string> = {
    scoped: '@acme/web',
    underscored: '_acme/web',
    dashed: 'acme-web',
    snake: 'acme_web',
    dotted: 'acme.web',
    colon: 'acme:web',
    spaced: 'a b',
    at: 'a@b',
    plain: 'a_b',
  };
  beforeAll(() => {
    for (const dir of Object.keys(projects)) {
      fs.mkdirSync(path.join(ws.root, 'projects', dir), { recursive: true });
      fs.writeFileSync(
        path.join(ws.root, 'projects', dir, 'handler.ts'),
        'export const handler = async () => 1;\n',
      );
    }
  });

  function appWithProjects(outdir: string): App {
    return ws.app({
      outdir: path.join(ws.root, outdir),
      resolveProject: (abs) => {
        const [top, dir] = path.relative(ws.root, abs).split(path.sep);
        return top === 'projects' ? { name: projects[dir], root: `projects/${dir}` } : undefined;
      },
    });
  }
  /** One Function per folder, its id the folder's name. */
  function functionsIn(stack: import('aws-cdk-lib').Stack, dirs: string[]): void {
    for (const dir of dirs) new Function(stack, dir, { handler: `projects/${dir}/handler.handler` });
  }
  /** Every bind manifest parameter of the app: name → construct path. */
  function manifestPaths(app: App): Record<string, string> {
    return Object.fromEntries(
      app.node
        .findAll()
        .filter(
          (c): c is ssm.CfnParameter => c instanceof ssm.CfnParameter && String(c.name).includes('_bind/'),
        )
        .map((c) => [c.name, c.node.path]),
    );
  }
  function synthError(app: App): Error | undefined {
    try {
      app.synth();
    } catch (e) {
      return e as Error;
    }
    return undefined;
  }

  it('refuses at synthesis two projects of one app whose names map to one parameter, naming both, before writing anything', () => {
    const app = appWithProjects('shared.out');
    app.stack(function Api({ stack }) {
      new Function(stack, 'api', {
        handler: 'projects/scoped/handler.handler',
        bind: [new Bucket(stack, 'files')],
      });
      functionsIn(stack, ['dashed']);
    });
    // in another stack: one parameter name per app, whichever stack holds it
    app.stack(function Web({ stack }) {
      functionsIn(stack, ['underscored']);
    });
    const error = synthError(app);
    expect(error?.message).toBe(
      'Projects "@acme/web" (projects/scoped) and "_acme/web" (projects/underscored) map to the same bind manifest, ' +
        '/sst/my-app/dev/_bind/project/_acme/web: SSM parameter names allow only letters, digits and "_.-/", ' +
        'so every other character of a project name becomes "_". One parameter cannot hold both, and nx-sst bind ' +
        'would give one project another\'s values and role. Rename one of them (its Nx project name: "name" in its ' +
        'project.json, else "nx.name" or "name" in its package.json) so that the names still differ once those ' +
        'characters are "_".',
    );
    expect(manifestPaths(app)).toEqual({});
    expect(fs.existsSync(path.join(app.outdir, 'manifest.json'))).toBe(false);
    // a retried synthesis refuses again rather than writing an assembly without manifests
    expect(synthError(app)?.message).toBe(error?.message);
  });

  it('names every project of every shared parameter at once', () => {
    const app = appWithProjects('shared-many.out');
    app.stack(function Default({ stack }) {
      functionsIn(stack, ['spaced', 'at', 'plain', 'colon', 'snake', 'dashed']);
    });
    expect(synthError(app)?.message.split('\n')).toEqual([
      expect.stringMatching(
        /^Projects "a b" \(projects\/spaced\), "a@b" \(projects\/at\) and "a_b" \(projects\/plain\) map to the same bind manifest, \/sst\/my-app\/dev\/_bind\/project\/a_b: .* One parameter cannot hold them all, .* Rename all but one of them /,
      ),
      expect.stringMatching(
        /^Projects "acme:web" \(projects\/colon\) and "acme_web" \(projects\/snake\) map to the same bind manifest, \/sst\/my-app\/dev\/_bind\/project\/acme_web: .* Rename one of them /,
      ),
    ]);
  });

  it('gives similar names that SSM tells apart a manifest each, in one stack', () => {
    const app = appWithProjects('similar.out');
    app.stack(function Default({ stack }) {
      functionsIn(stack, ['scoped', 'dashed', 'snake', 'dotted']);
    });
    app.synth();
    // A project alone keeps the construct id it always had (a new logical id would make CloudFormation
    // create the same-named parameter before deleting the old one); "acme_web" and "acme.web" would share
    // "acme-web"'s, so they get their own.
    expect(manifestPaths(app)).toEqual({
      '/sst/my-app/dev/_bind/target/scoped': 'Default/scoped/BindManifest/Resource',
      '/sst/my-app/dev/_bind/target/dashed': 'Default/dashed/BindManifest/Resource',
      '/sst/my-app/dev/_bind/target/snake': 'Default/snake/BindManifest/Resource',
      '/sst/my-app/dev/_bind/target/dotted': 'Default/dotted/BindManifest/Resource',
      '/sst/my-app/dev/_bind/project/_acme/web': 'Default/BindProject--acme-web/Manifest/Resource',
      '/sst/my-app/dev/_bind/project/acme-web': 'Default/BindProject-acme-web/Manifest/Resource',
      '/sst/my-app/dev/_bind/project/acme_web': 'Default/BindProject-acme_web/Manifest/Resource',
      '/sst/my-app/dev/_bind/project/acme.web': 'Default/BindProject-acme.web/Manifest/Resource',
    });
    const { Template } = require('aws-cdk-lib/assertions') as typeof import('aws-cdk-lib/assertions');
    const template = Template.fromStack(app.node.findChild('Default') as import('aws-cdk-lib').Stack);
    for (const [dir, name] of Object.entries({
      scoped: '@acme/web',
      dashed: 'acme-web',
      snake: 'acme_web',
      dotted: 'acme.web',
    })) {
      expect(manifestOf(template, projectManifestName('/sst/my-app/dev/', name))).toMatchObject({
        project: { name, root: `projects/${dir}` },
        targets: [dir],
      });
    }
  });
});
