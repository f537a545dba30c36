import * as fs from 'node:fs';
import * as path from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { startTestCloud, stopDaemon, type LocalCloud } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { runCli } from '../test-utils/cli';
import { sampleWorkspace } from '../test-utils/sample-workspace';

// Every case runs the built CLI on the stage "ci": the AWS code path (standard credential chain,
// AWS SDK clients, toolkit-lib with the caller's credentials, cdk.context.json), pointed at a local
// cloud only through the standard AWS_ENDPOINT_URL variables, as a CI job would point it at AWS.
// Synthesis, bootstrap and CloudFormation on a shared 2-core machine.
jest.setTimeout(600_000);

const STACKS = [
  "import { CfnOutput } from 'aws-cdk-lib';",
  "import * as ec2 from 'aws-cdk-lib/aws-ec2';",
  "import * as ssm from 'aws-cdk-lib/aws-ssm';",
  "import { Bucket, Config, Function, type StackContext } from '@nx-sst/constructs';",
  'export function Default({ stack }: StackContext) {',
  "  const bucket = new Bucket(stack, 'public');",
  "  const key = new Config.Secret(stack, 'STRIPE_KEY');",
  "  new Function(stack, 'api', { handler: 'apps/api/src/handler.handler', bind: [bucket, key] });",
  "  const vpc = ec2.Vpc.fromLookup(stack, 'vpc', { isDefault: true });",
  "  new ec2.SecurityGroup(stack, 'sg', { vpc });",
  "  new CfnOutput(stack, 'release', { value: ssm.StringParameter.valueFromLookup(stack, '/ci-lookup/release') });",
  '}',
].join('\n');

const RELEASE = '/ci-lookup/release';
const BOOTSTRAP_VERSION = '/cdk-bootstrap/hnb659fds/version';
const root = sampleWorkspace({ stacks: STACKS });
const appRoot = path.join(root, 'apps/infra');
const contextFile = path.join(appRoot, 'cdk.context.json');
let cloud: LocalCloud;

/**
 * What a CI job on AWS has, with the endpoint variables added: no profile, no AWS config files, no
 * CDK_DEFAULT_* or stage from the developer's shell.
 */
function ciEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^(AWS_|CDK_DEFAULT_|SST_)/.test(key)) delete env[key];
  }
  return {
    ...env,
    AWS_CONFIG_FILE: path.join(root, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(root, 'no-aws-credentials'),
    AWS_ENDPOINT_URL: cloud.env.AWS_ENDPOINT_URL,
    // toolkit-lib builds CloudFormation's TemplateURL from this, not from AWS_ENDPOINT_URL.
    AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION: cloud.env.AWS_ENDPOINT_URL_S3_FOR_CLOUDFORMATION,
    AWS_ACCESS_KEY_ID: cloud.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: cloud.credentials.secretAccessKey,
  };
}

/** `--stage ci` for nx-sst, before a `--` that starts the child's command. */
function withStage(args: string[]): string[] {
  const dashdash = args.indexOf('--');
  return dashdash < 0
    ? [...args, '--stage', 'ci']
    : [...args.slice(0, dashdash), '--stage', 'ci', ...args.slice(dashdash)];
}

const run = (args: string[], opts: { cwd?: string; stdin?: string } = {}) =>
  runCli(opts.cwd ?? root, withStage(args), { env: ciEnv(), stdin: opts.stdin });

async function withSsm<T>(task: (ssm: SSMClient) => Promise<T>): Promise<T> {
  const ssm = new SSMClient(cloud.clientConfig);
  try {
    return await task(ssm);
  } finally {
    ssm.destroy();
  }
}

/** The parameter the app looks up with `valueFromLookup` (a lookup the test can change in a moment). */
const putRelease = (value: string) =>
  withSsm((ssm) =>
    ssm.send(new PutParameterCommand({ Name: RELEASE, Value: value, Type: 'String', Overwrite: true })),
  );

beforeAll(async () => {
  cloud = await startTestCloud();
  await putRelease('blue');
});

afterAll(async () => {
  await cloud?.stop();
  // Only a regression would have started the workspace's own local cloud; never leave it running.
  await stopDaemon(localCloudDir(root));
  fs.rmSync(root, { recursive: true, force: true });
});

describe('a stage other than local goes to AWS (here: a local cloud behind AWS_ENDPOINT_URL)', () => {
  const environment = () => `aws://${cloud.accountId}/${cloud.region}`;

  it('refuses to deploy to an environment without the CDK bootstrap, naming --bootstrap; nothing is written', async () => {
    const out = await run(['deploy']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain(
      `${environment()} is not bootstrapped for the AWS CDK (no /cdk-bootstrap/hnb659fds/version).`,
    );
    expect(out.stderr).toContain('Run the deploy with --bootstrap once');
    expect(fs.existsSync(contextFile)).toBe(false);
    // The AWS path: the workspace's own local cloud was never started.
    expect(fs.existsSync(path.join(root, '.sst/local-cloud'))).toBe(false);
  });

  it('refuses an environment whose bootstrap is too old, with the version it has', async () => {
    const Name = BOOTSTRAP_VERSION;
    await withSsm((ssm) => ssm.send(new PutParameterCommand({ Name, Value: '3', Type: 'String' })));
    try {
      const out = await run(['deploy']);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain(`${environment()} has CDK bootstrap version 3; nx-sst needs 6 or later.`);
    } finally {
      await withSsm((ssm) => ssm.send(new DeleteParameterCommand({ Name })));
    }
  });

  it('bootstraps with --bootstrap and deploys, looking up what the app asks and saving it in cdk.context.json', async () => {
    const out = await run(['deploy', '--bootstrap']);
    expect(out).toEqual(
      expect.objectContaining({
        code: 0,
        stdout: expect.stringContaining('Deployed shop to the stage "ci"'),
      }),
    );
    // The looked-up parameter reached the deployed stack.
    expect(out.stdout).toContain('release: blue');
    const version = await withSsm((ssm) => ssm.send(new GetParameterCommand({ Name: BOOTSTRAP_VERSION })));
    expect(Number(version.Parameter!.Value)).toBeGreaterThanOrEqual(6);

    const context = JSON.parse(fs.readFileSync(contextFile, 'utf8')) as Record<string, unknown>;
    const env = `account=${cloud.accountId}`;
    expect(context[`ssm:${env}:parameterName=${RELEASE}:region=${cloud.region}`]).toBe('blue');
    const vpc = context[
      `vpc-provider:${env}:filter.isDefault=true:region=${cloud.region}:returnAsymmetricSubnets=true`
    ] as { vpcId: string };
    // moto's default VPC, not CDK's placeholder vpc-12345.
    expect(vpc.vpcId).toMatch(/^vpc-[0-9a-f]{8,}$/);
    const template = fs.readFileSync(path.join(appRoot, '.sst/cdk.out/ci/Default.template.json'), 'utf8');
    expect(template).toContain(`"VpcId": "${vpc.vpcId}"`);

    const cfn = new CloudFormationClient(cloud.clientConfig);
    try {
      const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'ci-shop-Default' }));
      expect(Stacks![0].StackStatus).toBe('CREATE_COMPLETE');
    } finally {
      cfn.destroy();
    }
  });

  it('synthesizes again from cdk.context.json without looking anything up', async () => {
    const saved = fs.readFileSync(contextFile);
    // A lookup now would answer differently (the parameter) or fail (every EC2 call is refused).
    await putRelease('green');
    await cloud.setFaults({ throttle: { ec2: 0 } });
    try {
      const again = await run(['deploy']);
      expect(again).toEqual(
        expect.objectContaining({ code: 0, stdout: expect.stringContaining('unchanged (skipped)') }),
      );
      expect(again.stdout).toContain('release: blue');
      expect(fs.readFileSync(contextFile).equals(saved)).toBe(true);
    } finally {
      await cloud.clearFaults();
    }
    // The control: without the file the same synthesis looks up, sees the new value and saves it.
    fs.rmSync(contextFile);
    try {
      const diff = await run(['diff']);
      expect(diff).toEqual(
        expect.objectContaining({
          code: 0,
          stdout: expect.stringContaining('1 change(s) for shop on the stage "ci"'),
        }),
      );
      expect(JSON.parse(fs.readFileSync(contextFile, 'utf8'))).toMatchObject({
        [`ssm:account=${cloud.accountId}:parameterName=${RELEASE}:region=${cloud.region}`]: 'green',
      });
    } finally {
      fs.writeFileSync(contextFile, saved);
    }
  });

  it("refuses to diff or deploy with a failed lookup instead of CDK's placeholder, and saves no answer", async () => {
    const saved = fs.readFileSync(contextFile);
    fs.rmSync(contextFile);
    await withSsm((ssm) => ssm.send(new DeleteParameterCommand({ Name: RELEASE })));
    try {
      const diff = await run(['diff']);
      expect(diff.code).toBe(1);
      expect(diff.stderr).toContain(RELEASE);
      const deploy = await run(['deploy']);
      expect(deploy.code).toBe(1);
      expect(deploy.stderr).toContain(RELEASE);
      // Only the lookups that worked are kept; the failed one is asked again next time.
      const context = JSON.parse(fs.readFileSync(contextFile, 'utf8')) as Record<string, unknown>;
      expect(Object.keys(context).some((k) => k.includes(RELEASE))).toBe(false);
    } finally {
      fs.writeFileSync(contextFile, saved);
      await putRelease('blue');
    }
  });

  it('sets and reads a secret of the stage through the AWS SDK', async () => {
    const set = await run(['secrets', 'set', 'STRIPE_KEY'], { stdin: 'sk_ci_secret_value' });
    expect(set).toEqual(
      expect.objectContaining({ code: 0, stderr: expect.stringContaining('Set STRIPE_KEY') }),
    );
    const stored = await withSsm((ssm) =>
      ssm.send(
        new GetParameterCommand({ Name: '/sst/shop/ci/Secret/STRIPE_KEY/value', WithDecryption: true }),
      ),
    );
    expect(stored.Parameter).toMatchObject({ Type: 'SecureString', Value: 'sk_ci_secret_value' });
    const get = await run(['secrets', 'get', 'STRIPE_KEY']);
    expect(get).toEqual(expect.objectContaining({ code: 0, stdout: 'sk_ci_secret_value' }));
  });

  it('binds a command to the stage: values, the secret and working credentials of the target role', async () => {
    const sts = require.resolve('@aws-sdk/client-sts');
    const code = [
      `const { STSClient, GetCallerIdentityCommand } = require(${JSON.stringify(sts)});`,
      'const e = process.env;',
      'new STSClient({}).send(new GetCallerIdentityCommand({})).then((id) => console.log(JSON.stringify({',
      '  bucket: e.SST_Bucket_bucketName_public, stage: e.SST_STAGE, app: e.SST_APP,',
      '  secretLength: e.SST_Secret_value_STRIPE_KEY.length, endpoint: e.AWS_ENDPOINT_URL,',
      '  keyId: e.AWS_ACCESS_KEY_ID, session: Boolean(e.AWS_SESSION_TOKEN), arn: id.Arn })));',
    ].join('\n');
    const out = await run(['bind', '--', 'node', '-e', code], { cwd: path.join(root, 'apps/api') });
    expect(out.stderr).toMatch(
      new RegExp(
        `project api on stage "ci" \\(${cloud.region}, endpoint ${cloud.endpoint}\\): .* as the role arn:aws:iam::${cloud.accountId}:role/ci-shop-Default-api`,
      ),
    );
    expect(out.code).toBe(0);
    const bucket = await withSsm((ssm) =>
      ssm.send(new GetParameterCommand({ Name: '/sst/shop/ci/Bucket/public/bucketName' })),
    );
    expect(JSON.parse(out.stdout)).toEqual({
      bucket: bucket.Parameter!.Value,
      stage: 'ci',
      app: 'shop',
      secretLength: 'sk_ci_secret_value'.length,
      endpoint: cloud.endpoint,
      keyId: expect.not.stringMatching(`^${cloud.credentials.accessKeyId}$`),
      session: true,
      // The child's own SDK calls run as the target's role.
      arn: expect.stringMatching(
        new RegExp(`^arn:aws:sts::${cloud.accountId}:assumed-role/ci-shop-Default-api[^/]*/nx-sst-bind`),
      ),
    });
    expect(fs.existsSync(path.join(root, '.sst/local-cloud'))).toBe(false);
    // An AWS stage's role session is never written down (only the local cloud's are reused), and
    // the next run assumes the role again.
    expect(fs.existsSync(path.join(root, '.sst/bind-local-credentials.json'))).toBe(false);
    const again = await run(['bind', '--', 'node', '-e', code], { cwd: path.join(root, 'apps/api') });
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).keyId).not.toBe(JSON.parse(out.stdout).keyId);
    expect(fs.existsSync(path.join(root, '.sst/bind-local-credentials.json'))).toBe(false);
  });

  it('removes the app from the stage', async () => {
    const out = await run(['remove']);
    expect(out).toEqual(
      expect.objectContaining({
        code: 0,
        stdout: expect.stringContaining('Removed shop from the stage "ci"'),
      }),
    );
    const cfn = new CloudFormationClient(cloud.clientConfig);
    try {
      await expect(cfn.send(new DescribeStacksCommand({ StackName: 'ci-shop-Default' }))).rejects.toThrow(
        /does not exist/,
      );
    } finally {
      cfn.destroy();
    }
  });
});
