/**
 * What to write instead of the SST v2 site props nx-sst's sites do not take. Each is refused when the site is
 * created (see `rejectUnknownProps`), with this text after `unknown prop "…".`.
 */

const NOT_BEHIND_CLOUDFRONT =
  'nx-sst does not take this setting of the CloudFront distribution yet; change site.cdk.distribution (created on stages other than local) in the stack instead, or remove it';

const NEXTJS_NOT_TAKEN =
  "nx-sst deploys OpenNext's default output (one regional server function, the image optimizer, revalidation) and does not take this setting yet. Remove it.";

const ON_SERVER_FUNCTION = (prop: string, example: string) =>
  `Set it on the server function through the escape hatch: cdk: { server: { ${prop}: ${example} } }.`;

export const NEXTJS_SITE_PROP_HINTS: Record<string, string> = {
  customDomain: `${NOT_BEHIND_CLOUDFRONT}.`,
  openNextVersion:
    'nx-sst builds with the @opennextjs/aws installed for the site (tested with 4.1.12): pin that version in its devDependencies and remove openNextVersion.',
  edge: NEXTJS_NOT_TAKEN,
  imageOptimization: NEXTJS_NOT_TAKEN,
  warm: NEXTJS_NOT_TAKEN,
  regional: NEXTJS_NOT_TAKEN,
  assets: NEXTJS_NOT_TAKEN,
  invalidation: NEXTJS_NOT_TAKEN,
  waitForInvalidation: NEXTJS_NOT_TAKEN,
  experimental: NEXTJS_NOT_TAKEN,
  timeout: ON_SERVER_FUNCTION('timeout', 'cdk.Duration.seconds(30)'),
  memorySize: ON_SERVER_FUNCTION('memorySize', '2048'),
  runtime: ON_SERVER_FUNCTION('runtime', 'lambda.Runtime.NODEJS_22_X'),
  nodejs: NEXTJS_NOT_TAKEN,
  typesPath:
    "nx-sst writes the project's sst-env.d.ts itself, in the project root (nx run infra:types, or nx sync); remove typesPath.",
};

export const STATIC_SITE_PROP_HINTS: Record<string, string> = {
  customDomain: `${NOT_BEHIND_CLOUDFRONT}.`,
  assets: `${NOT_BEHIND_CLOUDFRONT} (the files are uploaded with their default cache headers).`,
  waitForInvalidation: `${NOT_BEHIND_CLOUDFRONT}.`,
  purgeFiles:
    "nx-sst always removes the files that are gone from the build (SST v2's default, purgeFiles: true); remove the prop.",
  replaceValues:
    'Values known only at deploy reach the build through environment, as {{ KEY }}, and are replaced in the uploaded files when the stack deploys: put them in environment instead.',
  typesPath:
    "nx-sst writes the project's sst-env.d.ts itself, in the project root (nx run infra:types, or nx sync); remove typesPath.",
};

/** SST v2's `cdk.*` escape hatches of sites nx-sst does not take: the constructs are on `site.cdk` after creation. */
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
