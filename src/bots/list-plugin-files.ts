import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { RelayError } from '../relay/relay-error.js';
import { isPluginFile } from './is-plugin-file.js';

/**
 * The plugin files of `dir` (not its subfolders), sorted. Throws a `RELAY_ERR_PLUGIN_LOAD_FAILED`
 * RelayError when the folder cannot be read.
 *
 * @example
 * ```ts
 * await listPluginFiles('plugins'); // ['/app/plugins/echo.ts', '/app/plugins/ping.ts', …]
 * ```
 */
export async function listPluginFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    throw new RelayError(
      'RELAY_ERR_PLUGIN_LOAD_FAILED',
      `plugins folder ${dir} cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  return names
    .filter(isPluginFile)
    .sort()
    .map((name) => path.resolve(dir, name));
}
