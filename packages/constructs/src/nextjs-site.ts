import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as cdk from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { type App, appOf } from './app';
import type { Bindable, BindingProps, BindingResource } from './binding';
import { checkedId, registerBindable } from './bindable';
import { bucketBehavior, siteDistribution, splitDeployTimeEnvironment, withDeployTimeValues } from './cdn';
import { BindingSet, type BindTarget, type FinalBindings, fitEnvironment } from './bind-target';
import { makeRoleAssumable, type Permission, toPolicyStatements } from './function';
import { rejectUnknownProps, resolveSitePath, validateSiteEnvironment } from './site-environment';
import {
  buildOpenNext,
  DeferredAssetCode,
  filesWithPlaceholders,
  type OpenNextOutput,
  readOpenNextOutput,
  SERVER_HANDLER,
  writeServerWrapper,
} from './open-next';
import { NEXTJS_SITE_PROP_HINTS, SITE_CDK_PROP_HINTS } from './site-props';

/** Props of {@link NextjsSite}. */
export interface NextjsSiteProps {
  /**
   * The Next.js app's folder, relative to the workspace root.
   * @default '.' (the workspace root, as SST v2's default of the app's folder)
   */
  readonly path?: string;
  /**
   * Constructs bound to the site's server code (and to `nx-sst bind` running `next dev`).
   * @default no bindings
   */
  readonly bind?: BindingResource[];
  /**
   * Environment of the server function, of the build and of `next dev` under `nx-sst bind`. Keys starting
   * with `NEXT_PUBLIC_` are the only ones Next.js inlines into browser code: give client components values
   * this way (`NEXT_PUBLIC_BUCKET_UPLOADS_BUCKET_NAME: uploads.bucketName`, the name
   * `nx g nx-sst:resource --bind web --client` writes), and server code through `bind`. A Secret is refused
   * under any key: in a `NEXT_PUBLIC_*` key it would reach every browser, in another it would be in a template.
   * @default none
   */
  readonly environment?: Record<string, string>;
  /**
   * Extra permissions of the server function's role.
   * @default none
   */
  readonly permissions?: Permission[];
  /**
   * Command run in `path` at synthesis instead of nx-sst's OpenNext build; it must write `.open-next` there
   * (for example `npx open-next build` with an open-next.config.ts of your own).
   * @default the `@opennextjs/aws` installed for the site runs `next build` and writes `.open-next`
   */
  readonly buildCommand?: string;
  /**
   * Folder of an OpenNext output already built (`.open-next`), relative to `path`: deployed as it is, nothing is
   * built. Values of `environment` known only at deploy must be in it as `{{ KEY }}` (build with those
   * placeholders in the environment).
   * @default the site is built at synthesis
   */
  readonly prebuilt?: string;
  /**
   * Local development: the URL bound while the site is not deployed, and whether to build and deploy it on
   * `local` too (served by the local cloud from its server function URL).
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
     * Props passed to the server `lambda.Function` over ours (code and handler come from the build).
     * @default none
     */
    readonly server?: Partial<Omit<lambda.FunctionProps, 'code' | 'handler' | 'role'>>;
  };
}

const NEXTJS_SITE_PROPS = [
  'path',
  'bind',
  'environment',
  'permissions',
  'buildCommand',
  'prebuilt',
  'dev',
  'cdk',
] as const satisfies readonly (keyof NextjsSiteProps)[];

// Answers every request while the site runs locally (`nx run web:dev`) instead of being deployed.
const PLACEHOLDER_SERVER = `exports.handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: '<!doctype html><p>This Next.js site is not deployed on this stage. Run it locally with nx-sst bind.</p>',
});`;

// Headers Next.js varies its answers on (RSC payloads, prefetches): part of the cache key of server answers.
const SERVER_CACHE_HEADERS = [
  'accept',
  'rsc',
  'next-router-prefetch',
  'next-router-state-tree',
  'next-url',
  'x-prerender-revalidate',
];

// CloudFront replaces the Host header with the function URL's; Next.js builds absolute URLs (redirects,
// metadata) from x-forwarded-host, which OpenNext reads.
const FORWARD_HOST = `function handler(event) {
  var request = event.request;
  request.headers['x-forwarded-host'] = request.headers.host;
  return request;
}`;

/**
 * The host form of a local cloud function URL, `http://URL_ID.lambda-url.localhost:PORT/`, from the path form
 * moto gives it (`http://127.0.0.1:PORT/_aws/lambda-url/URL_ID/`). A browser must open a Next.js page there:
 * under the path form the page's absolute `/_next/…` paths would leave the function.
 */
function localHostForm(pathForm: string): string {
  const parts = cdk.Fn.split('/', pathForm); // http:, '', HOST:PORT, _aws, lambda-url, URL_ID, ''
  const port = cdk.Fn.select(1, cdk.Fn.split(':', cdk.Fn.select(2, parts)));
  return cdk.Fn.join('', ['http://', cdk.Fn.select(5, parts), '.lambda-url.localhost:', port, '/']);
}

/**
 * A Next.js site. Its server function carries the bindings, the `environment` and a role the account can
 * assume, so `nx-sst bind` runs `next dev` with exactly the deployed values and permissions.
 *
 * On the `local` stage (unless `dev.deploy`) the site is not built: the server function is a stub, as in SST
 * v2's dev mode. Elsewhere the app is built with OpenNext at synthesis and deployed: the server function (with
 * the bindings), the image optimizer, the revalidation queue and tag cache when the build uses them, the static
 * assets in an S3 bucket, and, off the local cloud, a CloudFront distribution in front.
 */
export class NextjsSite extends Construct implements Bindable, BindTarget {
  public static readonly bindingType = 'NextjsSite';

  public readonly id: string;
  public readonly targetId: string;
  public readonly targetKind = 'site' as const;
  /** Absolute path of the site. */
  public readonly targetPath: string;
  /** `placeholder`: a stub server function with the real env and role; nothing is built. */
  public readonly mode: 'placeholder' | 'deployed';
  /**
   * The site's URL: CloudFront's; on the local cloud the host form of the server function URL,
   * `http://URL_ID.lambda-url.localhost:PORT/`; `localhost` (or `dev.url`) when not deployed.
   */
  public readonly url: string;
  public readonly cdk: {
    server: lambda.Function;
    bucket?: s3.Bucket;
    serverUrl?: lambda.FunctionUrl;
    imageOptimizer?: lambda.Function;
    revalidationQueue?: sqs.Queue;
    revalidation?: lambda.Function;
    tagCache?: dynamodb.Table;
    distribution?: cloudfront.Distribution;
    deployments?: s3deploy.BucketDeployment[];
  };

  private readonly app: App;
  private readonly props: NextjsSiteProps;
  private readonly bindings: BindingSet;
  private readonly environment: Record<string, string>;
  private readonly codes: {
    server?: DeferredAssetCode;
    image?: DeferredAssetCode;
    revalidation?: DeferredAssetCode;
    init?: DeferredAssetCode;
  } = {};
  private output?: OpenNextOutput;
  private built = false;

  constructor(scope: Construct, id: string, props: NextjsSiteProps = {}) {
    super(scope, checkedId(scope, id, 'NextjsSite', { nodeId: props?.cdk?.id }));
    this.id = id;
    this.targetId = id;
    const describe = `NextjsSite "${id}"`;
    const app = appOf(scope);
    this.app = app;
    this.props = props;
    rejectUnknownProps(props ?? {}, NEXTJS_SITE_PROPS, describe, NEXTJS_SITE_PROP_HINTS);
    rejectUnknownProps(props.cdk ?? {}, ['id', 'server'], `${describe} cdk`, SITE_CDK_PROP_HINTS);
    rejectUnknownProps(props.dev ?? {}, ['url', 'deploy'], `${describe} dev`);
    this.targetPath = resolveSitePath(app.workspaceRoot, props?.path ?? '.', describe);
    this.environment = { ...props.environment };
    validateSiteEnvironment(this.environment, describe);
    this.mode = app.stage === 'local' && !props.dev?.deploy ? 'placeholder' : 'deployed';
    if (this.mode === 'placeholder') {
      this.url = props.dev?.url ?? 'localhost';
      const server = new lambda.Function(this, 'ServerFunction', {
        code: lambda.Code.fromInline(PLACEHOLDER_SERVER),
        handler: 'index.handler',
        runtime: lambda.Runtime.NODEJS_22_X,
        description: `${id} server (placeholder)`,
        environment: this.environment,
        ...props.cdk?.server,
      });
      this.cdk = { server };
    } else {
      this.cdk = this.createDeployed(describe);
      this.url = this.cdk.distribution
        ? `https://${this.cdk.distribution.distributionDomainName}`
        : localHostForm(this.cdk.serverUrl!.url);
    }
    const server = this.cdk.server;
    makeRoleAssumable(server.role as iam.Role, app.account);
    for (const s of toPolicyStatements(props.permissions ?? [], describe)) server.addToRolePolicy(s);
    this.bindings = new BindingSet(describe);
    this.bindings.add(props.bind ?? []);
    registerBindable(this);
    app._registerTarget(this, 'NextjsSite');
  }

  /**
   * The resources of a deployed site. Their code and files come from the OpenNext build, which runs at
   * synthesis (`_finalizeBindings`), so that listing the app's bindings never builds it.
   */
  private createDeployed(describe: string): NextjsSite['cdk'] {
    const stack = cdk.Stack.of(this);
    const onAws = this.app.stage !== 'local';
    const destroy = this.app._defaultRemovalPolicy === 'destroy';
    const bucket = new s3.Bucket(this, 'Assets', {
      blockPublicAccess: onAws ? s3.BlockPublicAccess.BLOCK_ALL : s3.BlockPublicAccess.BLOCK_ACLS_ONLY,
      enforceSSL: onAws,
      ...(destroy ? { removalPolicy: cdk.RemovalPolicy.DESTROY, autoDeleteObjects: true } : {}),
    });
    this.codes.server = new DeferredAssetCode(`${describe} server function`);
    const server = new lambda.Function(this, 'ServerFunction', {
      code: this.codes.server,
      handler: SERVER_HANDLER,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.X86_64,
      memorySize: 1024,
      timeout: cdk.Duration.seconds(10),
      description: `${this.id} server`,
      environment: {
        ...this.environment,
        CACHE_BUCKET_NAME: bucket.bucketName,
        CACHE_BUCKET_KEY_PREFIX: '_cache',
        CACHE_BUCKET_REGION: stack.region,
      },
      ...this.props.cdk?.server,
    });
    bucket.grantReadWrite(server);
    const serverUrl = server.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    const parts: NextjsSite['cdk'] = { server, bucket, serverUrl, deployments: [] };

    this.codes.image = new DeferredAssetCode(`${describe} image optimization function`);
    const imageOptimizer = new lambda.Function(this, 'ImageFunction', {
      code: this.codes.image,
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.X86_64,
      memorySize: 1536,
      timeout: cdk.Duration.seconds(25),
      description: `${this.id} image optimization`,
      environment: { BUCKET_NAME: bucket.bucketName, BUCKET_KEY_PREFIX: '_assets' },
    });
    bucket.grantRead(imageOptimizer);
    const imageUrl = imageOptimizer.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.NONE });
    parts.imageOptimizer = imageOptimizer;

    if (!onAws) {
      // No CloudFront on the local cloud: the server function forwards `_next/image*` to the image optimizer
      // (its wrapper, on local only), and browsers load the assets from the local S3 without a signature.
      server.addEnvironment('NX_SST_LOCAL_IMAGE_URL', imageUrl.url);
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject'],
          principals: [new iam.AnyPrincipal()],
          resources: [bucket.arnForObjects('_assets/*')],
        }),
      );
      return parts;
    }
    const forwardHost = new cloudfront.Function(this, 'ForwardHost', {
      code: cloudfront.FunctionCode.fromInline(FORWARD_HOST),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
    });
    const serverCachePolicy = new cloudfront.CachePolicy(this, 'ServerCache', {
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
      headerBehavior: cloudfront.CacheHeaderBehavior.allowList(...SERVER_CACHE_HEADERS),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      defaultTtl: cdk.Duration.days(0),
      maxTtl: cdk.Duration.days(365),
      minTtl: cdk.Duration.days(0),
      enableAcceptEncodingBrotli: true,
      enableAcceptEncodingGzip: true,
    });
    this.serverBehavior = {
      origin: new origins.FunctionUrlOrigin(serverUrl),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
      compress: true,
      cachePolicy: serverCachePolicy,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      functionAssociations: [
        { function: forwardHost, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
      ],
    };
    this.assetBehavior = bucketBehavior(bucket, { originPath: '/_assets', methods: 'get-head-options' });
    this.imageBehavior = {
      origin: new origins.FunctionUrlOrigin(imageUrl),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD_OPTIONS,
      compress: true,
      cachePolicy: new cloudfront.CachePolicy(this, 'ImageCache', {
        queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
        headerBehavior: cloudfront.CacheHeaderBehavior.allowList('accept'),
        cookieBehavior: cloudfront.CacheCookieBehavior.none(),
        defaultTtl: cdk.Duration.days(1),
        maxTtl: cdk.Duration.days(365),
        minTtl: cdk.Duration.days(0),
      }),
    };
    parts.distribution = siteDistribution(this, this.app, this.id, { defaultBehavior: this.serverBehavior });
    return parts;
  }

  private serverBehavior?: cloudfront.BehaviorOptions;
  private assetBehavior?: cloudfront.BehaviorOptions;
  private imageBehavior?: cloudfront.BehaviorOptions;

  /** Builds the site (or reads `prebuilt`) and gives the deployed resources their code, files and behaviours. */
  private deploy(): void {
    if (this.built) return;
    this.built = true;
    const describe = `NextjsSite "${this.id}"`;
    const { buildEnv, deployTime } = splitDeployTimeEnvironment(this.environment);
    const dir = this.props.prebuilt
      ? path.resolve(this.targetPath, this.props.prebuilt)
      : buildOpenNext(this.targetPath, this.app.workspaceRoot, buildEnv, describe, this.props.buildCommand);
    const output = readOpenNextOutput(dir, describe);
    if (output.assetsPrefix !== '_assets') {
      throw new Error(
        `${describe}: the OpenNext output uploads its assets to "${output.assetsPrefix}"; nx-sst serves them from "_assets", where @opennextjs/aws 4 puts them.`,
      );
    }
    this.output = output;
    const keys = Object.keys(deployTime);
    const { server, bucket } = this.cdk;

    const assetsDir = output.copies.find((c) => c.to === output.assetsPrefix)!.from;
    const assetNames = fs.existsSync(assetsDir) ? fs.readdirSync(assetsDir).sort() : [];
    const { notReplaced } = writeServerWrapper(output.server.bundle, output.server.handler, keys, assetNames);
    if (!this.cdk.distribution) server.addEnvironment('NX_SST_LOCAL_ASSETS', output.assetsPrefix);
    if (notReplaced.length) {
      cdk.Annotations.of(this).addWarningV2(
        'nx-sst:nextjs-placeholder-not-replaced',
        `${describe}: ${notReplaced.join(', ')} in the server function hold {{ KEY }} placeholders of deploy-time values; only JavaScript modules get the deployed value.`,
      );
    }
    this.codes.server!.setAsset(new s3assets.Asset(this, 'ServerCode', { path: output.server.bundle }));
    if (output.server.streaming) {
      (this.cdk.serverUrl!.node.defaultChild as lambda.CfnUrl).addPropertyOverride(
        'InvokeMode',
        'RESPONSE_STREAM',
      );
    }

    if (!output.imageOptimizer)
      throw new Error(`${describe}: the OpenNext output has no image optimization function.`);
    this.codes.image!.setAsset(new s3assets.Asset(this, 'ImageCode', { path: output.imageOptimizer.bundle }));

    if (output.queue) {
      const queue = new sqs.Queue(this, 'RevalidationQueue', {
        fifo: true,
        receiveMessageWaitTime: cdk.Duration.seconds(20),
      });
      queue.grantSendMessages(server);
      server.addEnvironment('REVALIDATION_QUEUE_URL', queue.queueUrl);
      server.addEnvironment('REVALIDATION_QUEUE_REGION', cdk.Stack.of(this).region);
      this.cdk.revalidationQueue = queue;
      if (output.revalidation) {
        const revalidation = new lambda.Function(this, 'RevalidationFunction', {
          code: lambda.Code.fromAsset(output.revalidation.bundle),
          handler: output.revalidation.handler,
          runtime: lambda.Runtime.NODEJS_22_X,
          timeout: cdk.Duration.seconds(30),
          description: `${this.id} revalidation`,
        });
        revalidation.addEventSource(new lambdaEvents.SqsEventSource(queue, { batchSize: 5 }));
        this.cdk.revalidation = revalidation;
      }
    }
    if (output.tagCache) {
      const table = new dynamodb.Table(this, 'TagCache', {
        partitionKey: { name: 'tag', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'path', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        ...(this.app._defaultRemovalPolicy === 'destroy' ? { removalPolicy: cdk.RemovalPolicy.DESTROY } : {}),
      });
      table.addGlobalSecondaryIndex({
        indexName: 'revalidate',
        partitionKey: { name: 'path', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'revalidatedAt', type: dynamodb.AttributeType.NUMBER },
      });
      table.grantReadWriteData(server);
      server.addEnvironment('CACHE_DYNAMO_TABLE', table.tableName);
      this.cdk.tagCache = table;
      if (output.initialization && this.cdk.distribution) this.seedTagCache(table, output.initialization);
      else if (output.initialization) this.seedTagCacheLocally(table, output.initialization);
    }

    for (const copy of output.copies) this.upload(bucket!, copy, deployTime);

    const distribution = this.cdk.distribution;
    if (distribution) {
      const behaviorOf = {
        s3: this.assetBehavior!,
        default: this.serverBehavior!,
        imageOptimizer: this.imageBehavior!,
      };
      const patterns = new Map<string, cloudfront.BehaviorOptions>();
      for (const b of output.behaviors) if (b.pattern !== '*') patterns.set(b.pattern, behaviorOf[b.origin]);
      // Files of public/ sit at the root of the assets: each top-level name goes to S3.
      for (const entry of fs.readdirSync(assetsDir, { withFileTypes: true })) {
        const pattern = entry.isDirectory() ? `${entry.name}/*` : entry.name;
        if (entry.name === '_next' || patterns.has(pattern)) continue;
        patterns.set(pattern, this.assetBehavior!);
      }
      if (patterns.size > 24) {
        throw new Error(
          `${describe}: CloudFront allows 25 behaviours and this site needs ${patterns.size + 1} (one per file or folder at the top of public/). Move files of public/ into folders.`,
        );
      }
      for (const [pattern, behavior] of patterns)
        distribution.addBehavior(pattern, behavior.origin, behavior);
    }
  }

  /** Uploads one folder of the output, with the deploy-time values in place of their placeholders. */
  private upload(
    bucket: s3.Bucket,
    copy: OpenNextOutput['copies'][number],
    deployTime: Record<string, string>,
  ): void {
    const keys = Object.keys(deployTime);
    const replaced = filesWithPlaceholders(copy.from, keys);
    const data = replaced.map((rel) => {
      const content = withDeployTimeValues(fs.readFileSync(path.join(copy.from, rel), 'utf8'), deployTime);
      return s3deploy.Source.data(rel, content);
    });
    const sources = (exclude: string[]) => [
      s3deploy.Source.asset(copy.from, { exclude: [...exclude, ...replaced] }),
      ...data,
    ];
    const name = copy.to.replace(/[^a-zA-Z0-9]/g, '') || 'Root';
    const deployment = (id: string, options: Partial<s3deploy.BucketDeploymentProps>) => {
      const d = new s3deploy.BucketDeployment(this, id, {
        destinationBucket: bucket,
        destinationKeyPrefix: copy.to,
        sources: sources([]),
        prune: true,
        memoryLimit: 1024,
        ...(this.cdk.distribution && copy.cached
          ? { distribution: this.cdk.distribution, distributionPaths: ['/*'] }
          : {}),
        ...options,
      });
      this.cdk.deployments!.push(d);
      return d;
    };
    if (copy.cached && copy.versionedSubDir) {
      // Hashed file names never change content: cached for a year. The rest revalidates at CloudFront.
      const versioned = `${copy.versionedSubDir}/*`;
      deployment(`Deploy${name}Versioned`, {
        exclude: ['*'],
        include: [versioned],
        cacheControl: [s3deploy.CacheControl.fromString('public,max-age=31536000,immutable')],
        distribution: undefined,
        distributionPaths: undefined,
      });
      deployment(`Deploy${name}`, {
        exclude: [versioned],
        cacheControl: [
          s3deploy.CacheControl.fromString('public,max-age=0,s-maxage=31536000,must-revalidate'),
        ],
      });
    } else {
      deployment(`Deploy${name}`, {});
    }
  }

  /** OpenNext's initialization function writes the build's tags into the tag cache when the stack deploys. */
  private seedTagCache(table: dynamodb.Table, init: { bundle: string; handler: string }): void {
    const fn = new lambda.Function(this, 'TagCacheSeedFunction', {
      code: lambda.Code.fromAsset(init.bundle),
      handler: init.handler,
      runtime: lambda.Runtime.NODEJS_22_X,
      timeout: cdk.Duration.minutes(15),
      memorySize: 256,
      description: `${this.id} tag cache seed`,
      environment: { CACHE_DYNAMO_TABLE: table.tableName },
    });
    table.grantWriteData(fn);
    const seed = path.join(init.bundle, 'dynamodb-cache.json');
    const tags = fs.existsSync(seed)
      ? crypto.createHash('sha256').update(fs.readFileSync(seed)).digest('hex').slice(0, 16)
      : 'none';
    const invoke = (requestType: string): cr.AwsSdkCall => ({
      service: 'Lambda',
      action: 'invoke',
      parameters: { FunctionName: fn.functionName, Payload: JSON.stringify({ requestType }) },
      // New tags, new id: CloudFormation runs the call again when the build's tags change.
      physicalResourceId: cr.PhysicalResourceId.of(`${this.id}-tag-cache-${tags}`),
    });
    new cr.AwsCustomResource(this, 'TagCacheSeed', {
      onCreate: invoke('create'),
      onUpdate: invoke('update'),
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [fn.functionArn] }),
      ]),
      installLatestAwsSdk: false,
    });
  }

  /**
   * On the local cloud, which runs no custom resource's Lambda, the tags are written by the call itself:
   * a DynamoDB BatchWriteItem of the items OpenNext's initialization function would write (its
   * dynamodb-cache.json), which the local cloud performs for `Custom::AWS`.
   */
  private seedTagCacheLocally(table: dynamodb.Table, init: { bundle: string }): void {
    const seed = path.join(init.bundle, 'dynamodb-cache.json');
    if (!fs.existsSync(seed)) return;
    const text = fs.readFileSync(seed, 'utf8');
    const items = JSON.parse(text) as Record<string, unknown>[];
    if (!Array.isArray(items) || items.length === 0) return;
    const tags = crypto.createHash('sha256').update(text).digest('hex').slice(0, 16);
    const write: cr.AwsSdkCall = {
      service: 'DynamoDB',
      action: 'batchWriteItem',
      parameters: { RequestItems: { [table.tableName]: items.map((Item) => ({ PutRequest: { Item } })) } },
      physicalResourceId: cr.PhysicalResourceId.of(`${this.id}-tag-cache-${tags}`),
    };
    new cr.AwsCustomResource(this, 'TagCacheSeed', {
      onCreate: write,
      onUpdate: write,
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['dynamodb:BatchWriteItem'], resources: [table.tableArn] }),
      ]),
      installLatestAwsSdk: false,
    });
  }

  public getBindings(): BindingProps {
    return {
      type: NextjsSite.bindingType,
      clientPackage: 'site',
      variables: { url: { type: 'plain', value: this.url } },
      permissions: [],
    };
  }

  public boundResources(): Bindable[] {
    return this.bindings.resources();
  }

  /** @internal */
  public _finalizeBindings(): FinalBindings {
    if (this.mode === 'deployed') this.deploy();
    const server = this.cdk.server;
    const { env, extraStatements, compact } = fitEnvironment(
      this.app,
      this,
      this.bindings.environment(this.app),
      this.environment,
      `NextjsSite "${this.id}"`,
    );
    for (const [k, v] of Object.entries(env)) server.addEnvironment(k, v);
    for (const s of [...this.bindings.statements(), ...extraStatements]) server.addToRolePolicy(s);
    return { env: { ...this.environment, ...env }, roleArn: server.role!.roleArn, compact };
  }
}
