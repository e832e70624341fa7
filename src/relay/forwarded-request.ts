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
 * The client's address as a trusted proxy tells it: with `trustProxy`, the last `X-Forwarded-For` value
 * (the one the proxy in front of the relay appended; the ones before it came from further away and
 * anyone could have sent them); `undefined` without `trustProxy` or without the header.
 *
 * @example
 * ```ts
 * forwardedFor({ 'x-forwarded-for': '198.51.100.1, 203.0.113.7' }, true); // '203.0.113.7'
 * ```
 */
export function forwardedFor(headers: IncomingHttpHeaders, trustProxy: boolean): string | undefined {
  return trustProxy ? lastValue(headers['x-forwarded-for']) : undefined;
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

// A path of plain segments: no `.` or `..` segment, no query, fragment, backslash or percent-encoding
// (URL parsers read `%2e%2e` as `..`).
const PREFIX = /^(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/;

/**
 * The path a trusted proxy serves the relay under (`X-Forwarded-Prefix: /chat`, its last value), without
 * a trailing slash, for the URLs the relay hands out; `''` without `trustProxy`, when the proxy said
 * nothing, or when it said something that is not a plain path (`..` segments, a query, a full URL).
 *
 * @example
 * ```ts
 * forwardedPrefix({ 'x-forwarded-prefix': '/chat/' }, true); // '/chat'
 * ```
 */
export function forwardedPrefix(headers: IncomingHttpHeaders, trustProxy: boolean): string {
  if (!trustProxy) return '';
  const prefix = lastValue(headers['x-forwarded-prefix'])?.replace(/\/+$/, '');
  return prefix !== undefined && PREFIX.test(prefix) ? prefix : '';
}

function lastValue(header: string | string[] | undefined): string | undefined {
  const joined = Array.isArray(header) ? header.join(',') : header;
  const last = joined?.split(',').at(-1)?.trim();
  return last === undefined || last === '' ? undefined : last;
}
