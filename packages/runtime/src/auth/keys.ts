import { boundAuths, type AuthValues } from './resources.js';

// A function serves one Auth (SST v2 read the first one bound); two bound Auths would make it a guess
// which key signs or verifies, so that is an error naming them.
function theAuth(prop: string): { id: string; values: AuthValues } {
  const ids = Object.keys(boundAuths);
  if (ids.length === 0) {
    throw new Error(
      `Auth.${prop}: no Auth is bound to this code. Bind it (bind: [auth]) or attach it to this function's Api (auth.attach(stack, { api })), and run through Nx or nx-sst bind when running locally.`,
    );
  }
  if (ids.length > 1) {
    throw new Error(
      `Auth.${prop}: ${ids.length} Auths are bound to this code (${ids.join(', ')}); sessions are signed and verified with one key pair. Bind only one Auth to it.`,
    );
  }
  return { id: ids[0], values: boundAuths[ids[0]] };
}

/** The public key sessions are verified with (PEM). */
export function getPublicKey(): string {
  return theAuth('publicKey').values.publicKey;
}

/** The private key sessions are signed with (PEM): only the authenticator has it. */
export function getPrivateKey(): string {
  const { id, values } = theAuth('privateKey');
  if (!('privateKey' in values)) {
    throw new Error(
      `Auth.privateKey: only the authenticator of Auth "${id}" (the function auth.attach mounts) holds the private key; sessions are created there. Other functions verify them with the public key.`,
    );
  }
  return values.privateKey as string;
}

/** The path the authenticator's routes are under (`/auth`). */
export function getPrefix(): string {
  const { id, values } = theAuth('prefix');
  if (!('prefix' in values)) {
    throw new Error(
      `Auth.prefix: Auth "${id}" is bound here but this is not its authenticator; AuthHandler runs in the function given as "authenticator" and mounted with auth.attach(stack, { api }).`,
    );
  }
  return values.prefix as string;
}
