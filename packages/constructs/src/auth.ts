import * as cdk from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { Api } from './api';
import { appOf } from './app';
import { checkedId, registerBindable } from './bindable';
import {
  type Bindable,
  type BindingProps,
  envKeyFor,
  parameterArn,
  parameterPathFor,
  PLACEHOLDER_SSM,
} from './binding';
import { Function, type FunctionDefinition } from './function';
import { rejectUnknownProps } from './site-environment';

export interface AuthProps {
  /** The function that runs the sign-in flows: a handler string, Function props or a Function. */
  readonly authenticator: FunctionDefinition;
  readonly cdk?: {
    /** The construct id in the tree, when it must differ from the id users read (`Auth.<id>`). */
    readonly id?: string;
  };
}

export interface AuthAttachProps {
  /** The Api whose routes serve the authenticator and get the Auth bound. */
  readonly api: Api;
  /**
   * Where the authenticator's routes are mounted: `GET {prefix}` and `ANY {prefix}/{proxy+}`.
   * @default "/auth"
   */
  readonly prefix?: string;
}

/** The custom resource that generates the key pair into SSM (also emulated by the local cloud). */
export const AUTH_KEYS_RESOURCE_TYPE = 'Custom::NxSstAuthKeys';

// Runs in Lambda (nodejs22.x, whose SDK v3 it uses). It writes the key pair straight into SecureString
// parameters, so the private key exists only in SSM: never in a template, a response or a log line.
/** @internal The provider's source, exported for the spec that runs it against the local cloud. */
export const AUTH_KEYS_HANDLER = `
const { SSMClient, PutParameterCommand, GetParameterCommand, DeleteParametersCommand } = require('@aws-sdk/client-ssm');
const { generateKeyPairSync } = require('node:crypto');
const http = require('node:http');
const https = require('node:https');
const ssm = new SSMClient({});
const put = (name, value) => ssm.send(new PutParameterCommand({ Name: name, Value: value, Type: 'SecureString', Overwrite: true }));
async function read(name) {
  try { return (await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }))).Parameter.Value; }
  catch (e) { if (e.name === 'ParameterNotFound') return undefined; throw e; }
}
async function generate(p) {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  await put(p.PrivateKeyParameter, privateKey);
  await put(p.PublicKeyParameter, publicKey);
}
async function move(p, old) {
  const [publicKey, privateKey] = await Promise.all([read(old.PublicKeyParameter), read(old.PrivateKeyParameter)]);
  if (publicKey === undefined || privateKey === undefined) return generate(p);
  await put(p.PrivateKeyParameter, privateKey);
  await put(p.PublicKeyParameter, publicKey);
}
function respond(event, status, reason, physicalId) {
  const body = JSON.stringify({ Status: status, Reason: reason, PhysicalResourceId: physicalId, StackId: event.StackId,
    RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId, Data: {} });
  const url = new URL(event.ResponseURL);
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'http:' ? http : https).request({ port: url.port || undefined, hostname: url.hostname, path: url.pathname + url.search, method: 'PUT',
      headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } }, (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}
exports.handler = async (event) => {
  const p = event.ResourceProperties;
  const physicalId = p.PublicKeyParameter;
  let status = 'SUCCESS', reason = 'ok';
  try {
    if (event.RequestType === 'Create') await generate(p);
    else if (event.RequestType === 'Update') {
      const old = event.OldResourceProperties;
      if (old.PublicKeyParameter !== p.PublicKeyParameter || old.PrivateKeyParameter !== p.PrivateKeyParameter) await move(p, old);
    } else if (event.RequestType === 'Delete' && event.PhysicalResourceId === physicalId) {
      await ssm.send(new DeleteParametersCommand({ Names: [p.PublicKeyParameter, p.PrivateKeyParameter] }));
    }
  } catch (e) {
    status = 'FAILED';
    reason = String((e && e.name) || 'Error') + ': ' + String((e && e.message) || e);
  }
  await respond(event, status, reason, event.RequestType === 'Delete' ? event.PhysicalResourceId : physicalId);
};
`;

const COGNITO_PROPS = ['defaults', 'login', 'triggers', 'identityPoolFederation'];

/**
 * SST v2's Auth: an authenticator function mounted on an Api, and an RSA key pair it signs sessions
 * with. The key pair is generated at deploy into SecureString parameters `{prefix}Auth/{id}/publicKey`
 * and `…/privateKey` (a custom resource; never in a template). Binding the Auth gives code
 * `Auth.<id>.publicKey` (read from SSM at cold start) to verify sessions with `@nx-sst/runtime/auth`.
 */
export class Auth extends Construct implements Bindable {
  public static readonly bindingType = 'Auth';

  public readonly id: string;
  /** SecureString parameter of the public key. */
  public readonly publicKeyParameterName: string;
  /** SecureString parameter of the private key (only the authenticator reads it). */
  public readonly privateKeyParameterName: string;

  private readonly authenticatorDefinition: FunctionDefinition;
  private authenticator?: Function;
  private prefix?: string;
  private readonly apis = new Set<Api>();

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, checkedId(scope, id, 'Auth', { nodeId: props?.cdk?.id }));
    this.id = id;
    const given = (props ?? {}) as unknown as Record<string, unknown>;
    const cognito = COGNITO_PROPS.filter((p) => p in given);
    if (cognito.length > 0 || !props?.authenticator) {
      throw new Error(
        cognito.length > 0
          ? `Auth "${id}": ${cognito.join(', ')} are props of SST v2's Cognito construct (named Auth before SST 1.10), which nx-sst does not have. Use aws-cdk-lib/aws-cognito's UserPool, or give this Auth { authenticator: "path/to/auth.handler" }.`
          : `Auth "${id}": needs an authenticator, e.g. new Auth(stack, "${id}", { authenticator: { handler: "packages/functions/src/auth.handler" } }).`,
      );
    }
    rejectUnknownProps(props, ['authenticator', 'cdk'], `Auth "${id}"`);
    rejectUnknownProps(props.cdk ?? {}, ['id'], `Auth "${id}" cdk`);
    this.authenticatorDefinition = props.authenticator;
    const app = appOf(scope);
    this.publicKeyParameterName = parameterPathFor(app.ssmPrefix, Auth.bindingType, id, 'publicKey');
    this.privateKeyParameterName = parameterPathFor(app.ssmPrefix, Auth.bindingType, id, 'privateKey');
    this.createKeys();
    registerBindable(this);
  }

  private createKeys(): void {
    const app = appOf(this);
    const provider = new lambda.SingletonFunction(this, 'KeysHandler', {
      uuid: 'nx-sst-auth-keys-1',
      lambdaPurpose: 'NxSstAuthKeys',
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(AUTH_KEYS_HANDLER),
      timeout: cdk.Duration.minutes(1),
      description: 'Generates the key pairs of nx-sst Auth constructs into SSM',
    });
    // Exactly this Auth's two parameters, for each Auth of the stack sharing the one provider.
    const policy = new iam.Policy(this, 'KeysPolicy', {
      statements: [
        new iam.PolicyStatement({
          actions: ['ssm:PutParameter', 'ssm:GetParameter', 'ssm:DeleteParameters'],
          resources: [this.publicKeyParameterName, this.privateKeyParameterName].map((name) =>
            parameterArn(app.region, app.account, name),
          ),
        }),
      ],
    });
    provider.role?.attachInlinePolicy(policy);
    const keys = new cdk.CustomResource(this, 'Keys', {
      serviceToken: provider.functionArn,
      resourceType: AUTH_KEYS_RESOURCE_TYPE,
      properties: {
        PublicKeyParameter: this.publicKeyParameterName,
        PrivateKeyParameter: this.privateKeyParameterName,
      },
    });
    keys.node.addDependency(policy);
  }

  /**
   * Mounts the authenticator on an Api at `GET {prefix}` and `ANY {prefix}/{proxy+}` (no authorizer), and
   * binds this Auth to every route of the Api, so its functions can verify sessions (`useSession()`).
   * One Auth per Api; an Auth attached to several Apis has one prefix.
   */
  public attach(scope: Construct, props: AuthAttachProps): void {
    const describe = `Auth "${this.id}"`;
    if (!props?.api || typeof (props.api as { addRoutes?: unknown }).addRoutes !== 'function') {
      throw new Error(`${describe}: attach(stack, { api }) needs the Api to mount the authenticator on.`);
    }
    const { api } = props;
    if (this.apis.has(api)) throw new Error(`${describe} is already attached to Api "${api.id}".`);
    const other = attachedAuth.get(api);
    if (other) {
      throw new Error(
        `${describe}: Api "${api.id}" already has Auth "${other.id}" attached. An Api takes one Auth; attach this one to another Api.`,
      );
    }
    const prefix = normalizePrefix(props.prefix ?? '/auth', describe);
    if (this.prefix !== undefined && this.prefix !== prefix) {
      throw new Error(
        `${describe}: attached at "${this.prefix}" already; its authenticator serves one prefix, so attach it to Api "${api.id}" at "${this.prefix}" too.`,
      );
    }
    this.prefix = prefix;
    const authenticator = (this.authenticator ??= this.createAuthenticator(scope, api, prefix));
    api.addRoutes(scope, {
      [`GET ${prefix}`]: { function: authenticator, authorizer: 'none' },
      [`ANY ${prefix}/{proxy+}`]: { function: authenticator, authorizer: 'none' },
    });
    api.bind([this]);
    attachedAuth.set(api, this);
    this.apis.add(api);
  }

  /** The authenticator function, once the Auth is attached to an Api. */
  public get authenticatorFunction(): Function | undefined {
    return this.authenticator;
  }

  private createAuthenticator(scope: Construct, api: Api, prefix: string): Function {
    // The Api's defaults.function apply as they did to v2's authenticator routes (the first Api's, when
    // the Auth is attached to several).
    const fn = api._functionWithDefaults(scope, `${this.id}-authenticator`, this.authenticatorDefinition);
    // Beyond the public key every bound function gets: the private key to sign with and the prefix the
    // routes are under (SST v2's authenticator got the same three).
    fn.addEnvironment(envKeyFor(Auth.bindingType, 'privateKey', this.id), PLACEHOLDER_SSM);
    fn.addEnvironment(envKeyFor(Auth.bindingType, 'prefix', this.id), prefix);
    fn.bind([this]);
    const app = appOf(this);
    fn.attachPermissions([
      new iam.PolicyStatement({
        actions: ['ssm:GetParameters'],
        resources: [parameterArn(app.region, app.account, this.privateKeyParameterName)],
      }),
    ]);
    return fn;
  }

  public getBindings(): BindingProps {
    const app = appOf(this);
    return {
      type: Auth.bindingType,
      clientPackage: 'auth',
      variables: { publicKey: { type: 'secret' } },
      permissions: [
        {
          actions: ['ssm:GetParameters'],
          resources: [parameterArn(app.region, app.account, this.publicKeyParameterName)],
        },
      ],
    };
  }
}

const attachedAuth = new WeakMap<Api, Auth>();

function normalizePrefix(prefix: string, describe: string): string {
  if (typeof prefix !== 'string' || !/^\/?[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*\/?$/.test(prefix)) {
    throw new Error(
      `${describe}: prefix ${JSON.stringify(prefix)} is not a route path; use one like "/auth" (letters, digits, "-", "_", ".", "~", separated by "/").`,
    );
  }
  return `/${prefix.replace(/^\/+|\/+$/g, '')}`;
}
