import path from 'node:path';

/**
 * The chat page's static files: `public/` at the package root, from `src/web/` and `dist/web/` alike.
 *
 * @example
 * ```ts
 * readFileSync(path.join(WEB_PAGE_DIR, 'index.html'), 'utf8');
 * ```
 */
export const WEB_PAGE_DIR = path.resolve(import.meta.dirname, '../../public');
