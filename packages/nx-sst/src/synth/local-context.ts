/**
 * The zone letters moto 5.2 answers DescribeAvailabilityZones with, per region (moto's
 * `RegionsAndZonesBackend.zones`). moto refuses a subnet in a zone it does not list, so the local
 * stage must synthesize with these, not CDK's placeholder `dummy1a`/`dummy1b`.
 */
const MOTO_ZONES: Record<string, string> = {
  'af-south-1': 'abc',
  'ap-east-1': 'abc',
  'ap-east-2': 'abc',
  'ap-northeast-1': 'acd',
  'ap-northeast-2': 'abcd',
  'ap-northeast-3': 'abc',
  'ap-south-1': 'abc',
  'ap-south-2': 'abc',
  'ap-southeast-1': 'abc',
  'ap-southeast-2': 'abc',
  'ap-southeast-3': 'abc',
  'ap-southeast-4': 'abc',
  'ap-southeast-5': 'abc',
  'ap-southeast-6': 'abc',
  'ap-southeast-7': 'abc',
  'ca-central-1': 'abd',
  'ca-west-1': 'abc',
  'cn-north-1': 'ab',
  'cn-northwest-1': 'abc',
  'eu-central-1': 'abc',
  'eu-central-2': 'abc',
  'eu-north-1': 'abc',
  'eu-south-1': 'abc',
  'eu-south-2': 'abc',
  'eu-west-1': 'abc',
  'eu-west-2': 'abc',
  'eu-west-3': 'abc',
  'il-central-1': 'abc',
  'me-central-1': 'abc',
  'me-south-1': 'abc',
  'mx-central-1': 'abc',
  'sa-east-1': 'abc',
  'us-east-1': 'abcdef',
  'us-east-2': 'abc',
  'us-gov-east-1': 'abc',
  'us-gov-west-1': 'abc',
  'us-west-1': 'ab',
  'us-west-2': 'abcd',
};

/** The regions whose zones are known (`local-context.spec.ts` checks each against the local cloud). */
export const LOCAL_ZONE_REGIONS = Object.keys(MOTO_ZONES);

/** The availability zones of a region on the local cloud, as its EC2 reports them. */
export function localAvailabilityZones(region: string): string[] {
  return [...(MOTO_ZONES[region] ?? 'abc')].map((letter) => `${region}${letter}`);
}

/**
 * The CDK context the local stage synthesizes with: what `cdk synth` would have looked up and stored
 * in cdk.context.json, answered statically because the local cloud's answers are fixed. Kept out of
 * the user's cdk.context.json, which is for real accounts.
 */
export function localCloudContext(account: string, region: string): Record<string, unknown> {
  return { [`availability-zones:account=${account}:region=${region}`]: localAvailabilityZones(region) };
}
