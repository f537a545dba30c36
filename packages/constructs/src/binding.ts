import { FETCH_FROM_SECRET, FETCH_FROM_SSM, fallbackPath, normalizeId, ssmPath } from '@nx-sst/runtime/wire';
import { Aws, Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How one bound value reaches the code (SST v2's variable kinds, same wire format):
 * - `plain`: the real value in the env var and in a String SSM parameter;
 * - `secret`: `__FETCH_FROM_SSM__` in the env var, the value only in a SecureString written by `secrets set`;
 * - `secret_reference`: `__FETCH_FROM_SECRET__:{name}`, read from the referenced Secret;
 * - `site_url`: `__FETCH_FROM_SSM__` in the env var, the real URL in a String SSM parameter, so a function
 *   does not depend on a site in another stack (which would make a CloudFormation cycle).
 */
export type BindingVariable =
  | { type: 'plain'; value: string }
  | { type: 'secret' }
  | { type: 'secret_reference'; secret: BindableSecret }
  | { type: 'site_url'; value: string };

/** One IAM statement a binding grants: exact actions on exact resources. */
export interface BindingPermission {
  readonly actions: string[];
  readonly resources: string[];
}

/** What a bindable construct declares about itself. */
export interface BindingProps {
  /** Declared type name (`Bucket`, `Secret`…): the `{Type}` of env vars and SSM paths. Never `constructor.name`. */
  readonly type: string;
  /** Module of `@nx-sst/runtime` that reads it: `bucket` → `@nx-sst/runtime/bucket`. */
  readonly clientPackage: string;
  /** Bound props by name, in declaration order. */
  readonly variables: Record<string, BindingVariable>;
  /** Default IAM statements; replaced by `{ resource, permissions }` at a bind site. */
  readonly permissions: BindingPermission[];
}

/** A construct that can be bound to a function or a site. */
export interface Bindable extends IConstruct {
  /** The id users wrote (`new Bucket(stack, "public")` → `public`), used in env vars and SSM paths. */
  readonly id: string;
  getBindings(): BindingProps;
}

/** The Secret as the binding code needs it (kept structural so `binding.ts` does not import `secret.ts`). */
export interface BindableSecret extends Bindable {
  readonly name: string;
}

/** `bind: [bucket]` or `{ resource: bucket, permissions: [...] }`, whose permissions replace the defaults. */
export type BindingResource = Bindable | { resource: Bindable; permissions: BindingPermission[] };

// The wire format is @nx-sst/runtime's (`@nx-sst/runtime/wire`): what these constructs write is what
// the runtime and `nx-sst bind` read, by construction.
export const PLACEHOLDER_SSM = FETCH_FROM_SSM;
export const PLACEHOLDER_SECRET_PREFIX = FETCH_FROM_SECRET;

export function isBindable(x: unknown): x is Bindable {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Bindable).getBindings === 'function' &&
    typeof (x as Bindable).id === 'string'
  );
}

/** `-` becomes `_` so the id can sit in an env var name (the runtime maps it back on access). */
export { normalizeId };

export function envKeyFor(type: string, prop: string, id: string): string {
  return `SST_${type}_${prop}_${normalizeId(id)}`;
}

export function parameterPathFor(ssmPrefix: string, type: string, id: string, prop: string): string {
  return ssmPath(ssmPrefix, type, normalizeId(id), prop);
}

/** Fallback values exist only for Secrets and, as in SST v2, ignore a custom SSM prefix. */
export function fallbackParameterPathFor(app: string, type: string, id: string, prop: string): string {
  return fallbackPath(app, type, normalizeId(id), prop);
}

/** ARN of an SSM parameter; names without a leading slash get one in the ARN, as SSM does. */
export function parameterArn(region: string, account: string, parameterName: string): string {
  const name = parameterName.startsWith('/') ? parameterName : `/${parameterName}`;
  return `arn:${Aws.PARTITION}:ssm:${region}:${account}:parameter${name}`;
}

/** Unwraps `{ resource, permissions }` and validates that the thing bound can be bound at all. */
export function toBinding(
  entry: unknown,
  targetDescription: string,
): { resource: Bindable; permissions?: BindingPermission[] } {
  if (isBindable(entry)) return { resource: entry };
  if (typeof entry === 'object' && entry !== null && 'resource' in entry) {
    const { resource, permissions } = entry as { resource: unknown; permissions?: unknown };
    if (!isBindable(resource)) throw notBindableError(resource, targetDescription);
    if (!Array.isArray(permissions)) {
      throw new Error(
        `${targetDescription}: the binding of ${describeBindable(resource)} has no "permissions" list. ` +
          `Write { resource, permissions: [{ actions: [...], resources: [...] }] }, or bind the construct itself for its default permissions.`,
      );
    }
    for (const p of permissions as BindingPermission[]) {
      if (!Array.isArray(p?.actions) || !Array.isArray(p?.resources)) {
        throw new Error(
          `${targetDescription}: each permission bound with ${describeBindable(resource)} needs "actions" and "resources" arrays, e.g. { actions: ["s3:GetObject"], resources: [bucket.bucketArn + "/*"] }.`,
        );
      }
    }
    return { resource, permissions: permissions as BindingPermission[] };
  }
  throw notBindableError(entry, targetDescription);
}

function notBindableError(thing: unknown, targetDescription: string): Error {
  const what = describeThing(thing);
  const hint = what.startsWith('Cron')
    ? ' A Cron holds no values; bind the resources its job uses to the job function instead (cron.jobFunction).'
    : ' Bindable constructs: Bucket, Table, Topic, Queue, EventBus, KinesisStream, Function, Api, Auth, RDS, Config.Secret, Config.Parameter, StaticSite, NextjsSite.';
  return new Error(`${targetDescription} cannot bind ${what}: it is not a bindable construct.${hint}`);
}

function describeThing(thing: unknown): string {
  if (thing === undefined || thing === null) return String(thing);
  if (typeof thing !== 'object') return `${typeof thing} ${JSON.stringify(thing)}`;
  const declared = (thing.constructor as { bindingType?: string; constructName?: string } | undefined) ?? {};
  const name = declared.constructName ?? declared.bindingType ?? thing.constructor?.name ?? 'object';
  const id = (thing as { id?: string }).id ?? (thing as { node?: { id?: string } }).node?.id;
  return id ? `${name} "${id}"` : name;
}

export function describeBindable(b: Bindable): string {
  return `${b.getBindings().type} "${b.id}"`;
}

/** The secrets a set of bindings pulls in through `secret_reference` variables, bound along with them. */
export function referencedSecrets(resource: Bindable): BindableSecret[] {
  return Object.values(resource.getBindings().variables)
    .filter((v): v is { type: 'secret_reference'; secret: BindableSecret } => v.type === 'secret_reference')
    .map((v) => v.secret);
}

/** Env var values of one binding exactly as the Lambda gets them. */
export function bindingEnvironment(resource: Bindable): Record<string, string> {
  const { type, variables } = resource.getBindings();
  const env: Record<string, string> = {};
  for (const [prop, variable] of Object.entries(variables)) {
    const key = envKeyFor(type, prop, resource.id);
    switch (variable.type) {
      case 'plain':
        env[key] = variable.value;
        break;
      case 'secret':
      case 'site_url':
        env[key] = PLACEHOLDER_SSM;
        break;
      case 'secret_reference':
        env[key] = `${PLACEHOLDER_SECRET_PREFIX}${variable.secret.name}`;
        break;
    }
  }
  return env;
}

/**
 * Whether a bound value shrinks by being read from its String parameter at run time: a deploy-time value or
 * a literal longer than the placeholder. Placeholders and short literals stay as they are.
 */
export function shrinksViaSsm(value: string): boolean {
  if (value === FETCH_FROM_SSM || value.startsWith(FETCH_FROM_SECRET)) return false;
  return Token.isUnresolved(value) || Buffer.byteLength(value) > PLACEHOLDER_SSM.length;
}

/** Upper bound used for a value CloudFormation resolves at deploy (a name, an ARN or a URL). */
export const UNRESOLVED_VALUE_ESTIMATE = 128;

/**
 * Size of an environment in bytes as Lambda counts it, with deploy-time values estimated from above. Lambda
 * measures the variables as one JSON object ("String measured: {…}" in its refusal), so the quotes, colons and
 * commas count, and a quote or backslash inside a value (a JSON value such as SST_BINDINGS) counts twice.
 */
export function estimateEnvironmentSize(env: Record<string, string>): number {
  const measured: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) measured[key] = estimatedValue(value);
  return Buffer.byteLength(JSON.stringify(measured));
}

/** `value` with each deploy-time part replaced by the longest text it is expected to become. */
export function estimatedValue(value: string): string {
  if (!Token.isUnresolved(value)) return value;
  // A token string embeds markers like `${Token[TOKEN.123]}`; keep the literal parts and bound each token.
  const marker = /\$\{Token\[[^\]]+\]\}/g;
  const bound = 'x'.repeat(UNRESOLVED_VALUE_ESTIMATE);
  return marker.test(value) ? value.replace(marker, bound) : bound;
}

/**
 * Length of a value once CloudFormation has resolved it, with every deploy-time part bounded from above.
 * Resolving the token first sees through values built from other tokens (a JSON of tokens is one token).
 */
export function estimateResolvedLength(scope: IConstruct, value: string): number {
  if (!Token.isUnresolved(value)) return Buffer.byteLength(value);
  const measure = (node: unknown): number => {
    if (typeof node === 'string') return Buffer.byteLength(node);
    if (typeof node === 'number') return String(node).length;
    if (node && typeof node === 'object' && 'Fn::Join' in node) {
      const [sep, parts] = (node as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
      return parts.reduce<number>((n, p) => n + measure(p), 0) + Math.max(0, parts.length - 1) * sep.length;
    }
    return UNRESOLVED_VALUE_ESTIMATE;
  };
  return measure(Stack.of(scope).resolve(value));
}
