import path from 'node:path';
import express from 'express';
import type { RelayServer } from '../relay/relay-server.js';

/** The chat page's static files: `public/` at the package root, from `src/web/` and `dist/web/` alike. */
export const WEB_PAGE_DIR = path.resolve(import.meta.dirname, '../../public');

/**
 * Serves the chat page (`public/`: index.html, app.js, style.css) at `/` when `webPage` is on. The page
 * loads socket.io's own client from the relay (`/socket.io/socket.io.esm.min.js`), so it needs no build
 * step and its socket is always same-origin. Mounted after the HTTP API: a request the API answers
 * never reaches these files, and a path neither knows falls through to Express's 404.
 *
 * @example
 * ```ts
 * const server = new RelayServer({ config, logger });
 * mountWebPage(server); // GET / now answers with the chat page
 * ```
 */
export function mountWebPage(server: RelayServer): void {
  if (!server.config.webPage) return;
  server.app.use(
    express.static(WEB_PAGE_DIR, {
      index: 'index.html',
      // maxAge 0: the page and its script stay in step after an upgrade; ETags keep revalidation cheap.
      maxAge: 0,
      setHeaders: (res) => {
        for (const [name, value] of Object.entries(WEB_PAGE_HEADERS)) res.setHeader(name, value);
      },
    }),
  );
}

/**
 * The page's own security headers (the HTTP API sets stricter ones on its JSON). Everything comes from
 * the relay itself, including the socket (`connect-src 'self'` covers same-origin WebSocket), and
 * nothing is inline, so the policy needs no `'unsafe-inline'`.
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
