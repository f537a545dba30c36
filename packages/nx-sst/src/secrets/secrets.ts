import * as fs from 'node:fs';
import {
  DeleteParameterCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { fallbackPrefix, normalizeId, ssmPath } from '@nx-sst/runtime/wire';
import { signalBindProcesses } from '../core/app-index';
import { connectApp, resolveAppContext, type AppContext, type CommandOptions } from '../core/context';
import { NxSstError } from '../core/errors';
import { parseEnvFile } from './env-file';

export interface SecretsOptions extends CommandOptions {
  /** Use the app-wide fallback (`/sst/{app}/.fallback/`) that every stage without its own value inherits. */
  fallback?: boolean;
}

export interface SecretEntry {
  name: string;
  /** The stage's own value. */
  value?: string;
  /** The fallback value, used where the stage has none. */
  fallback?: string;
}

/** SSM's Standard tier holds 4 KB; Advanced 8 KB. */
const STANDARD_LIMIT = 4096;
const ADVANCED_LIMIT = 8192;
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

export function secretPath(prefix: string, name: string): string {
  return ssmPath(prefix, 'Secret', normalizeId(name), 'value');
}

export function stagePrefix(ctx: AppContext): string {
  return ctx.ssmPrefix;
}

export { fallbackPrefix };

/**
 * SSM's limit on a parameter name, which it counts with the parameter's ARN
 * (`arn:aws:ssm:{region}:{account}:parameter/…`); an account id has 12 digits.
 */
const SSM_NAME_LIMIT = 1011;

async function open(opts: SecretsOptions, names: string[] = []) {
  const ctx = await resolveAppContext(opts);
  const prefix = opts.fallback ? fallbackPrefix(ctx.config.name) : ctx.ssmPrefix;
  // Checked before any cloud is contacted: SSM would refuse the name after the local cloud started.
  for (const name of names) checkPathLength(name, secretPath(prefix, name), ctx.config.region);
  const cloud = await connectApp(ctx);
  const ssm = new SSMClient(cloud.clientConfig);
  return {
    ctx,
    ssm,
    prefix,
    where: opts.fallback ? `the fallback of ${ctx.config.name}` : `the stage "${ctx.stage}"`,
  };
}

function checkPathLength(name: string, path: string, region = 'us-east-1'): void {
  const arn = `arn:aws:ssm:${region}:000000000000:parameter${path.startsWith('/') ? '' : '/'}${path}`;
  if (arn.length > SSM_NAME_LIMIT)
    throw new NxSstError(
      `The secret name "${name.slice(0, 40)}…" (${name.length} characters) is too long: its parameter ${path.slice(0, 60)}… would pass SSM's ${SSM_NAME_LIMIT} characters (counted with the ARN) by ${arn.length - SSM_NAME_LIMIT}.`,
      `Use a name of at most ${name.length - (arn.length - SSM_NAME_LIMIT)} characters.`,
    );
}

function checkName(name: string): void {
  if (!NAME.test(name)) {
    throw new NxSstError(
      `Invalid secret name ${JSON.stringify(name)}.`,
      'A secret name starts with a letter and holds letters, digits, "_" and "-", like the Secret construct id.',
    );
  }
}

/**
 * SSM refuses an empty value (a ValidationException after the cloud was reached). A NUL byte cannot
 * travel in an environment variable: stored, it would make every later `bind` fail (and Node's
 * error used to print the value). The value itself is never part of the message.
 */
function checkValue(name: string, value: string): void {
  if (value === '') {
    throw new NxSstError(
      `The value of ${name} is empty; SSM refuses empty parameter values, so nothing was stored.`,
      `Give it a value (stdin loses one trailing newline, so \`echo | nx-sst secrets set ${name}\` is empty too), ` +
        `or unset it: nx-sst secrets remove ${name}`,
    );
  }
  const at = value.indexOf('\0');
  if (at >= 0) {
    throw new NxSstError(
      `The value of ${name} holds a NUL byte (character ${at + 1} of ${value.length}); nothing was stored.`,
      'An environment variable cannot carry a NUL byte, so no command could be run with it. Remove it ' +
        '(a stray \\0 from printf, or a binary file?); to keep binary data, store it base64-encoded.',
    );
  }
}

function checkSize(name: string, value: string): void {
  const size = Buffer.byteLength(value, 'utf8');
  if (size > ADVANCED_LIMIT) {
    throw new NxSstError(
      `The value of ${name} is ${size} bytes; SSM holds at most ${ADVANCED_LIMIT} bytes (8 KB).`,
      'Store large values elsewhere (S3, Secrets Manager) and bind their location instead.',
    );
  }
}

async function put(ssm: SSMClient, path: string, value: string): Promise<void> {
  const input = {
    Name: path,
    Value: value,
    Type: 'SecureString' as const,
    Overwrite: true,
    Tier: Buffer.byteLength(value, 'utf8') > STANDARD_LIMIT ? ('Advanced' as const) : ('Standard' as const),
  };
  try {
    await ssm.send(new PutParameterCommand(input));
  } catch (error) {
    // AWS refuses to move a parameter from Advanced back to Standard; replace it instead.
    if ((error as Error).name !== 'ValidationException' || !/tier/i.test((error as Error).message))
      throw error;
    await ssm.send(new DeleteParameterCommand({ Name: path }));
    await ssm.send(new PutParameterCommand(input));
  }
}

/** Sets a secret as a SecureString; running `bind` processes of the workspace restart with it. */
export async function setSecret(
  opts: SecretsOptions & { name: string; value: string },
): Promise<{ path: string }> {
  checkName(opts.name);
  checkValue(opts.name, opts.value);
  checkSize(opts.name, opts.value);
  const { ctx, ssm, prefix } = await open(opts, [opts.name]);
  try {
    const path = secretPath(prefix, opts.name);
    await put(ssm, path, opts.value);
    signalBindProcesses(ctx.workspaceRoot, {
      app: ctx.config.name,
      stage: ctx.stage,
      what: `secret ${opts.name}`,
    });
    return { path };
  } finally {
    ssm.destroy();
  }
}

/** The secret's value, or undefined when it is not set. */
export async function getSecret(opts: SecretsOptions & { name: string }): Promise<string | undefined> {
  checkName(opts.name);
  const { ssm, prefix } = await open(opts);
  try {
    const out = await ssm.send(
      new GetParameterCommand({ Name: secretPath(prefix, opts.name), WithDecryption: true }),
    );
    return out.Parameter?.Value;
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') return undefined;
    throw error;
  } finally {
    ssm.destroy();
  }
}

/** Removes a secret; resolves false when it was not set. */
export async function removeSecret(opts: SecretsOptions & { name: string }): Promise<boolean> {
  checkName(opts.name);
  const { ctx, ssm, prefix } = await open(opts);
  try {
    await ssm.send(new DeleteParameterCommand({ Name: secretPath(prefix, opts.name) }));
    signalBindProcesses(ctx.workspaceRoot, {
      app: ctx.config.name,
      stage: ctx.stage,
      what: `secret ${opts.name}`,
    });
    return true;
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') return false;
    throw error;
  } finally {
    ssm.destroy();
  }
}

/**
 * Every secret of the stage and of the fallback, merged by name and sorted. With `fallback`, only
 * the secrets that have nothing but a fallback value.
 */
export async function listSecrets(opts: SecretsOptions): Promise<SecretEntry[]> {
  const ctx = await resolveAppContext(opts);
  const cloud = await connectApp(ctx);
  const ssm = new SSMClient(cloud.clientConfig);
  try {
    const [own, fallback] = await Promise.all([
      readSecretsUnder(ssm, ctx.ssmPrefix),
      readSecretsUnder(ssm, fallbackPrefix(ctx.config.name)),
    ]);
    const names = [...new Set([...own.keys(), ...fallback.keys()])].sort();
    const entries = names.map((name) => ({ name, value: own.get(name), fallback: fallback.get(name) }));
    return opts.fallback ? entries.filter((e) => e.value === undefined) : entries;
  } finally {
    ssm.destroy();
  }
}

/** Secret values under `{prefix}Secret/`, by name, decrypted. */
export async function readSecretsUnder(ssm: SSMClient, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let NextToken: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({
        Path: `${prefix}Secret`,
        Recursive: true,
        WithDecryption: true,
        NextToken,
      }),
    );
    for (const p of page.Parameters ?? []) {
      const match = /Secret\/([^/]+)\/value$/.exec(p.Name ?? '');
      if (match && p.Value !== undefined) out.set(match[1], p.Value);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  return out;
}

/**
 * Sets every secret of a `.env` file. The whole file is checked first (names, sizes, line syntax),
 * so a bad line sets nothing; the writes then run a few at a time.
 */
export async function loadSecrets(opts: SecretsOptions & { file: string }): Promise<{ names: string[] }> {
  let content: string;
  try {
    content = fs.readFileSync(opts.file, 'utf8');
  } catch {
    throw new NxSstError(
      `Cannot read ${opts.file}.`,
      'Pass the path of a .env file: nx-sst secrets load .env.local',
    );
  }
  const values = parseEnvFile(content, opts.file);
  for (const [name, value] of values) {
    checkName(name);
    checkValue(name, value);
    checkSize(name, value);
  }
  const { ctx, ssm, prefix } = await open(opts, [...values.keys()]);
  try {
    const queue = [...values];
    // A few parallel writes: PutParameter is throttled at a low rate per account.
    await Promise.all(
      Array.from({ length: 3 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift())
          await put(ssm, secretPath(prefix, next[0]), next[1]);
      }),
    );
    signalBindProcesses(ctx.workspaceRoot, { app: ctx.config.name, stage: ctx.stage, what: 'secrets' });
    return { names: [...values.keys()].sort() };
  } finally {
    ssm.destroy();
  }
}

/** `list` output: a table (fallbacks marked), `env` lines (quoted so multi-line values survive) or JSON. */
export function formatSecrets(entries: SecretEntry[], format: 'table' | 'env' | 'json'): string {
  if (format === 'json') {
    return (
      JSON.stringify(Object.fromEntries(entries.map((e) => [e.name, e.value ?? e.fallback])), null, 2) + '\n'
    );
  }
  if (format === 'env') {
    return entries.map((e) => `${e.name}=${quoteEnv((e.value ?? e.fallback)!)}\n`).join('');
  }
  if (!entries.length) return 'No secrets are set.\n';
  const rows = entries.map((e) => [
    e.name,
    e.value !== undefined ? oneLine(e.value) : `${oneLine(e.fallback!)} (fallback)`,
  ]);
  const width = Math.max(4, ...rows.map((r) => r[0].length));
  return (
    [`${'Name'.padEnd(width)}  Value`, ...rows.map(([n, v]) => `${n.padEnd(width)}  ${v}`)].join('\n') + '\n'
  );
}

function oneLine(value: string): string {
  return /[\n\r]/.test(value) ? JSON.stringify(value) : value;
}

/**
 * Quotes a value so `parseEnvFile` reads it back unchanged, and dotenv too wherever its syntax can
 * say the value. dotenv turns every CR LF and lone CR of the file into LF before it parses, and
 * expands only `\n` and `\r` in double quotes (no `\"`, no `\\`): a carriage return survives
 * only as `\r` in double quotes. The last form, with `\\` and `\"` escapes, is for the few values
 * dotenv cannot hold (a `"` or a backslash with a carriage return, or with both `'` and a backtick).
 */
export function quoteEnv(value: string): string {
  if (!value.includes('\r')) {
    if (!value.includes("'")) return `'${value}'`;
    if (!value.includes('`')) return `\`${value}\``;
  }
  const escaped = value.replace(/\n/g, '\\n').replace(/\r/g, '\\r');
  if (!/["\\]/.test(value)) return `"${escaped}"`;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}
