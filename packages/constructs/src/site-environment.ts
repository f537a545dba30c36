import * as fs from 'node:fs';
import * as path from 'node:path';
import { clientEnvName } from '@nx-sst/runtime/wire';
import * as cdk from 'aws-cdk-lib';
import { type BindingResource, isBindable } from './binding';
import { Secret } from './secret';

/** Keys that frameworks inline into browser bundles. */
export const CLIENT_VISIBLE_PREFIXES = ['NEXT_PUBLIC_', 'VITE_', 'PUBLIC_', 'REACT_APP_'];

export function isClientVisibleKey(key: string): boolean {
  return CLIENT_VISIBLE_PREFIXES.some((p) => key.startsWith(p));
}

/**
 * Refuses a Secret in a site's `environment`: a client-visible key would ship it to every browser, and any
 * other key would put it in a template. The fix in both cases is to bind the secret.
 */
export function validateSiteEnvironment(environment: Record<string, unknown>, describeSite: string): void {
  for (const [key, value] of Object.entries(environment)) {
    const secret =
      value instanceof Secret ? value : typeof value === 'string' ? Secret.inValue(value) : undefined;
    if (secret) {
      if (isClientVisibleKey(key)) {
        throw new Error(
          `${describeSite}: environment "${key}" would expose Secret "${secret.id}" to the browser (keys starting with ${CLIENT_VISIBLE_PREFIXES.join(', ')} are inlined into client bundles). ` +
            `Bind the secret instead (bind: [${secret.id}]) and read Config.${secret.id} in server code only.`,
        );
      }
      throw new Error(
        `${describeSite}: environment "${key}" holds Secret "${secret.id}", whose value must never be in a template. Bind the secret instead (bind: [${secret.id}]) and read Config.${secret.id}.`,
      );
    }
    if (typeof value !== 'string') {
      const hint = isBindable(value)
        ? ` To pass ${(value as { id: string }).id}'s values, bind it or use one of its properties (e.g. bucket.bucketName).`
        : '';
      throw new Error(`${describeSite}: environment "${key}" must be a string.${hint}`);
    }
  }
}

/** Resolves a site's `path` (relative to the workspace root) and checks that it exists. */
export function resolveSitePath(
  workspaceRoot: string,
  sitePath: string | undefined,
  describeSite: string,
): string {
  if (!sitePath)
    throw new Error(
      `${describeSite}: needs a "path" to the site's folder, relative to the workspace root (e.g. "apps/web").`,
    );
  const abs = path.resolve(workspaceRoot, sitePath);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new Error(
      `${describeSite}: path "${sitePath}" does not exist (resolved to ${abs}). Site paths are relative to the workspace root; fix the path or create the project.`,
    );
  }
  return abs;
}

/** The files that make a folder a Vite app. */
export const VITE_CONFIG_FILES = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'].map((ext) => `vite.config.${ext}`);

/** The Vite config file of a site folder, if it is a Vite app. */
export function viteConfigIn(dir: string): string | undefined {
  return VITE_CONFIG_FILES.find((f) => fs.existsSync(path.join(dir, f)));
}

/**
 * Refuses, in a Vite site's `environment`, a value known only at deploy (a token: `bucket.bucketName`,
 * `api.url`) under a key Vite does not give to browser code. Such a value reaches the build as a
 * `{{ KEY }}` placeholder that the deploy replaces in the built files, so it only works where Vite inlines
 * it, which it does for keys starting with its `envPrefix`. A plain string under any key is fine: the build
 * and `vite.config` itself may read it.
 */
export function validateViteEnvironment(
  environment: Record<string, string>,
  envPrefix: string[],
  describeSite: string,
): void {
  for (const [key, value] of Object.entries(environment)) {
    if (!cdk.Token.isUnresolved(value) || envPrefix.some((p) => key.startsWith(p))) continue;
    const renamed = `${envPrefix[0]}${key}`;
    throw new Error(
      `${describeSite}: environment "${key}" holds a value known only at deploy, but Vite gives browser code only the variables starting with ${envPrefix.join(', ')} (its envPrefix), so the deployed site would never see it. ` +
        `Rename it ${renamed} and read import.meta.env.${renamed}; if your vite.config sets another envPrefix, set vite: { envPrefix } on the site to match.`,
    );
  }
}

/**
 * Refuses a prop the construct does not have. Bundling the stacks for a deploy checks no types, so a
 * misspelt or unsupported prop (a `bind` on a StaticSite, SST v2's `customDomain`) would otherwise be
 * dropped without a word. `hints` gives the fix for props people are known to try.
 */
export function rejectUnknownProps(
  props: object,
  known: readonly string[],
  describeSite: string,
  hints: Record<string, string> = {},
): void {
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || known.includes(key)) continue;
    throw new Error(
      `${describeSite}: unknown prop "${key}". ${hints[key] ?? `Its props are: ${known.join(', ')}.`}`,
    );
  }
}

/**
 * The fix for a `bind` on a site without server code: the `environment` entries that give browser code the
 * same values, with the bound constructs' own ids and props; secrets are named as what can never go there.
 */
export function bindToEnvironmentHint(bind: unknown, prefix: string): string {
  const entries: string[] = [];
  const secrets: string[] = [];
  for (const element of Array.isArray(bind) ? (bind as BindingResource[]) : []) {
    const resource = isBindable(element) ? element : (element as { resource?: unknown })?.resource;
    if (!isBindable(resource)) continue;
    const { type, variables } = resource.getBindings();
    for (const [prop, variable] of Object.entries(variables)) {
      if (variable.type === 'secret' || variable.type === 'secret_reference') {
        secrets.push(`${type} "${resource.id}"`);
      } else {
        entries.push(`${clientEnvName(prefix, type, resource.id, prop)}: ${resource.id}.${prop}`);
      }
    }
  }
  const example = entries.length
    ? entries.join(', ')
    : `${prefix}BUCKET_UPLOADS_BUCKET_NAME: uploads.bucketName`;
  return (
    `A static site has no server code, so nothing would read bound values. Give its browser code the values it needs through environment instead: environment: { ${example} } ` +
    `(\`nx g nx-sst:bind\` and \`nx g nx-sst:resource --bind\` write these entries).` +
    (secrets.length
      ? ` ${[...new Set(secrets)].join(', ')} cannot go there: a secret must never reach a browser. Read it in a Function and call that from the site.`
      : '')
  );
}
