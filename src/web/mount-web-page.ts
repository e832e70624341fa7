import express, { type Express } from 'express';
import { WEB_PAGE_DIR } from './web-page-dir.js';
import { WEB_PAGE_HEADERS } from './web-page-headers.js';

/**
 * Serves the chat page (`public/`: index.html, app.js, style.css) at `/` of `app`. The page
 * loads socket.io's own client from the relay (`socket.io/socket.io.esm.min.js`, relative to the page, as
 * its socket's path: behind a proxy under `/chat/`, both are under it), so it needs no build step and
 * its socket is always same-origin. Mounted after the HTTP API: a request the API answers
 * never reaches these files, and a path neither knows falls through to Express's 404.
 *
 * @example
 * ```ts
 * if (config.webPage) mountWebPage(server.app); // GET / now answers with the chat page
 * ```
 */
export function mountWebPage(app: Express): void {
  app.use(
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
