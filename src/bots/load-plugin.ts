import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { RelayError } from '../relay/relay-error.js';
import { type BotDefinition, isBotDefinition } from './define-bot.js';

// Running from the TypeScript sources means a TS loader (tsx, or vitest's) is active: plugins written in
// TS import as they are. Running from dist/ (an installed package), TS plugins go through tsx's tsImport.
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
let version = 0;

/**
 * Imports a plugin file and returns its bot. `fresh` imports a new copy (reloading a changed file).
 * Any failure — missing file, syntax error, a throw at import, no `defineBot` default export — is a
 * `RELAY_ERR_PLUGIN_LOAD_FAILED` RelayError naming the file and the reason.
 *
 * @example
 * ```ts
 * const bot = await loadPlugin('/app/plugins/echo.ts');
 * ```
 */
export async function loadPlugin(
  file: string,
  options: { fresh?: boolean } = {},
): Promise<BotDefinition<unknown>> {
  const absolute = path.resolve(file);
  let module: { default?: unknown };
  try {
    module = await importFile(absolute, options.fresh ?? false);
  } catch (error) {
    throw new RelayError('RELAY_ERR_PLUGIN_LOAD_FAILED', `${absolute}: ${firstLine(error)}`, {
      cause: error,
    });
  }
  if (!isBotDefinition(module.default)) {
    throw new RelayError(
      'RELAY_ERR_PLUGIN_LOAD_FAILED',
      `${absolute}: the default export is not a bot (export default defineBot({ name, description, setup }))`,
    );
  }
  return module.default;
}

async function importFile(file: string, fresh: boolean): Promise<{ default?: unknown }> {
  const url = pathToFileURL(file).href;
  if (!RUNNING_FROM_SOURCE && /\.m?ts$/.test(file)) {
    // tsImport loads the file in its own namespace on every call: always a fresh copy.
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as { default?: unknown };
  }
  // A new query string is a new module for the ESM loader: the changed file is read again.
  if (fresh) version += 1;
  return (await import(fresh ? `${url}?reload=${version}` : url)) as { default?: unknown };
}

// The reason, on one line: loaders put it on the second line after a "Transform failed:" heading.
function firstLine(error: unknown): string {
  const message = stripVTControlCharacters(error instanceof Error ? error.message : String(error));
  const meaningful = message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const [first = message, second] = meaningful;
  return first.endsWith(':') && second ? `${first} ${second}` : first;
}
