import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomic } from '../core/write-atomic';
import type { RoleCredentials } from './credentials';
import type { BindManifest } from './values';

/**
 * What `bind` keeps between runs to start in one round trip: the last manifest per scope (plain
 * values, placeholders, a role ARN — never a secret) and, on the local cloud only, the role
 * credentials it issued. Both are caches: unreadable, damaged or racing writes cost a round trip,
 * never the command.
 */
export const MANIFEST_CACHE = 'bind-manifests.json';
export const LOCAL_CREDENTIALS_CACHE = 'bind-local-credentials.json';

/** Cached role credentials are reused only while this much of their life is left (sessions are 12 h). */
export const CREDENTIALS_MIN_REMAINING_MS = 60 * 60_000;

function cacheFile(workspaceRoot: string, name: string): string {
  return path.join(workspaceRoot, '.sst', name);
}

function readAll(file: string): Record<string, unknown> {
  try {
    const all = JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
    return all && typeof all === 'object' && !Array.isArray(all) ? (all as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function writeEntry(
  file: string,
  key: string,
  value: unknown,
  keep: (value: unknown) => boolean = () => true,
): void {
  // Two binds writing at once lose an entry, never the command; a read-only workspace has no cache.
  try {
    const all = Object.fromEntries(Object.entries(readAll(file)).filter(([, v]) => keep(v)));
    all[key] = value;
    writeAtomic(file, JSON.stringify(all) + '\n', 0o600);
  } catch {
    // no cache
  }
}

export function readManifestCache(workspaceRoot: string, key: string): string | undefined {
  const value = readAll(cacheFile(workspaceRoot, MANIFEST_CACHE))[key];
  return typeof value === 'string' ? value : undefined;
}

/** A cached manifest that does not parse is no cache at all, never an error. */
export function parseCachedManifest(text: string | undefined): BindManifest | undefined {
  if (text === undefined) return undefined;
  try {
    const manifest = JSON.parse(text) as BindManifest;
    return manifest && typeof manifest.env === 'object' ? manifest : undefined;
  } catch {
    return undefined;
  }
}

export function writeManifestCache(workspaceRoot: string, key: string, text: string): void {
  writeEntry(cacheFile(workspaceRoot, MANIFEST_CACHE), key, text);
}

interface StoredCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration: string;
  source: string;
}

const liveFor = (stored: unknown, ms: number) => {
  const at = Date.parse((stored as StoredCredentials | undefined)?.expiration ?? '');
  return Number.isFinite(at) && at - Date.now() > ms;
};

/**
 * Role credentials the local cloud issued to `bind` before. They are moto's session keys, valid only
 * against the daemon that issued them (the key names it by endpoint and start time), like the local
 * cloud's own keys in `.sst/local-cloud/daemon.json`. Credentials of an AWS stage are never written.
 */
export function readLocalCredentials(workspaceRoot: string, key: string): RoleCredentials | undefined {
  const stored = readAll(cacheFile(workspaceRoot, LOCAL_CREDENTIALS_CACHE))[key] as
    StoredCredentials | undefined;
  if (!stored || typeof stored.accessKeyId !== 'string' || !liveFor(stored, CREDENTIALS_MIN_REMAINING_MS))
    return undefined;
  return { ...stored, expiration: new Date(stored.expiration) };
}

export function writeLocalCredentials(
  workspaceRoot: string,
  key: string,
  credentials: RoleCredentials,
): void {
  if (!credentials.expiration || !credentials.accessKeyId) return;
  writeEntry(
    cacheFile(workspaceRoot, LOCAL_CREDENTIALS_CACHE),
    key,
    { ...credentials, expiration: credentials.expiration.toISOString() } satisfies StoredCredentials,
    // Expired sessions and those of stopped daemons fall out as their time runs out.
    (stored) => liveFor(stored, 0),
  );
}
