import path from 'node:path';

const PLUGIN_FILE = /^[^._][^/\\]*\.(?:ts|mts|js|mjs)$/;
const NOT_A_PLUGIN = /\.(?:test|spec)\.[mc]?[jt]s$|\.d\.[mc]?ts$/;

/**
 * True when `file` (a name or a path) looks like a plugin: `.ts`/`.js`, not a test, not `_private`.
 *
 * @example
 * ```ts
 * isPluginFile('echo.ts'); // true
 * isPluginFile('echo.test.ts'); // false
 * ```
 */
export function isPluginFile(file: string): boolean {
  const name = path.basename(file);
  return PLUGIN_FILE.test(name) && !NOT_A_PLUGIN.test(name);
}
