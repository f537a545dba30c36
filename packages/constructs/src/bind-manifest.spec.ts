import { Bucket } from './bucket';
import { Config } from './config';
import { Function } from './function';
import { NextjsSite } from './nextjs-site';
import { projectManifestName, targetManifestName } from './bind-manifest';
import type { StackContext } from './app';
import { logicalId, removeWorkspace, synthDefault, tempWorkspace, testApp } from './test-utils/workspace';

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
  const value = params[0].Properties.Value as string | { 'Fn::Join': [string, unknown[]] };
  const text =
    typeof value === 'string'
      ? value
      : value['Fn::Join'][1]
          .map((part) => (typeof part === 'string' ? part : `<${JSON.stringify(part).replace(/"/g, "'")}>`))
          .join('');
  return JSON.parse(text);
}

describe('bind manifests', () => {
  let root: string;
  beforeAll(() => (root = tempWorkspace()));
  afterAll(() => removeWorkspace(root));

  it('writes one String parameter per target and per project, with env exactly as the target gets it', () => {
    const { template } = synthDefault(root, ({ stack }) => {
      const bucket = new Bucket(stack, 'files');
      const { STRIPE_KEY } = Config.Secret.create(stack, 'STRIPE_KEY');
      new Function(stack, 'api', {
        handler: 'packages/functions/src/lambda.handler',
        bind: [bucket, STRIPE_KEY],
      });
      new Function(stack, 'worker', { handler: 'packages/functions/src/notes.list' });
      new NextjsSite(stack, 'web', { path: 'apps/web', bind: [bucket] });
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
    const app = testApp(root);
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

  it('encodes project names SSM refuses', () => {
    expect(projectManifestName('/sst/a/dev/', '@scope/web')).toBe('/sst/a/dev/_bind/project/_scope/web');
  });
});
