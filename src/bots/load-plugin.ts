import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { RelayError } from '../relay/relay-error.js';
import { type BotDefinition, isBotDefinition } from './define-bot.js';

// Running from the TypeScript sources means a TS loader (tsx, or vitest's) is active: plugins written in
// TS import as they are. Running from dist/ (an installed package), TS plugins go through tsx's tsImport.
const RUNNING_FROM_SOURCE = import.meta.url.endsWith('.ts');
const require = createRequire(import.meta.url);
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
  const bot = defaultExport(module);
  if (!isBotDefinition(bot)) {
    throw new RelayError(
      'RELAY_ERR_PLUGIN_LOAD_FAILED',
      `${absolute}: the default export is not a bot (export default defineBot({ name, description, setup }))`,
    );
  }
  return bot;
}

// A plugin compiled to CommonJS — a `.ts` file in a project whose package.json has no "type": "module",
// which tsx compiles as Node would a `.js` file there — has its `export default` as `exports.default`
// (marked `__esModule`), and an ES import sees the whole `exports` object as the default:
// `{ default: { __esModule: true, default: bot } }`. Unwrapped here, the one place every plugin
// passes through, so that hand-written plugins work in such projects as well as generated ones.
function defaultExport(module: { default?: unknown }): unknown {
  const exported = module.default;
  if (isBotDefinition(exported) || typeof exported !== 'object' || exported === null) return exported;
  const inner = (exported as { default?: unknown }).default;
  return isBotDefinition(inner) ? inner : exported;
}

async function importFile(file: string, fresh: boolean): Promise<{ default?: unknown }> {
  const url = pathToFileURL(file).href;
  if (!RUNNING_FROM_SOURCE && /\.m?ts$/.test(file)) {
    // tsImport loads the file in its own namespace on every call: always a fresh copy.
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as { default?: unknown };
  }
  // A new query string is a new module for the ESM loader: the changed file is read again. A CommonJS
  // plugin (a `.js` file, or `.ts` compiled as one, in a project without "type": "module") is loaded
  // through require's cache, keyed by the file without the query: dropped from it, it is read again.
  if (fresh) {
    version += 1;
    delete require.cache[file];
  }
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
