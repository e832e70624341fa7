import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { type ForwardedProto, forwardedHost, forwardedProto } from './forwarded-request.js';

/** Decides whether a request's `Host` names this relay (see {@link createHostGuard}). */
export interface HostGuard {
  /** True when `host` (a `Host` header: a name and an optional port) is one the relay answers, or absent. */
  isAllowed(host: string | undefined): boolean;
  /** The name `host` is checked by: lowercase, no port, no brackets, no trailing dot. */
  hostnameOf(host: string): string;
  /**
   * The host a request names: `Host`, or with `trustProxy` the proxy's `X-Forwarded-Host` (see
   * forwardedHost). Every check of a request's host and same origin goes through this.
   */
  requestHost(headers: IncomingHttpHeaders): string | undefined;
  /** The scheme a trusted proxy says the request came with (`X-Forwarded-Proto`); else `undefined`. */
  requestProto(headers: IncomingHttpHeaders): ForwardedProto | undefined;
}

/** What decides the allowed names: the relay's `allowedHosts`, `origins` and `host` settings. */
export interface HostGuardOptions {
  readonly allowedHosts: readonly string[];
  readonly origins: readonly string[];
  readonly host?: string | undefined;
  /**
   * Read `X-Forwarded-Host` and `X-Forwarded-Proto` (the `trustProxy` setting): only for a relay that
   * only its proxy can reach, since anyone else can send them too. Default `false`.
   */
  readonly trustProxy?: boolean;
  /** Told about a refused name, once per name and for at most 64 names, so a flood logs a few lines. */
  readonly onRefused?: (hostname: string) => void;
}

// Enough to see who is misconfigured or probing; more names would only grow memory under attack.
const MAX_REPORTED_NAMES = 64;

/**
 * The defence against DNS rebinding: a page on a name the attacker controls (`http://evil.example`) whose
 * DNS answer is switched to the relay's address is same-origin with itself, so its requests carry no
 * `Origin` or one that matches its `Host`; only the `Host` header tells the relay it was not meant to
 * answer. As in webpack-dev-server and Vite, allowed are: IP addresses (no DNS, so nothing to rebind),
 * `localhost` and `*.localhost` (RFC 6761: always loopback), the hosts of `origins`, a `host` setting that
 * is a name, and the `allowedHosts` entries (`.example.com`: the domain and its subdomains; `*` or `all`:
 * any name). Requests without `Host` (HTTP/1.0 tools) pass: browsers always send one.
 *
 * @example
 * ```ts
 * const hosts = createHostGuard({ allowedHosts: ['relay.example.com'], origins: [] });
 * hosts.isAllowed('relay.example.com:443'); // true
 * hosts.isAllowed('evil.example'); // false
 * ```
 */
export function createHostGuard(options: HostGuardOptions): HostGuard {
  const entries = options.allowedHosts.map((entry) => entry.toLowerCase().replace(/\.$/, ''));
  const anyHost = entries.includes('*') || entries.includes('all');
  const exact = new Set<string>();
  const domains: string[] = [];
  for (const entry of entries) {
    if (entry.startsWith('*.') || entry.startsWith('.')) domains.push(entry.slice(entry.indexOf('.') + 1));
    else exact.add(entry.replace(/^\[|\]$/g, ''));
  }
  for (const origin of options.origins) {
    const hostname = originHostname(origin);
    if (hostname) exact.add(hostname);
  }
  if (options.host) exact.add(hostnameOf(options.host));

  const reported = new Set<string>();
  const refuse = (hostname: string): false => {
    if (options.onRefused && !reported.has(hostname) && reported.size < MAX_REPORTED_NAMES) {
      reported.add(hostname);
      options.onRefused(hostname);
    }
    return false;
  };

  const trustProxy = options.trustProxy ?? false;
  return {
    hostnameOf,
    requestHost: (headers) => forwardedHost(headers, trustProxy),
    requestProto: (headers) => forwardedProto(headers, trustProxy),
    isAllowed(host) {
      if (host === undefined || anyHost) return true;
      const hostname = hostnameOf(host);
      if (isIP(hostname) !== 0) return true;
      if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
      if (exact.has(hostname)) return true;
      if (domains.some((domain) => hostname === domain || hostname.endsWith(`.${domain}`))) return true;
      return refuse(hostname);
    },
  };
}

function hostnameOf(host: string): string {
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith('[')) {
    const end = trimmed.indexOf(']');
    return end < 0 ? trimmed : trimmed.slice(1, end);
  }
  // A bare IPv6 address is no valid Host, but as a `host` setting it is one name, not a name and a port.
  if (isIP(trimmed) === 6) return trimmed;
  const colon = trimmed.indexOf(':');
  return (colon < 0 ? trimmed : trimmed.slice(0, colon)).replace(/\.$/, '');
}

function originHostname(origin: string): string | undefined {
  try {
    return hostnameOf(new URL(origin).host);
  } catch {
    return undefined;
  }
}
