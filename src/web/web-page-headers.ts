/**
 * The page's own security headers (the HTTP API sets stricter ones on its JSON). Everything comes from
 * the relay itself, including the socket (`connect-src 'self'` covers same-origin WebSocket), and
 * nothing is inline, so the policy needs no `'unsafe-inline'`.
 *
 * @example
 * ```ts
 * for (const [name, value] of Object.entries(WEB_PAGE_HEADERS)) res.setHeader(name, value);
 * ```
 */
export const WEB_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
};
