import * as cdk from 'aws-cdk-lib';

/** A duration as SST v2 writes it: `"30 seconds"`, `"5 minutes"`, `"1 hour"`, `"7 days"`. */
export type DurationText =
  `${number} ${'second' | 'seconds' | 'minute' | 'minutes' | 'hour' | 'hours' | 'day' | 'days'}`;

/** A size as SST v2 writes it: `"512 MB"`, `"2 GB"`. */
export type SizeText = `${number} ${'MB' | 'GB'}`;

const DURATION_UNITS: Record<string, (n: number) => cdk.Duration> = {
  second: cdk.Duration.seconds,
  minute: cdk.Duration.minutes,
  hour: cdk.Duration.hours,
  day: cdk.Duration.days,
};

/**
 * A duration from a number of `unit`s, SST v2's text (`"30 seconds"`) or a CDK Duration. Anything else is
 * refused here: CDK would fail later with a TypeError that names neither the construct nor the prop.
 */
export function toDuration(
  value: number | DurationText | cdk.Duration,
  describeProp: string,
  unit: 'seconds' = 'seconds',
): cdk.Duration {
  if (value instanceof cdk.Duration) return value;
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return cdk.Duration[unit](value);
  const match = typeof value === 'string' ? /^\s*(\d+)\s+(second|minute|hour|day)s?\s*$/i.exec(value) : null;
  if (match) return DURATION_UNITS[match[2].toLowerCase()](Number(match[1]));
  throw new Error(
    `${describeProp}: ${JSON.stringify(value)} is not a duration. Use a number of ${unit}, "30 seconds", "5 minutes", "1 hour", "2 days", or cdk.Duration.`,
  );
}

/** A size in MiB from a number of MB, SST v2's text (`"2 GB"`) or a CDK Size. */
export function toMebibytes(value: number | SizeText | cdk.Size, describeProp: string): number {
  if (value instanceof cdk.Size) return value.toMebibytes();
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
  const match = typeof value === 'string' ? /^\s*(\d+)\s*(MB|GB)\s*$/.exec(value) : null;
  if (match) return Number(match[1]) * (match[2] === 'GB' ? 1024 : 1);
  throw new Error(
    `${describeProp}: ${JSON.stringify(value)} is not a size. Use a whole number of MB, "512 MB", "2 GB", or cdk.Size.`,
  );
}
