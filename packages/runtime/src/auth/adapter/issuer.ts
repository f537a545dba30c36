import type { Configuration } from 'openid-client';
import type { IssuerInput, IssuerMetadata } from './issuer-types.js';
import { isLoopback } from './request.js';

type OpenidClient = typeof import('openid-client');

let openid: Promise<OpenidClient> | undefined;
/** openid-client is loaded on the first OAuth or OIDC request: Session and LinkAdapter users never load it. */
export function openidClient(): Promise<OpenidClient> {
  return (openid ??= import('openid-client'));
}

const configurations = new Map<string, Promise<Configuration>>();

function metadataOf(issuer: IssuerInput): IssuerMetadata | undefined {
  if (typeof issuer === 'string' || issuer instanceof URL) return undefined;
  const metadata = (issuer as { metadata?: unknown }).metadata;
  if (metadata && typeof metadata === 'object' && typeof (metadata as IssuerMetadata).issuer === 'string') {
    return metadata as IssuerMetadata;
  }
  if (typeof (issuer as IssuerMetadata).issuer === 'string') return issuer as IssuerMetadata;
  throw new Error(
    `Auth: "issuer" must be the issuer's URL, its metadata ({ issuer, authorization_endpoint, token_endpoint, … }) or an openid-client Issuer; got ${JSON.stringify(issuer)}.`,
  );
}

function allLoopback(urls: unknown[]): boolean {
  const given = urls.filter((u): u is string => typeof u === 'string');
  return (
    given.length > 0 && given.every((u) => new URL(u).protocol === 'https:' || isLoopback(new URL(u).host))
  );
}

/**
 * The client configuration for one issuer and client, made once per process. Plain HTTP is allowed only
 * when every endpoint is on the loopback (a local stand-in); anywhere else openid-client requires HTTPS.
 */
export function configuration(
  issuer: IssuerInput,
  clientId: string,
  clientSecret?: string,
  responseType: 'code' | 'id_token' = 'code',
): Promise<Configuration> {
  const metadata = metadataOf(issuer);
  const key = JSON.stringify([metadata ?? String(issuer), clientId, clientSecret ?? null, responseType]);
  let config = configurations.get(key);
  if (!config) {
    config = (async () => {
      const oc = await openidClient();
      const auth = clientSecret ? oc.ClientSecretPost(clientSecret) : oc.None();
      const client = clientSecret ? { client_secret: clientSecret } : undefined;
      if (!metadata) {
        const url = new URL(String(issuer));
        const insecure = url.protocol === 'http:' && isLoopback(url.host);
        const discovered: Configuration = await oc.discovery(
          url,
          clientId,
          client,
          auth,
          insecure ? { execute: [oc.allowInsecureRequests] } : undefined,
        );
        if (responseType === 'id_token') oc.useIdTokenResponseType(discovered);
        return discovered;
      }
      const made = new oc.Configuration(
        metadata as ConstructorParameters<OpenidClient['Configuration']>[0],
        clientId,
        client,
        auth,
      );
      const endpoints = [
        metadata.authorization_endpoint,
        metadata.token_endpoint,
        metadata.userinfo_endpoint,
        metadata.jwks_uri,
      ];
      if (endpoints.some((u) => typeof u === 'string' && u.startsWith('http:')) && allLoopback(endpoints)) {
        oc.allowInsecureRequests(made);
      }
      if (responseType === 'id_token') oc.useIdTokenResponseType(made);
      return made;
    })();
    // A failed discovery is tried again on the next request instead of failing every later one.
    config.catch(() => configurations.delete(key));
    configurations.set(key, config);
  }
  return config;
}
