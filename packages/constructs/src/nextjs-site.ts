import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { type App, appOf } from './app';
import type { Bindable, BindingProps, BindingResource } from './binding';
import { checkedId, registerBindable } from './bindable';
import { BindingSet, type BindTarget, type FinalBindings, fitEnvironment } from './bind-target';
import { makeRoleAssumable, type Permission, toPolicyStatements } from './function';
import { rejectUnknownProps, resolveSitePath, validateSiteEnvironment } from './site-environment';
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
   * The site's URL while it is not really deployed.
   * @default { url: 'localhost' }
   */
  readonly dev?: { readonly url?: string };
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
     * Props passed to the server `lambda.Function` over ours.
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
  'dev',
  'cdk',
] as const satisfies readonly (keyof NextjsSiteProps)[];

// Answers every request while the site runs locally (`nx run web:dev`) instead of being deployed.
const PLACEHOLDER_SERVER = `exports.handler = async () => ({
  statusCode: 200,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: '<!doctype html><p>This Next.js site is not deployed on this stage. Run it locally with nx-sst bind.</p>',
});`;

/**
 * A Next.js site. Its server function carries the bindings, the `environment` and a role the account can
 * assume, so `nx-sst bind` runs `next dev` with exactly the deployed values and permissions. For now every
 * stage deploys it in placeholder mode (a stub server function, no build), as SST v2's dev mode does; the
 * OpenNext build and CloudFront distribution replace the stub in `mode: 'deployed'`.
 */
export class NextjsSite extends Construct implements Bindable, BindTarget {
  public static readonly bindingType = 'NextjsSite';

  public readonly id: string;
  public readonly targetId: string;
  public readonly targetKind = 'site' as const;
  /** Absolute path of the site. */
  public readonly targetPath: string;
  /** `placeholder`: a stub server function with the real env and role; nothing is built. */
  public readonly mode: 'placeholder' | 'deployed' = 'placeholder';
  /** The site's URL (`localhost` until it is really deployed). */
  public readonly url: string;
  public readonly cdk: { server: lambda.Function };

  private readonly app: App;
  private readonly bindings: BindingSet;
  private readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string, props: NextjsSiteProps = {}) {
    super(scope, checkedId(scope, id, 'NextjsSite', { nodeId: props?.cdk?.id }));
    this.id = id;
    this.targetId = id;
    const describe = `NextjsSite "${id}"`;
    const app = appOf(scope);
    this.app = app;
    rejectUnknownProps(props ?? {}, NEXTJS_SITE_PROPS, describe, NEXTJS_SITE_PROP_HINTS);
    rejectUnknownProps(props.cdk ?? {}, ['id', 'server'], `${describe} cdk`, SITE_CDK_PROP_HINTS);
    rejectUnknownProps(props.dev ?? {}, ['url'], `${describe} dev`, {
      deploy:
        'A NextjsSite is deployed as a placeholder server function on every stage for now; remove dev.deploy.',
    });
    this.targetPath = resolveSitePath(app.workspaceRoot, props?.path ?? '.', describe);
    this.environment = { ...props.environment };
    validateSiteEnvironment(this.environment, describe);
    this.url = props.dev?.url ?? 'localhost';
    const server = new lambda.Function(this, 'ServerFunction', {
      code: lambda.Code.fromInline(PLACEHOLDER_SERVER),
      handler: 'index.handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      description: `${id} server (placeholder)`,
      environment: this.environment,
      ...props.cdk?.server,
    });
    makeRoleAssumable(server.role as iam.Role, app.account);
    for (const s of toPolicyStatements(props.permissions ?? [], describe)) server.addToRolePolicy(s);
    this.cdk = { server };
    this.bindings = new BindingSet(describe);
    this.bindings.add(props.bind ?? []);
    registerBindable(this);
    app._registerTarget(this, 'NextjsSite');
  }

  public getBindings(): BindingProps {
    return {
      type: NextjsSite.bindingType,
      clientPackage: 'site',
      // Not deployed: the URL is a plain value. A deployed site will bind `site_url` (read from SSM) so that
      // a function never depends on a site in another stack.
      variables: { url: { type: 'plain', value: this.url } },
      permissions: [],
    };
  }

  public boundResources(): Bindable[] {
    return this.bindings.resources();
  }

  /** @internal */
  public _finalizeBindings(): FinalBindings {
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
