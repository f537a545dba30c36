/** An authorization server's metadata (RFC 8414 / OpenID discovery), the fields the flows use. */
export interface IssuerMetadata {
  issuer: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  userinfo_endpoint?: string;
  jwks_uri?: string;
  [key: string]: unknown;
}

/**
 * Who signs users in: its metadata, an `Issuer` of openid-client 5 (what SST v2 took; its `metadata` is
 * used), or the issuer's URL, whose `/.well-known/openid-configuration` is read on the first request.
 */
export type IssuerInput = IssuerMetadata | { metadata: IssuerMetadata } | string | URL;
