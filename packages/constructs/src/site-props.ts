/**
 * What to write instead of the SST v2 site props nx-sst's sites do not take. Each is refused when the site is
 * created (see `rejectUnknownProps`), with this text after `unknown prop "…".`.
 */

const NOT_BEHIND_CLOUDFRONT =
  'nx-sst does not deploy sites behind CloudFront yet, so there is nothing to apply it to. Remove it for now';

const NEXTJS_PLACEHOLDER =
  'A NextjsSite is deployed as a placeholder server function for now (no OpenNext build, no CloudFront), so it has nothing to apply to; `next build` runs through Nx (nx run web:build). Remove it for now.';

const ON_SERVER_FUNCTION = (prop: string, example: string) =>
  `Set it on the placeholder server function through the escape hatch: cdk: { server: { ${prop}: ${example} } }.`;

export const NEXTJS_SITE_PROP_HINTS: Record<string, string> = {
  customDomain: `${NOT_BEHIND_CLOUDFRONT}.`,
  buildCommand: NEXTJS_PLACEHOLDER,
  openNextVersion: NEXTJS_PLACEHOLDER,
  edge: NEXTJS_PLACEHOLDER,
  imageOptimization: NEXTJS_PLACEHOLDER,
  warm: NEXTJS_PLACEHOLDER,
  regional: NEXTJS_PLACEHOLDER,
  assets: NEXTJS_PLACEHOLDER,
  invalidation: NEXTJS_PLACEHOLDER,
  waitForInvalidation: NEXTJS_PLACEHOLDER,
  experimental: NEXTJS_PLACEHOLDER,
  timeout: ON_SERVER_FUNCTION('timeout', 'cdk.Duration.seconds(30)'),
  memorySize: ON_SERVER_FUNCTION('memorySize', '2048'),
  runtime: ON_SERVER_FUNCTION('runtime', 'lambda.Runtime.NODEJS_22_X'),
  nodejs: NEXTJS_PLACEHOLDER,
  typesPath:
    "nx-sst writes the project's sst-env.d.ts itself, in the project root (nx run infra:types, or nx sync); remove typesPath.",
};

export const STATIC_SITE_PROP_HINTS: Record<string, string> = {
  customDomain: `${NOT_BEHIND_CLOUDFRONT}, or put a cloudfront.Distribution with your domain in front of site.cdk.bucket in the stack.`,
  assets: `${NOT_BEHIND_CLOUDFRONT} (the files are uploaded with their default cache headers).`,
  waitForInvalidation: `${NOT_BEHIND_CLOUDFRONT}.`,
  purgeFiles:
    "nx-sst always removes the files that are gone from the build (SST v2's default, purgeFiles: true); remove the prop.",
  replaceValues:
    'Values known only at deploy reach the build through environment, as {{ KEY }}, and are replaced in the uploaded files when the stack deploys: put them in environment instead.',
  typesPath:
    "nx-sst writes the project's sst-env.d.ts itself, in the project root (nx run infra:types, or nx sync); remove typesPath.",
};

/** SST v2's `cdk.*` escape hatches of sites, for a CloudFront distribution nx-sst does not create yet. */
export const SITE_CDK_PROP_HINTS: Record<string, string> = Object.fromEntries(
  [
    'distribution',
    'bucket',
    'serverCachePolicy',
    'responseHeadersPolicy',
    'viewerProtocolPolicy',
    'fileOptions',
    'transform',
    'revalidation',
    'warmer',
    'certificate',
  ].map((key) => [key, `${NOT_BEHIND_CLOUDFRONT}.`]),
);

export const STATIC_SITE_VITE_PROP_HINTS: Record<string, string> = {
  types:
    "nx-sst writes no Vite env types file. Declare the VITE_* keys of environment in the app's vite-env.d.ts (interface ImportMetaEnv).",
};
