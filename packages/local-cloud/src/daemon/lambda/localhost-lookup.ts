// eslint-disable-next-line @typescript-eslint/no-require-imports -- the module object itself, whose lookup is replaced: `import * as` (esModuleInterop) gives a copy with getters
import dns = require('node:dns');

type LookupCallback = (error: Error | null, address: string | dns.LookupAddress[], family?: number) => void;

/** `*.localhost`, a subdomain of the loopback name (RFC 6761 6.3), as browsers and curl resolve it. */
export const LOCALHOST_NAME = /^[^.]+(\.[^.]+)*\.localhost\.?$/i;

let installed = false;

/**
 * Makes `dns.lookup` (which Node's net, http and fetch use) answer `*.localhost` with the loopback
 * address, as browsers and curl do. Node asks the system's getaddrinfo, which on most Linux, macOS and
 * Windows machines does not know these names (Node 20 and 24 alike): without this, Node code could not
 * call the host form of a local function URL (`http://URL_ID.lambda-url.localhost:PORT/`) that a
 * `NextjsSite` binds on the local cloud. Other names go to the system as before. Once per process.
 */
export function resolveLocalhostNames(): void {
  if (installed) return;
  installed = true;
  const lookup = dns.lookup as (...args: unknown[]) => unknown;
  (dns as { lookup: unknown }).lookup = function lookupLocalhost(this: unknown, ...args: unknown[]) {
    const [hostname, second, third] = args;
    if (typeof hostname !== 'string' || !LOCALHOST_NAME.test(hostname)) return lookup.apply(this, args);
    const callback = (typeof second === 'function' ? second : third) as LookupCallback;
    const options =
      typeof second === 'number' ? { family: second } : typeof second === 'object' && second ? second : {};
    const { family, all } = options as { family?: number | string; all?: boolean };
    const v6 = family === 6 || family === 'IPv6';
    const address = { address: v6 ? '::1' : '127.0.0.1', family: v6 ? 6 : 4 };
    process.nextTick(() =>
      all ? callback(null, [address]) : callback(null, address.address, address.family),
    );
    return {};
  };
}
