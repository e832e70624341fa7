import type { IncomingMessage } from 'node:http';
import type { HostGuard } from './create-host-guard.js';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
// As for refused hosts: enough to see who is misconfigured or probing, without memory growing under attack.
const MAX_REPORTED_ORIGINS = 64;

/**
 * Decides which browser origins may open a socket. WebSocket upgrades are not covered by CORS, so this
 * guard runs in socket.io's `allowRequest` for every handshake, polling or WebSocket alike.
 *
 * Allowed: requests without an `Origin` header (native apps, Node, curl: origin checks only protect
 * browsers), same-origin pages, `origins` listed exactly, any origin when `origins` has `"*"`, and, when
 * `origins` is empty, pages served from loopback on any port (local development). Same-origin counts only
 * for a `Host` that `hosts` allows: a rebound name (`evil.example` resolving to the relay) is same-origin
 * with itself, so without that check every DNS-rebinding page would pass. `onRefused` hears each refused
 * origin once (the first 64 of them), so a page retrying its handshake cannot flood the log.
 *
 * @example
 * ```ts
 * const hosts = createHostGuard({ allowedHosts: [], origins: ['https://chat.example.com'] });
 * const guard = createOriginGuard(['https://chat.example.com'], hosts);
 * new Server(httpServer, { allowRequest: guard.allowRequest, cors: { origin: guard.corsOrigin } });
 * ```
 */
export function createOriginGuard(
  origins: readonly string[],
  hosts: HostGuard,
  onRefused: (origin: string) => void = () => {},
): {
  isAllowed(origin: string | undefined, host?: string, proto?: 'http' | 'https'): boolean;
  allowRequest(
    req: IncomingMessage,
    callback: (err: string | null | undefined, success: boolean) => void,
  ): void;
  corsOrigin(origin: string | undefined, callback: (err: Error | null, allow?: boolean) => void): void;
} {
  const reported = new Set<string>();
  const anyOrigin = origins.includes('*');
  const listed = new Set(origins.map((origin) => origin.replace(/\/$/, '').toLowerCase()));

  // `proto`: the scheme a trusted proxy says the page used; then the origin's scheme must be it too.
  const isAllowed = (origin: string | undefined, host?: string, proto?: 'http' | 'https'): boolean => {
    if (origin === undefined || anyOrigin) return true;
    const normalized = origin.toLowerCase();
    if (listed.has(normalized)) return true;
    let url: URL;
    try {
      url = new URL(normalized);
    } catch {
      return false;
    }
    if (host !== undefined && sameOrigin(url, host, proto) && hosts.isAllowed(host)) return true;
    return listed.size === 0 && LOOPBACK_HOSTS.has(url.hostname);
  };

  return {
    isAllowed,
    allowRequest(req, callback) {
      const allowed = isAllowed(
        req.headers.origin,
        hosts.requestHost(req.headers),
        hosts.requestProto(req.headers),
      );
      const origin = req.headers.origin ?? '';
      if (!allowed && !reported.has(origin) && reported.size < MAX_REPORTED_ORIGINS) {
        reported.add(origin);
        onRefused(origin);
      }
      callback(allowed ? null : 'RELAY_ERR_ORIGIN_NOT_ALLOWED', allowed);
    },
    corsOrigin(origin, callback) {
      callback(null, isAllowed(origin));
    },
  };
}

// The page's origin against the host (and scheme, when a trusted proxy told it) the request was made to;
// parsed as a URL of the origin's scheme, so `chat.example.com:443` matches `https://chat.example.com`.
function sameOrigin(origin: URL, host: string, proto: 'http' | 'https' | undefined): boolean {
  if (proto !== undefined && origin.protocol !== `${proto}:`) return false;
  try {
    return new URL(`${origin.protocol}//${host.toLowerCase()}`).host === origin.host;
  } catch {
    return false;
  }
}
