import * as fs from 'node:fs';
import * as path from 'node:path';
import { CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { cacheDir, cfnSpec, readSpec } from './cfn-spec';
import { bucketNameProblems, templateProblems } from './validate-template';
import { useWorkspace } from './workspace';

jest.setTimeout(60_000);

/** One resource `R` of `type` with `properties`, and what the validator says of it. */
function problemsOf(type: string, properties: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return templateProblems(
    { Resources: { R: { Type: type, Properties: properties }, ...extra } },
    { region: 'us-east-1', account: '123456789012' },
  ).map((p) => `${p.property}: ${p.message}`);
}

const ROLE = 'arn:aws:iam::123456789012:role/r';
const CODE = { ZipFile: 'exports.handler = async () => 1' };

describe('the CloudFormation resource specification', () => {
  it('is read from @aws-cdk/aws-service-spec and cached per resource type with the property types it uses', () => {
    const spec = cfnSpec();
    const parameter = spec.resource('AWS::SSM::Parameter')!;
    expect(parameter.properties.Type).toEqual({
      required: true,
      types: [{ type: 'string', allowedValues: ['String', 'StringList'] }],
    });
    const lambda = spec.resource('AWS::Lambda::Function')!;
    expect(lambda.attributes).toContain('Arn');
    const environment = lambda.properties.Environment.types[0] as { type: 'ref'; ref: string };
    expect(lambda.types[environment.ref].name).toBe('AWS::Lambda::Function.Environment');
    expect(spec.resource('AWS::S3::Bukket')).toBeUndefined();
    const cached = path.join(cacheDir(spec.version), 'AWS__Lambda__Function.json');
    expect(JSON.parse(fs.readFileSync(cached, 'utf8'))).toEqual(lambda);
    const db = path.join(
      path.dirname(require.resolve('@aws-cdk/aws-service-spec/package.json')),
      'db.json.gz',
    );
    const all = readSpec(db);
    expect(all['AWS::Lambda::Function']).toEqual(lambda);
    expect(Object.keys(all).length).toBeGreaterThan(1500);
  });
});

describe('templateProblems', () => {
  it('accepts a valid resource, intrinsics where values go, and AWS::NoValue in a branch', () => {
    expect(
      problemsOf(
        'AWS::Lambda::Function',
        {
          Code: { S3Bucket: { 'Fn::Sub': 'cdk-${AWS::AccountId}' }, S3Key: 'a.zip' },
          Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
          Handler: 'index.handler',
          Runtime: 'nodejs22.x',
          MemorySize: '1024',
          Environment: { Variables: { A: { Ref: 'AWS::Region' }, B: 'b' } },
          Layers: { 'Fn::If': ['HasLayer', ['arn:layer'], { Ref: 'AWS::NoValue' }] },
          Tags: [{ Key: 'k', Value: 'v' }],
        },
        { Role: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: {} } } },
      ),
    ).toEqual([]);
  });

  it('refuses an unknown resource type and an unknown property', () => {
    expect(problemsOf('AWS::S3::Bukket', {})).toEqual([
      'Type: AWS::S3::Bukket is not a CloudFormation resource type (resource specification ' +
        `${cfnSpec().version})`,
    ]);
    expect(problemsOf('AWS::SQS::Queue', { QueueNme: 'q' })).toEqual([
      'Properties.QueueNme: AWS::SQS::Queue has no property "QueueNme"',
    ]);
  });

  it('refuses a value of the wrong shape, also inside property types, lists and maps', () => {
    expect(
      problemsOf('AWS::Lambda::Function', {
        Code: CODE,
        Role: ROLE,
        MemorySize: 'lots',
        Environment: { Variables: ['A=1'] },
        Architectures: 'x86_64',
        Tags: [{ Key: 'k' }],
      }),
    ).toEqual([
      'Properties.MemorySize: expected an integer, got "lots"',
      'Properties.Environment.Variables: expected a map of a string, got ["A=1"]',
      'Properties.Architectures: expected a list of a string, got "x86_64"',
      'Properties.Tags.0.Value: a tag requires "Value", which is missing',
    ]);
  });

  it('refuses a text-giving intrinsic where a list goes, a value outside the allowed ones and a missing required property', () => {
    expect(
      problemsOf('AWS::SSM::Parameter', {
        Type: 'SecureString',
        Value: 'v',
        AllowedPattern: { 'Fn::Split': [',', 'a'] },
      }),
    ).toEqual([
      'Properties.Type: "SecureString" is not one of String, StringList',
      'Properties.AllowedPattern: Fn::Split gives a list; expected a string',
    ]);
    expect(
      problemsOf('AWS::Lambda::Function', { Code: CODE, Role: ROLE, Layers: { 'Fn::Join': ['', ['a']] } }),
    ).toEqual(['Properties.Layers: Fn::Join gives a text; expected a list of a string']);
    expect(problemsOf('AWS::SSM::Parameter', { Value: 'v' })).toEqual([
      'Properties.Type: AWS::SSM::Parameter requires "Type", which is missing',
    ]);
  });

  it('refuses Ref and Fn::GetAtt of what does not exist', () => {
    expect(
      problemsOf('AWS::SQS::Queue', {
        QueueName: { Ref: 'Nope' },
        RedrivePolicy: { 'Fn::GetAtt': ['R', 'Url'] },
      }),
    ).toEqual([
      'Properties.QueueName: Ref to "Nope", which is not a resource, parameter or pseudo parameter',
      'Properties.RedrivePolicy: Fn::GetAtt R.Url: AWS::SQS::Queue has no attribute "Url" (it has Arn, QueueName, QueueUrl)',
    ]);
  });

  it("holds an SSM parameter's value to its tier and its name to SSM's rules", () => {
    const value = (bytes: number, tier?: string) =>
      problemsOf('AWS::SSM::Parameter', {
        Type: 'String',
        Value: 'x'.repeat(bytes),
        ...(tier ? { Tier: tier } : {}),
      });
    expect(value(4096)).toEqual([]);
    expect(value(4097)).toEqual([
      'Properties.Value: 4097 bytes on the default (Standard) tier, which holds 4096: set Tier "Advanced" (or "Intelligent-Tiering")',
    ]);
    expect(value(5000, 'Advanced')).toEqual([]);
    expect(value(8193, 'Advanced')).toEqual([
      'Properties.Value: 8193 bytes; a parameter value holds at most 8192 (Advanced tier)',
    ]);
    // a joined value is measured by its literal parts: at least that long once deployed
    expect(
      problemsOf('AWS::SSM::Parameter', {
        Type: 'String',
        Value: { 'Fn::Join': ['', ['x'.repeat(4090), { Ref: 'AWS::Region' }, 'yyyyyyy']] },
      }),
    ).toEqual([
      'Properties.Value: 4097 bytes at least (its literal parts) on the default (Standard) tier, which holds 4096: set Tier "Advanced" (or "Intelligent-Tiering")',
    ]);
    // 1011 characters with "arn:aws:ssm:us-east-1:123456789012:parameter" (44) before the name
    const name = (length: number) =>
      problemsOf('AWS::SSM::Parameter', { Type: 'String', Value: 'v', Name: `/${'a'.repeat(length - 1)}` });
    expect(name(1011 - 44)).toEqual([]);
    expect(name(1011 - 43)).toEqual([
      'Properties.Name: 968 characters (1012 with the ARN before it); SSM allows 1011 including the ARN',
    ]);
    expect(problemsOf('AWS::SSM::Parameter', { Type: 'String', Value: 'v', Name: '/aws/x y' })).toEqual([
      'Properties.Name: "/aws/x y" may hold only a-z, A-Z, 0-9, _ . - and /',
      'Properties.Name: "/aws/x y" may not begin with "aws" or "ssm"',
    ]);
    expect(
      problemsOf('AWS::SSM::Parameter', {
        Type: 'String',
        Value: 'v',
        Name: `/${Array(16).fill('a').join('/')}`,
      }),
    ).toEqual(['Properties.Name: "/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a" has 16 levels; SSM allows 15']);
  });

  it("measures a function's environment as Lambda does, one JSON object, and refuses reserved names", () => {
    const env = (variables: Record<string, unknown>) =>
      problemsOf('AWS::Lambda::Function', { Code: CODE, Role: ROLE, Environment: { Variables: variables } });
    // {"A":"…"}: 8 bytes around the value
    expect(env({ A: 'x'.repeat(4088) })).toEqual([]);
    expect(env({ A: 'x'.repeat(4089) })).toEqual([
      'Properties.Environment.Variables: 4097 bytes as Lambda measures them (one JSON object, values resolved at deploy counted empty); at most 4096',
    ]);
    // a quote inside a value (JSON in a variable) counts twice
    expect(env({ A: '"'.repeat(2045) })).toEqual([
      'Properties.Environment.Variables: 4098 bytes as Lambda measures them (one JSON object, values resolved at deploy counted empty); at most 4096',
    ]);
    expect(env({ AWS_REGION: 'us-east-1', '1X': 'a' })).toEqual([
      'Properties.Environment.Variables.AWS_REGION: "AWS_REGION" is reserved by Lambda and cannot be set',
      'Properties.Environment.Variables.1X: a variable name is a letter, then letters, digits and _',
    ]);
  });

  it("holds a bucket's name to S3's rules", () => {
    expect(bucketNameProblems('my-app-dev-files')).toEqual([]);
    expect(bucketNameProblems('My_Bucket')).toEqual([
      '"My_Bucket" may hold only lowercase letters, digits, dots and hyphens',
      '"My_Bucket" must begin and end with a letter or a digit',
    ]);
    expect(bucketNameProblems('ab')).toEqual(['"ab" is 2 characters; a bucket name has at least 3']);
    expect(bucketNameProblems('a..b-')).toEqual([
      '"a..b-" has two dots in a row',
      '"a..b-" must begin and end with a letter or a digit',
    ]);
    expect(bucketNameProblems('192.168.5.4')).toEqual(['"192.168.5.4" is formatted as an IP address']);
    expect(bucketNameProblems('xn--abc')).toEqual(['"xn--abc" begins with the reserved "xn--"']);
    expect(bucketNameProblems('a'.repeat(64))).toEqual([
      `"${'a'.repeat(64)}" is 64 characters; a bucket name has at most 63`,
    ]);
    // the literal parts of a name joined at deploy: only what they already break
    expect(
      problemsOf('AWS::S3::Bucket', {
        BucketName: { 'Fn::Join': ['-', ['Files', { Ref: 'AWS::AccountId' }]] },
      }),
    ).toEqual(['Properties.BucketName: "Files-" may hold only lowercase letters, digits, dots and hyphens']);
  });

  it("enforces CloudFormation's template quotas and resource attributes", () => {
    const resources = Object.fromEntries(
      Array.from({ length: 501 }, (_, i) => [`Q${i}`, { Type: 'AWS::SQS::Queue' }]),
    );
    expect(templateProblems({ Resources: resources }).map((p) => p.message)).toEqual([
      '501 entries; CloudFormation allows 500 per template',
    ]);
    expect(
      templateProblems({
        Resources: {
          'my-queue': { Type: 'AWS::SQS::Queue', DeletionPolicy: 'Keep', DependsOn: 'Gone', Propertis: {} },
        },
      }).map((p) => `${p.property}: ${p.message}`),
    ).toEqual([
      'Resources: logical id "my-queue" must be alphanumeric and at most 255 characters',
      'Propertis: "Propertis" is not a resource attribute CloudFormation knows',
      'DeletionPolicy: "Keep" is not one of Delete, Retain, RetainExceptOnCreate, Snapshot',
      'DependsOn: "Gone" is not a resource of the template',
    ]);
  });

  it('accepts custom resources with any properties', () => {
    expect(problemsOf('Custom::Thing', { ServiceToken: 'arn', Anything: [1, { a: 2 }] })).toEqual([]);
  });
});

describe('every synthesized template is validated (the Jest setup of this package)', () => {
  const ws = useWorkspace();

  it('fails the synthesis of a stack AWS would refuse, naming the construct path and the property', () => {
    const app = ws.app();
    const stack = new Stack(app, 'Raw');
    new CfnResource(stack, 'Big', {
      type: 'AWS::SSM::Parameter',
      properties: { Type: 'String', Value: 'x'.repeat(5000) },
    });
    new CfnResource(stack, 'Odd', { type: 'AWS::SQS::Queue', properties: { Fifo: true } });
    expect(() => Template.fromStack(stack)).toThrow(
      [
        'The template of stack "Raw" is not valid for AWS (2 problems):',
        `  Raw/Big (Big) Properties.Value: 5000 bytes on the default (Standard) tier, which holds 4096: set Tier "Advanced" (or "Intelligent-Tiering")`,
        '  Raw/Odd (Odd) Properties.Fifo: AWS::SQS::Queue has no property "Fifo"',
      ].join('\n'),
    );
  });
});
