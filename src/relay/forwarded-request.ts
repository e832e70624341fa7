import type { IncomingHttpHeaders } from 'node:http';

/** The scheme a browser used to reach the relay, as a trusted proxy tells it. */
export type ForwardedProto = 'http' | 'https';

/**
 * The host a request was made to: with `trustProxy`, the proxy's `X-Forwarded-Host` when it sent one,
 * else the `Host` header. Of several values (`a, b`: each proxy appended its own), the last is the one
 * the proxy in front of the relay set; the ones before it came from further away, the client included.
 *
 * @example
 * ```ts
 * forwardedHost({ host: '127.0.0.1:3000', 'x-forwarded-host': 'chat.example.com' }, true); // 'chat.example.com'
 * ```
 */
export function forwardedHost(headers: IncomingHttpHeaders, trustProxy: boolean): string | undefined {
  const forwarded = trustProxy ? lastValue(headers['x-forwarded-host']) : undefined;
  return forwarded ?? headers.host;
}

/**
 * The scheme a request was made with, when a trusted proxy said (`X-Forwarded-Proto: https`, its last
 * value); `undefined` without `trustProxy` or when it said nothing usable.
 */
export function forwardedProto(
  headers: IncomingHttpHeaders,
  trustProxy: boolean,
): ForwardedProto | undefined {
  if (!trustProxy) return undefined;
  const proto = lastValue(headers['x-forwarded-proto'])?.toLowerCase();
  return proto === 'http' || proto === 'https' ? proto : undefined;
}

function lastValue(header: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(header) ? header.join(',') : header;
  const last = joined?.split(',').at(-1)?.trim();
  return last === undefined || last === '' ? undefined : last;
}
