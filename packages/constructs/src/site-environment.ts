import * as fs from 'node:fs';
import * as path from 'node:path';
import { isBindable } from './binding';
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
