import type { StageCloud } from '../core/cloud';
import { NxSstError } from '../core/errors';
import { assumeTargetRole, ROLE_DURATIONS, type RoleCredentials } from './credentials';
import type { Scope } from './scope';
import { type BindAws, localBindAws, NotTheCloudError, sdkBindAws } from './ssm-reader';
import {
  planValues,
  readFirstRound,
  readStageValues,
  type BindManifest,
  resolveValues,
  type ResolvedValues,
} from './values';
import {
  parseCachedManifest,
  readLocalCredentials,
  readManifestCache,
  writeLocalCredentials,
  writeManifestCache,
} from './warm-cache';

export interface BoundReaderOptions {
  workspaceRoot: string;
  scope: Scope;
  /** The stage's cloud as first joined: on `local`, possibly without the health check (`unchecked`). */
  cloud: StageCloud;
  /** Joins the local cloud again, with the health check, when `cloud` did not answer as one. */
  reconnect(): Promise<StageCloud>;
  /** The target asked for, for the message when it has nothing deployed. */
  target?: string;
  /** Role session lengths to try, longest first; default `ROLE_DURATIONS`. */
  roleDurations?: number[];
  /** Assume the bound role (default); off for a reader that needs only the values. */
  assumeRole?: boolean;
  /** How the reader reaches the cloud; the real clients unless a spec counts their calls. */
  clients?(cloud: StageCloud): BindAws;
}

/** What is bound at start-up: the values and, unless `assumeRole` is off, the role credentials. */
export interface BoundStart {
  values: ResolvedValues;
  credentials: RoleCredentials | undefined;
}

/**
 * What a binding reads from its stage, and what it keeps between reads: the cloud it reads from, the
 * manifest read last (it names what the next read fetches with the manifest itself) and the role that
 * manifest binds. `start` is the start-up of every bound run; `readValues` and `assumeRole` are the
 * refreshes of a running one.
 */
export class BoundReader {
  private currentCloud: StageCloud;
  private aws: BindAws;
  /** The manifest read last: it names what the next read fetches with the manifest itself. */
  private known: BindManifest | undefined;
  private boundRole: string | null | undefined;

  constructor(private readonly opts: BoundReaderOptions) {
    this.currentCloud = opts.cloud;
    this.aws = this.clientsOf(opts.cloud);
  }

  /** The cloud the reads go to (another one after `reconnect`). */
  get cloud(): StageCloud {
    return this.currentCloud;
  }

  /** The role the manifest read last binds (`null`: none; undefined: no manifest read yet). */
  get roleArn(): string | null | undefined {
    return this.boundRole;
  }

  /**
   * The values and role credentials at start-up. The manifest of the last run (it never holds a
   * secret) names what to read and which role to assume beside the reading: a warm start is one
   * round trip of two calls. The current manifest always decides; the cache is rewritten when it
   * differs.
   */
  async start(): Promise<BoundStart> {
    const { workspaceRoot, scope } = this.opts;
    const assumes = this.opts.assumeRole !== false;
    if (!scope.manifest) {
      const values = await this.readValues();
      return { values, credentials: assumes ? await this.assume(this.boundRole) : undefined };
    }
    const cacheKey = `${this.currentCloud.endpoint ?? this.currentCloud.region}|${scope.manifest}`;
    const cached = readManifestCache(workspaceRoot, cacheKey);
    this.known = parseCachedManifest(cached);
    const guessedRole = this.known?.roleArn ?? null;
    const role = this.known && assumes ? this.assume(guessedRole) : undefined;
    role?.catch(() => undefined);
    const bound = await this.readBound(scope.manifest);
    let credentials: RoleCredentials | undefined;
    if (assumes)
      credentials =
        role && guessedRole === (this.boundRole ?? null) ? await role : await this.assume(this.boundRole);
    if (bound.text !== cached) writeManifestCache(workspaceRoot, cacheKey, bound.text);
    return { values: bound.values, credentials };
  }

  /**
   * Reads the values again: the scope's manifest and what it names or, for `--script`, every value
   * of the stage.
   */
  async readValues(): Promise<ResolvedValues> {
    const { scope } = this.opts;
    return scope.manifest
      ? (await this.readBound(scope.manifest)).values
      : readStageValues({ aws: this.aws, app: scope.entry.name, ssmPrefix: scope.ssmPrefix });
  }

  /** Assumes the role of the manifest read last; `reuse` off asks the cloud for a new session. */
  assumeRole(reuse = true): Promise<RoleCredentials | undefined> {
    return this.assume(this.boundRole, reuse);
  }

  /**
   * Whether `error` means the daemon of the discovery file did not answer as the local cloud (refused,
   * cut, another server), so that `reconnect` and another `start` may succeed: only for a cloud joined
   * without the health check.
   */
  mayReconnect(error: unknown): boolean {
    return !!this.currentCloud.unchecked && notTheCloud(error);
  }

  /** Joins (or starts) the local cloud with the health check, after `mayReconnect`. */
  async reconnect(): Promise<void> {
    this.aws.close();
    this.currentCloud = await this.opts.reconnect();
    this.aws = this.clientsOf(this.currentCloud);
  }

  close(): void {
    this.aws.close();
  }

  private clientsOf(cloud: StageCloud): BindAws {
    if (this.opts.clients) return this.opts.clients(cloud);
    return cloud.local ? localBindAws(cloud) : sdkBindAws(cloud);
  }

  /**
   * The current manifest and its values. When `known` names them, the manifest, its values, its
   * secrets (and their fallbacks when they fit) come in one GetParameters; whatever the current
   * manifest names that `known` did not is read after. The current manifest always decides.
   */
  private async readBound(manifestName: string): Promise<{ text: string; values: ResolvedValues }> {
    const { scope } = this.opts;
    const app = scope.entry.name;
    const plan = this.known && planValues({ app, ssmPrefix: scope.ssmPrefix, env: this.known.env });
    // A stage deployed before nx-sst named projects as Nx does keeps the manifest under the old name:
    // asked for in the same call, and read only when the current name's is missing.
    const legacy = manifestName === scope.manifest ? (scope.legacyManifests ?? []) : [];
    const first = [manifestName, ...legacy];
    const read = await readFirstRound(this.aws, first, plan || undefined);
    const found = first.find((name) => read.found.has(name));
    const text = found === undefined ? undefined : read.found.get(found)?.value;
    if (text === undefined) throw notDeployed(scope, scope.stage, this.opts.target);
    const manifest = JSON.parse(text) as BindManifest;
    if (found === manifestName) checkOwner(scope, manifest);
    const values = await resolveValues({
      aws: this.aws,
      app,
      stage: scope.stage,
      ssmPrefix: scope.ssmPrefix,
      env: manifest.env,
      read,
      appFlag: scope.appFlag,
    });
    this.known = manifest;
    this.boundRole = manifest.roleArn;
    return { text, values };
  }

  // On the local cloud the role's session keys of an earlier run are reused while they have more
  // than an hour left: they are moto's, valid only against the daemon that issued them. Sessions
  // asked for with other lengths are other sessions. A refresh before expiry (`reuse` off) always
  // asks for a new session, and keeps it for the next run.
  private async assume(arn: string | null | undefined, reuse = true): Promise<RoleCredentials | undefined> {
    const { workspaceRoot, roleDurations } = this.opts;
    const cloud = this.currentCloud;
    const key =
      cloud.local && cloud.instance && arn
        ? `${cloud.instance}|${arn}|${(roleDurations ?? ROLE_DURATIONS).join(',')}`
        : undefined;
    const reused = reuse && key && readLocalCredentials(workspaceRoot, key);
    if (reused) return reused;
    const fresh = await assumeTargetRole({ aws: this.aws, cloud, roleArn: arn, durations: roleDurations });
    if (key && fresh) writeLocalCredentials(workspaceRoot, key, fresh);
    return fresh;
  }
}

/**
 * Project names map to manifest names with SSM's refused characters as "_", so `@acme/web` and
 * `_acme/web` share one. Synthesis refuses that, but a manifest deployed before the other project
 * existed, or an app sharing the SSM prefix, can still hold another project's values and role.
 */
function checkOwner(scope: Scope, manifest: BindManifest): void {
  const owner = manifest.project?.name;
  if (!scope.project || !owner || owner === scope.project) return;
  throw new NxSstError(
    `The bind manifest ${scope.manifest} on the stage "${scope.stage}" belongs to the project "${owner}", not "${scope.project}": the two names map to one SSM parameter name.`,
    `Rename one of the projects so their names differ once characters other than letters, digits and "_.-/" are "_", then deploy: nx-sst deploy --stage ${scope.stage}${scope.appFlag}`,
  );
}

function notDeployed(scope: Scope, stage: string, target?: string): NxSstError {
  if (target) {
    return new NxSstError(
      `Unknown target "${target}" on the stage "${stage}" of ${scope.entry.name}.`,
      scope.entry.targets.length
        ? `Targets of ${scope.entry.name}: ${scope.entry.targets.join(', ')}. If "${target}" is new, deploy first: nx-sst deploy --stage ${stage}${scope.appFlag}`
        : `Deploy first: nx-sst deploy --stage ${stage}${scope.appFlag}`,
    );
  }
  return new NxSstError(
    `${scope.label} has nothing deployed on the stage "${stage}" yet.`,
    `Deploy it first: nx-sst deploy --stage ${stage}${scope.appFlag}, or run without bindings: nx-sst bind --script${scope.appFlag}`,
  );
}

/** A request that reached no local cloud: refused or cut, or answered by another server. */
function notTheCloud(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException)?.code ?? '';
  return (
    error instanceof NotTheCloudError ||
    ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH'].includes(code)
  );
}
