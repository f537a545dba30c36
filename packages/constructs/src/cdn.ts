import * as cdk from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import type { App } from './app';

/**
 * How a deployed site reaches browsers, the same for NextjsSite and StaticSite: a CloudFront distribution
 * in front of a private bucket on AWS, and the site's files built with `{{ KEY }}` where a value is known
 * only at deploy, replaced in what is uploaded.
 */

/** The site's distribution (`Distribution` under the site), named after the app, stage and site in the console. */
export function siteDistribution(
  scope: Construct,
  app: App,
  id: string,
  props: Omit<cloudfront.DistributionProps, 'comment' | 'httpVersion'>,
): cloudfront.Distribution {
  return new cloudfront.Distribution(scope, 'Distribution', {
    comment: `${app.name} ${app.stage} ${id}`,
    ...props,
    httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
  });
}

/**
 * The behaviour of files served from the site's bucket: read through origin access control (the bucket
 * stays private), HTTPS only, compressed and cached with CloudFront's optimized policy. `methods` adds
 * OPTIONS (CORS preflights of a Next.js site's assets); without it CloudFront's default, GET and HEAD.
 */
export function bucketBehavior(
  bucket: s3.IBucket,
  options: { originPath?: string; methods?: 'get-head-options' } = {},
): cloudfront.BehaviorOptions {
  return {
    origin: origins.S3BucketOrigin.withOriginAccessControl(
      bucket,
      options.originPath ? { originPath: options.originPath } : undefined,
    ),
    viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
    ...(options.methods === 'get-head-options'
      ? {
          allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
          cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
        }
      : {}),
    compress: true,
    cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
  };
}

/**
 * A site's `environment` as its build sees it: values known at synthesis as they are, values known only at
 * deploy (tokens: `api.url`) as `{{ KEY }}`, which `withDeployTimeValues` replaces in the uploaded files.
 */
export function splitDeployTimeEnvironment(environment: Record<string, string>): {
  buildEnv: Record<string, string>;
  deployTime: Record<string, string>;
} {
  const buildEnv: Record<string, string> = {};
  const deployTime: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment)) {
    if (cdk.Token.isUnresolved(value)) {
      buildEnv[key] = `{{ ${key} }}`;
      deployTime[key] = value;
    } else {
      buildEnv[key] = value;
    }
  }
  return { buildEnv, deployTime };
}

/** A built file's text with every `{{ KEY }}` of `deployTime` replaced by its value (a token until deploy). */
export function withDeployTimeValues(text: string, deployTime: Record<string, string>): string {
  let content = text;
  for (const k of Object.keys(deployTime)) content = content.split(`{{ ${k} }}`).join(deployTime[k]);
  return content;
}
