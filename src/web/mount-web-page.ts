import { fileURLToPath } from 'node:url';
import express from 'express';
import type { RelayServer } from '../relay/relay-server.js';

/** The chat page's static files: `public/` at the package root, from `src/web/` and `dist/web/` alike. */
export const WEB_PAGE_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

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
  // No-cache keeps the page and its script in step after an upgrade; ETags keep revalidation cheap.
  server.app.use(express.static(WEB_PAGE_DIR, { index: 'index.html', cacheControl: true, maxAge: 0 }));
}
