import { execSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { type App, appOf } from './app';
import type { Bindable, BindingProps } from './binding';
import { checkedId, registerBindable } from './bindable';
import { bucketBehavior, siteDistribution, splitDeployTimeEnvironment, withDeployTimeValues } from './cdn';
import type { BindTarget } from './bind-target';
import {
  bindToEnvironmentHint,
  rejectUnknownProps,
  resolveSitePath,
  validateSiteEnvironment,
  validateViteEnvironment,
  viteConfigIn,
} from './site-environment';
import { SITE_CDK_PROP_HINTS, STATIC_SITE_PROP_HINTS, STATIC_SITE_VITE_PROP_HINTS } from './site-props';

/** Props of {@link StaticSite}. */
export interface StaticSiteProps {
  /**
   * The site's folder, relative to the workspace root.
   * @default '.' (the workspace root, as SST v2's default of the app's folder)
   */
  readonly path?: string;
  /**
   * Command run in `path` to build the site, at synthesis.
   * @default no build: `buildOutput` (or `path`) is uploaded as it is
   */
  readonly buildCommand?: string;
  /**
   * Folder of the built files, relative to `path`.
   * @default `path` itself
   */
  readonly buildOutput?: string;
  /**
   * Environment of the build, and of the local dev server under `nx-sst bind`: how browser code gets values
   * (a static site has no server code, so it takes no `bind`). Values known only at deploy (`api.url`) reach
   * the build as `{{ KEY }}` and are replaced in the uploaded files when the stack deploys. In a Vite app
   * (a `vite.config.*` in `path`) such a value must have a key Vite inlines into browser code, `VITE_*`
   * (see `vite`); plain strings may have any key. A Secret is refused under any key: it would reach every
   * browser. `nx g nx-sst:resource --bind` writes entries named `VITE_{TYPE}_{ID}_{PROP}`
   * (`VITE_BUCKET_UPLOADS_BUCKET_NAME: uploadsBucket.bucketName`).
   * @default none
   */
  readonly environment?: Record<string, string>;
  /**
   * For a Vite app: the `envPrefix` of its vite.config, when it is not Vite's default. Keys of `environment`
   * holding values known only at deploy must start with one of them.
   * @default { envPrefix: 'VITE_' } when `path` holds a `vite.config.*`
   */
  readonly vite?: { readonly envPrefix?: string | string[] };
  /**
   * Index document.
   * @default 'index.html'
   */
  readonly indexPage?: string;
  /**
   * Error document; `redirect_to_index_page` serves the index for single-page apps.
   * @default 'redirect_to_index_page'
   */
  readonly errorPage?: string;
  /**
   * Local development: the URL bound while the site is not deployed, and whether to deploy it on `local`.
   * @default { url: 'localhost', deploy: false }
   */
  readonly dev?: { readonly url?: string; readonly deploy?: boolean };
  /**
   * Escape hatches into the underlying CDK constructs.
   * @default none
   */
  readonly cdk?: {
    /**
     * CDK node id, when it must differ from the binding id.
     * @default the id
     */
    readonly id?: string;
    /**
     * Props passed to `s3.Bucket` over ours.
     * @default none
     */
    readonly bucket?: s3.BucketProps;
  };
}

const STATIC_SITE_PROPS = [
  'path',
  'buildCommand',
  'buildOutput',
  'environment',
  'vite',
  'indexPage',
  'errorPage',
  'dev',
  'cdk',
] as const satisfies readonly (keyof StaticSiteProps)[];

/**
 * A static website (Vite, plain HTML…) in an S3 bucket behind a CloudFront distribution (on the local cloud,
 * with `dev.deploy`, the bucket's website hosting instead). Binds `url`. On the `local` stage it is not built or
 * deployed (unless `dev.deploy`): it runs locally and its `url` is `localhost`. It is also a bind target without
 * a role, so `nx-sst bind` gives `vite dev` the same `environment`.
 */
export class StaticSite extends Construct implements Bindable, BindTarget {
  public static readonly bindingType = 'StaticSite';

  public readonly id: string;
  public readonly targetId: string;
  public readonly targetKind = 'site' as const;
  public readonly targetPath: string;
  public readonly mode: 'placeholder' | 'deployed';
  public readonly url: string;
  public readonly cdk: {
    bucket?: s3.Bucket;
    deployment?: s3deploy.BucketDeployment;
    distribution?: cloudfront.Distribution;
  };

  private readonly app: App;
  private readonly props: StaticSiteProps;
  private readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: StaticSiteProps = {}) {
    super(scope, checkedId(scope, id, 'StaticSite', { nodeId: props?.cdk?.id }));
    this.id = id;
    this.targetId = id;
    const describe = `StaticSite "${id}"`;
    const app = appOf(scope);
    this.app = app;
    this.props = props;
    const viteApp = !!props?.vite || !!viteConfigIn(path.resolve(app.workspaceRoot, props?.path ?? '.'));
    const envPrefix = [props?.vite?.envPrefix ?? 'VITE_'].flat();
    rejectUnknownProps(props ?? {}, STATIC_SITE_PROPS, describe, {
      ...STATIC_SITE_PROP_HINTS,
      bind: bindToEnvironmentHint((props as { bind?: unknown } | undefined)?.bind, envPrefix[0]),
    });
    rejectUnknownProps(props.vite ?? {}, ['envPrefix'], `${describe} vite`, STATIC_SITE_VITE_PROP_HINTS);
    rejectUnknownProps(props.cdk ?? {}, ['id', 'bucket'], `${describe} cdk`, SITE_CDK_PROP_HINTS);
    rejectUnknownProps(props.dev ?? {}, ['url', 'deploy'], `${describe} dev`);
    this.targetPath = resolveSitePath(app.workspaceRoot, props?.path ?? '.', describe);
    this.environment = { ...props.environment };
    validateSiteEnvironment(this.environment, describe);
    if (viteApp) validateViteEnvironment(this.environment, envPrefix, describe);
    this.mode = app.stage === 'local' && !props.dev?.deploy ? 'placeholder' : 'deployed';
    this.cdk = {};
    if (this.mode === 'deployed') {
      const indexPage = props.indexPage ?? 'index.html';
      const spa = !props.errorPage || props.errorPage === 'redirect_to_index_page';
      const removal =
        app._defaultRemovalPolicy === 'destroy'
          ? { removalPolicy: cdk.RemovalPolicy.DESTROY, autoDeleteObjects: true }
          : {};
      if (app.stage === 'local') {
        // The local cloud has no CloudFront: the bucket's website hosting and public read, as SST v2's
        // sites were before CloudFront.
        const bucket = new s3.Bucket(this, 'Bucket', {
          websiteIndexDocument: indexPage,
          websiteErrorDocument: spa ? indexPage : props.errorPage,
          publicReadAccess: true,
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY,
          ...removal,
          ...props.cdk?.bucket,
        });
        this.cdk.bucket = bucket;
        this.url = bucket.bucketWebsiteUrl;
      } else {
        const bucket = new s3.Bucket(this, 'Bucket', {
          blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
          enforceSSL: true,
          ...removal,
          ...props.cdk?.bucket,
        });
        // S3 answers 403 for a missing key to CloudFront (it may not list the bucket): both mean "not found".
        const errorResponses = [403, 404].map((httpStatus) =>
          spa
            ? {
                httpStatus,
                responseHttpStatus: 200,
                responsePagePath: `/${indexPage}`,
                ttl: cdk.Duration.seconds(0),
              }
            : {
                httpStatus,
                responseHttpStatus: 404,
                responsePagePath: `/${props.errorPage}`,
                ttl: cdk.Duration.seconds(0),
              },
        );
        const distribution = siteDistribution(this, app, id, {
          defaultRootObject: indexPage,
          defaultBehavior: bucketBehavior(bucket),
          errorResponses,
        });
        this.cdk.bucket = bucket;
        this.cdk.distribution = distribution;
        this.url = `https://${distribution.distributionDomainName}`;
      }
    } else {
      this.url = props.dev?.url ?? 'localhost';
    }
    registerBindable(this);
    app._registerTarget(this, 'StaticSite');
  }

  public getBindings(): BindingProps {
    return {
      type: StaticSite.bindingType,
      clientPackage: 'site',
      variables: { url: { type: 'plain', value: this.url } },
      permissions: [],
    };
  }

  public boundResources(): Bindable[] {
    return [];
  }

  /** Builds and uploads the site (deployed mode) and returns its environment for `nx-sst bind`. @internal */
  public _finalizeBindings(): { env: Record<string, string> } {
    if (this.mode === 'deployed') this.deploy();
    return { env: { ...this.environment } };
  }

  private deploy(): void {
    const describe = `StaticSite "${this.id}"`;
    const { buildEnv, deployTime } = splitDeployTimeEnvironment(this.environment);
    if (this.props.buildCommand) {
      try {
        execSync(this.props.buildCommand, {
          cwd: this.targetPath,
          env: { ...process.env, ...buildEnv },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (err) {
        const e = err as { stderr?: Buffer; stdout?: Buffer; status?: number };
        const output = `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`
          .trim()
          .split('\n')
          .slice(-20)
          .join('\n');
        throw new Error(
          `${describe}: build command "${this.props.buildCommand}" failed in ${this.targetPath} (exit ${e.status}):\n${output}`,
        );
      }
    }
    const outDir = path.resolve(this.targetPath, this.props.buildOutput ?? '.');
    if (!fs.existsSync(outDir) || !fs.statSync(outDir).isDirectory()) {
      throw new Error(
        `${describe}: build output "${this.props.buildOutput ?? '.'}" does not exist in ${this.targetPath} after the build. Set buildOutput to the folder your build writes (e.g. "dist").`,
      );
    }
    // Files that hold a `{{ KEY }}` placeholder are uploaded as data with the deploy-time values in place
    // (S3 deployment substitutes them when the stack deploys); the rest is uploaded as it is.
    const replaced: string[] = [];
    const sources: s3deploy.ISource[] = [];
    const keys = Object.keys(deployTime);
    if (keys.length) {
      for (const file of listFiles(outDir)) {
        const rel = path.relative(outDir, file).split(path.sep).join('/');
        const buffer = fs.readFileSync(file);
        if (buffer.includes(0)) continue;
        const text = buffer.toString('utf8');
        if (!keys.some((k) => text.includes(`{{ ${k} }}`))) continue;
        sources.push(s3deploy.Source.data(rel, withDeployTimeValues(text, deployTime)));
        replaced.push(rel);
      }
    }
    sources.unshift(s3deploy.Source.asset(outDir, { exclude: replaced }));
    this.cdk.deployment = new s3deploy.BucketDeployment(this, 'Deployment', {
      destinationBucket: this.cdk.bucket!,
      sources,
      prune: true,
      // A deploy changes what CloudFront has cached: invalidated, as SST v2 did.
      ...(this.cdk.distribution ? { distribution: this.cdk.distribution, distributionPaths: ['/*'] } : {}),
    });
  }
}

function listFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name));
}
