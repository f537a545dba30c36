import { DescribeAvailabilityZonesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { startTestCloud, type LocalCloud } from '@nx-sst/local-cloud';
import { LOCAL_ZONE_REGIONS, localAvailabilityZones } from './local-context';

jest.setTimeout(120_000);

let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startTestCloud();
});
afterAll(async () => {
  await cloud?.stop();
});

// The local stage synthesizes with a copy of moto's zone table (no cloud needed to build the app);
// this fails, naming the region, the day the installed moto answers differently.
describe('the zones the local stage synthesizes with', () => {
  it.each(LOCAL_ZONE_REGIONS)('are the zones the local cloud has in %s', async (region) => {
    const ec2 = new EC2Client({ ...cloud.clientConfig, region });
    try {
      const { AvailabilityZones = [] } = await ec2.send(new DescribeAvailabilityZonesCommand({}));
      expect(localAvailabilityZones(region)).toEqual(AvailabilityZones.map((z) => z.ZoneName).sort());
    } finally {
      ec2.destroy();
    }
  });
});
