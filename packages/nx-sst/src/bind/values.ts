import {
  expandCompactBindings,
  FETCH_FROM_SSM,
  fallbackPrefix,
  isPlaceholder,
  parseEnvName,
  planParameters,
  readPlanned,
  type PlaceholderRequest,
  type PlannedParameter,
  type ParameterReader,
  type ReadParameter,
  type ReadState,
} from '@nx-sst/runtime/wire';
import { NxSstError } from '../core/errors';
import type { BindAws } from './ssm-reader';

// The wire format and the resolver are @nx-sst/runtime's (`@nx-sst/runtime/wire`), shared with the
// deployed code's load(): one definition of names, paths, placeholders and how they are read.
export {
  expandCompactBindings,
  FETCH_FROM_SECRET,
  FETCH_FROM_SSM,
  projectManifestName,
  targetManifestName,
} from '@nx-sst/runtime/wire';

/** What the bind manifest gives a target or project (docs/internals.md). */
export interface BindManifest {
  project?: { name: string; root: string } | null;
  targets?: string[];
  target?: string;
  kind?: string;
  roleArn?: string | null;
  env: Record<string, string>;
}

export interface ResolvedValues {
  /** Every `SST_*` variable with its real value. */
  env: Record<string, string>;
  /** The values of secrets among them, to keep out of output. */
  secrets: string[];
  /**
   * For each secret's variable, the parameter it was read from and that parameter's version
   * (`name#version@lastModified`): what identifies a secret's value without holding it.
   */
  secretVersions?: Record<string, string>;
  /**
   * The same variables as the deployed target holds them: values kept in SSM as their placeholders
   * (`__FETCH_FROM_SSM__`, `__FETCH_FROM_SECRET__:{name}`), which the runtime's `load()` fetches.
   * What `bind --like-lambda` gives the command.
   */
  lambdaEnv?: Record<string, string>;
}

/** `SST_{Type}_{prop}_{id}`: types and props hold no `_`; ids may. */
export const parseBindingEnvName = parseEnvName;

/** A BindAws as the resolver's reader. */
export const readerOf =
  (aws: BindAws): ParameterReader =>
  (names) =>
    aws.getParameters(names);

/** An env variable holding a placeholder. */
interface EnvRequest extends PlaceholderRequest {
  key: string;
}

/** What a manifest's env asks for: plain values, and the SSM parameters to read for the rest. */
export interface ValuePlan {
  /** Values the manifest holds as they are. */
  plain: Record<string, string>;
  /** The parameters to read, by path under the stage prefix, with the variables each fills. */
  planned: Map<string, PlannedParameter<EnvRequest>>;
}

/** Values kept out of output: Secrets, and an Auth's key pair (SecureStrings its custom resource writes). */
function isSecretValue(p: { type: string; prop: string }): boolean {
  return p.type === 'Secret' || (p.type === 'Auth' && (p.prop === 'publicKey' || p.prop === 'privateKey'));
}

export function planValues(opts: { app: string; ssmPrefix: string; env: Record<string, string> }): ValuePlan {
  const plain: Record<string, string> = {};
  const requests: EnvRequest[] = [];
  for (const [key, value] of Object.entries(expandCompactBindings(opts.env))) {
    const parsed = parseEnvName(key);
    // A secret reference may sit in any variable; `__FETCH_FROM_SSM__` only in a binding's.
    if (isPlaceholder(value) && (parsed || value !== FETCH_FROM_SSM))
      requests.push({
        key,
        type: parsed?.type ?? '',
        id: parsed?.id ?? '',
        prop: parsed?.prop ?? '',
        placeholder: value,
      });
    else plain[key] = value;
  }
  return { plain, planned: planParameters(requests, opts) };
}

/** Parameters read so far (the resolver's state): every name asked for, and those that exist. */
export type ReadParameters = ReadState;

export function newReadState(): ReadParameters {
  return { asked: new Set(), found: new Map<string, ReadParameter>() };
}

/**
 * The first round of `bind`: `first` (the manifest) and, when an earlier manifest is known, the
 * values it named, with their fallbacks when they fit — one GetParameters for the usual case.
 */
export async function readFirstRound(
  aws: BindAws,
  first: string[],
  plan: ValuePlan | undefined,
  into: ReadParameters = newReadState(),
): Promise<ReadParameters> {
  await readPlanned(readerOf(aws), plan?.planned ?? new Map(), into, first, { missingFallbacks: false });
  return into;
}

/**
 * Turns a manifest's env (plain values and placeholders) into real values: SSM values fetched,
 * secrets fetched with their fallback, secret references filled in. Every missing secret is named
 * at once, before anything runs. `read` holds parameters already fetched (the first round of
 * `bind`); only what it lacks is asked for.
 */
export async function resolveValues(opts: {
  aws: BindAws;
  app: string;
  stage: string;
  ssmPrefix: string;
  env: Record<string, string>;
  read?: ReadParameters;
  /** ` --app <name>` for the commands the errors name, when the workspace has several infra apps. */
  appFlag?: string;
}): Promise<ResolvedValues> {
  const plan = planValues(opts);
  const answers = await readPlanned(readerOf(opts.aws), plan.planned, opts.read ?? newReadState());
  const env: Record<string, string> = { ...plan.plain };
  const secrets: string[] = [];
  const secretVersions: Record<string, string> = {};
  const missingSecrets: string[] = [];
  const missingValues: string[] = [];
  for (const [path, p] of plan.planned) {
    const found = answers.get(path);
    if (!found) {
      if (p.secret !== undefined) missingSecrets.push(p.secret);
      else missingValues.push(path);
      continue;
    }
    for (const request of p.requests) env[request.key] = found.value;
    if (p.secret !== undefined || p.requests.some(isSecretValue)) {
      secrets.push(found.value);
      for (const request of p.requests) secretVersions[request.key] = `${found.name}#${found.version ?? '?'}`;
    }
  }
  if (missingSecrets.length) {
    const names = [...new Set(missingSecrets)].sort();
    throw new NxSstError(
      `These secrets are not set for the stage "${opts.stage}": ${names.join(', ')}.`,
      names
        .map((n) => `nx-sst secrets set ${n} <value> --stage ${opts.stage}${opts.appFlag ?? ''}`)
        .join('\n'),
    );
  }
  if (missingValues.length) {
    throw new NxSstError(
      `These bound values are missing from SSM on the stage "${opts.stage}": ${missingValues.sort().join(', ')}.`,
      `Deploy the stage again: nx-sst deploy --stage ${opts.stage}${opts.appFlag ?? ''}`,
    );
  }
  return { env, secrets, secretVersions, lambdaEnv: expandCompactBindings(opts.env) };
}

/**
 * Every value of a stage (script mode, for tests not tied to one target): all binding parameters
 * under the stage prefix, secrets with their fallback, as `SST_{Type}_{prop}_{id}`.
 */
export async function readStageValues(opts: {
  aws: BindAws;
  app: string;
  ssmPrefix: string;
}): Promise<ResolvedValues> {
  const read = async (path: string) => {
    const out: { name: string; value: string }[] = [];
    let nextToken: string | undefined;
    do {
      const page = await opts.aws.getParametersByPath(path, nextToken);
      out.push(...page.params);
      nextToken = page.nextToken;
    } while (nextToken);
    return out;
  };
  const fallbackRoot = fallbackPrefix(opts.app);
  const [fallback, own] = await Promise.all([read(`${fallbackRoot}Secret`), read(opts.ssmPrefix)]);
  const env: Record<string, string> = {};
  const secrets = new Map<string, string>();
  // Fallback first, so the stage's own values win.
  for (const [root, params] of [
    [fallbackRoot, fallback],
    [opts.ssmPrefix, own],
  ] as const) {
    for (const { name, value } of params) {
      const [type, id, prop, ...rest] = name.slice(root.length).split('/');
      if (!type || !id || !prop || rest.length || type.startsWith('_')) continue;
      env[`SST_${type}_${prop}_${id}`] = value;
      if (isSecretValue({ type, prop })) secrets.set(`${type}/${id}/${prop}`, value);
    }
  }
  const lambdaEnv = Object.fromEntries(
    Object.entries(env).map(([key, value]) => [
      key,
      key.startsWith('SST_Secret_') || /^SST_Auth_(publicKey|privateKey)_/.test(key) ? FETCH_FROM_SSM : value,
    ]),
  );
  return { env, secrets: [...secrets.values()], lambdaEnv };
}
