import * as fs from 'node:fs';
import * as path from 'node:path';
import { stopDaemon } from '@nx-sst/local-cloud';
import { localCloudDir } from '../core/cloud';
import { sampleWorkspace } from '../test-utils/sample-workspace';
import { localAvailabilityZones } from '../synth/local-context';
import { deploy, diff } from './deploy';

// An Aurora cluster in its own VPC through synthesis, assets and CloudFormation on a shared 2-core machine.
jest.setTimeout(600_000);

const STACKS = [
  "import { RDS, type StackContext } from '@nx-sst/constructs';",
  'export function Default({ stack }: StackContext) {',
  "  new RDS(stack, 'db', { engine: 'postgresql16', defaultDatabaseName: 'notes' });",
  '}',
].join('\n');

const root = sampleWorkspace({ stacks: STACKS });
const appRoot = path.join(root, 'apps/infra');

afterAll(async () => {
  await stopDaemon(localCloudDir(root));
  fs.rmSync(root, { recursive: true, force: true });
});

describe('context lookups', () => {
  it('deploys a VPC-using construct on the local stage in the zones the local cloud has', async () => {
    const result = await deploy({ workspaceRoot: root, appRoot, stage: 'local', io: { write: () => {} } });
    expect(result.stacks).toEqual([
      { name: 'local-shop-Default', status: 'deployed', outputs: expect.any(Object) },
    ]);
    const out = path.join(appRoot, '.sst/cdk.out/local');
    const [file] = fs.readdirSync(out).filter((f) => f.endsWith('.template.json'));
    const template = JSON.parse(fs.readFileSync(path.join(out, file), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { AvailabilityZone?: string } }>;
    };
    const zones = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::EC2::Subnet')
      .map((r) => r.Properties.AvailabilityZone)
      .sort();
    expect(zones).toEqual(localAvailabilityZones('us-east-1').slice(0, 2));
    // The local cloud's fixed answers are not the user's to commit.
    expect(fs.existsSync(path.join(appRoot, 'cdk.context.json'))).toBe(false);
  });

  it('looks up what the app is missing in the local cloud and builds the app again with it', async () => {
    const stacks = path.join(appRoot, 'stacks/Default.ts');
    fs.writeFileSync(
      stacks,
      [
        "import * as ec2 from 'aws-cdk-lib/aws-ec2';",
        "import { type StackContext } from '@nx-sst/constructs';",
        'export function Default({ stack }: StackContext) {',
        "  const vpc = ec2.Vpc.fromLookup(stack, 'default', { isDefault: true });",
        "  new ec2.SecurityGroup(stack, 'sg', { vpc });",
        '}',
      ].join('\n'),
    );
    await diff({ workspaceRoot: root, appRoot, stage: 'local', io: { write: () => {} } });
    const out = path.join(appRoot, '.sst/cdk.out/local');
    const [file] = fs.readdirSync(out).filter((f) => f.endsWith('.template.json'));
    const template = fs.readFileSync(path.join(out, file), 'utf8');
    // A real VPC id of the local cloud, not CDK's placeholder vpc-12345.
    expect(template).toMatch(/"VpcId": "vpc-[0-9a-f]{8,}"/);
    expect(template).not.toContain('vpc-12345');
  });
});
