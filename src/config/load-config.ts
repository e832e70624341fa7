import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { CONFIG_FILE_KEY, ConfigError } from '../relay/config-error.js';
import { closestName } from './closest-name.js';
import { parseRelayConfig } from './parse-relay-config.js';
import type { RelayConfig } from './relay-config-schema.js';
import { type SettingLeaf, settingLeaves } from './setting-leaves.js';

/** Files looked for in the working directory when no `--config` is given. */
export const DEFAULT_CONFIG_FILES = ['relay.config.json', 'relay.config.yaml', 'relay.config.yml'] as const;

/** Where settings come from; later ones win: defaults, file, environment, flags. */
export interface ConfigSources {
  /** Flag values by setting key (`rateLimit.burst`), as the CLI parsed them; undefined values are ignored. */
  readonly flags?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** A config file to read; when absent, the default files are looked for in `cwd`. */
  readonly configFile?: string;
  readonly cwd?: string;
}

/** Conventional variables read as well as their `RELAY_` names. */
const ALIASES: Readonly<Record<string, string>> = { port: 'PORT', host: 'HOST' };

/**
 * Builds the relay's settings from a config file (JSON or YAML), `RELAY_*` environment variables and
 * flags, in that order of precedence, and validates them. A bad value throws a {@link ConfigError}
 * that names the key and where it came from (the file, the variable or the flag).
 *
 * @example
 * ```ts
 * const { config } = await loadConfig({ env: process.env, flags: { port: 8080 } });
 * ```
 */
export async function loadConfig(
  sources: ConfigSources = {},
): Promise<{ config: RelayConfig; file?: string }> {
  const cwd = sources.cwd ?? process.cwd();
  const env = sources.env ?? {};
  // `--config "$FILE"` with FILE unset read no file at all, not even the working directory's.
  if (sources.configFile === '') {
    throw new ConfigError(
      CONFIG_FILE_KEY,
      '""',
      'is an empty name (given to --config); name a file, or leave --config out to read relay.config.* in the working directory',
    );
  }
  // An empty RELAY_CONFIG is unset, as every other empty variable is: the default file still counts.
  const file = sources.configFile ?? (env.RELAY_CONFIG || undefined) ?? findDefaultFile(cwd);
  const namedBy = sources.configFile ? '--config' : env.RELAY_CONFIG ? 'RELAY_CONFIG' : undefined;
  const origin = new Map<string, string>();
  const merged: Record<string, unknown> = file
    ? await readConfigFile(file, path.resolve(cwd, file), namedBy)
    : {};
  for (const key of Object.keys(merged)) origin.set(key, file ?? '');

  for (const leaf of settingLeaves()) {
    const names = [leaf.env, ...(ALIASES[leaf.key] ? [ALIASES[leaf.key] as string] : [])];
    const name = names.find((candidate) => env[candidate] !== undefined && env[candidate] !== '');
    if (name) {
      setPath(merged, leaf.path, coerce(leaf, env[name] as string), `environment variable ${name}`, origin);
      origin.set(leaf.key, `environment variable ${name}`);
    }
    const flag = flagValue(leaf, sources.flags?.[leaf.key]);
    if (flag !== undefined) {
      setPath(
        merged,
        leaf.path,
        typeof flag === 'string' ? coerce(leaf, flag) : flag,
        `flag ${leaf.flag}`,
        origin,
      );
      origin.set(leaf.key, `flag ${leaf.flag}`);
    }
  }

  try {
    return { config: parseRelayConfig(merged, file ?? 'settings'), ...(file ? { file } : {}) };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    const source = sourceOf(error.key, origin) ?? error.source;
    throw new ConfigError(error.key, source, error.detail.slice(error.detail.indexOf('is invalid: ') + 12));
  }
}

function findDefaultFile(cwd: string): string | undefined {
  return DEFAULT_CONFIG_FILES.find((name) => existsSync(path.join(cwd, name)));
}

async function readConfigFile(
  given: string,
  file: string,
  namedBy: string | undefined,
): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(CONFIG_FILE_KEY, given, await missingFile(file, namedBy));
    throw new ConfigError(CONFIG_FILE_KEY, given, `cannot be read (${code ?? error})`);
  }
  let data: unknown;
  try {
    data = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(CONFIG_FILE_KEY, given, syntaxError(error, text, file.endsWith('.json')));
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigError('(root)', given, 'expected an object of settings');
  }
  return data as Record<string, unknown>;
}

// "does not exist", with the absolute path looked at, who named it, and a near file name in that folder.
async function missingFile(file: string, namedBy: string | undefined): Promise<string> {
  const siblings = await readdir(path.dirname(file)).catch(() => []);
  const near = closestName(path.basename(file), siblings);
  return (
    `does not exist (nothing at ${file}${namedBy ? `, named by ${namedBy}` : ''})` +
    (near ? `; did you mean ${near}?` : '')
  );
}

// The parser's complaint with the line and column it stopped at (1-based), without its code frame.
function syntaxError(error: unknown, text: string, json: boolean): string {
  if (error instanceof YAMLParseError) {
    const at = error.linePos?.[0];
    const reason = error.message.split(' at line ')[0]?.trim() ?? error.message;
    return `is not valid YAML${at ? ` at line ${at.line}, column ${at.col}` : ''}: ${reason}`;
  }
  const message = (error as Error).message;
  if (!json) return `is not valid YAML: ${message}`;
  // Node 20 names only the offset ("at position 17"); newer ones add "(line 3 column 1)".
  const offset = /at position (\d+)/.exec(message)?.[1];
  const reason = message.replace(/ in JSON at position \d+.*$/, '').replace(/ \(line \d+ column \d+\)$/, '');
  if (offset === undefined) return `is not valid JSON: ${reason}`;
  const before = text.slice(0, Number(offset)).split('\n');
  const column = (before[before.length - 1]?.length ?? 0) + 1;
  return `is not valid JSON at line ${before.length}, column ${column}: ${reason}`;
}

// A flag as its variable would read: yargs gives `--x=1` as a number and a repeated flag as an array
// (scripts append flags): the last one given counts, as text.
function flagValue(leaf: SettingLeaf, flag: unknown): unknown {
  if (leaf.kind !== 'number' && leaf.kind !== 'boolean') return flag;
  const last = Array.isArray(flag) ? flag.at(-1) : flag;
  return typeof last === 'number' ? String(last) : last;
}

function coerce(leaf: SettingLeaf, value: string): unknown {
  switch (leaf.kind) {
    case 'number': {
      const number = Number(value);
      // Left as text when not a number, so validation names the key and shows the bad value.
      return value.trim() !== '' && Number.isFinite(number) ? number : value;
    }
    case 'boolean':
      return ['1', 'true', 'yes', 'on'].includes(value.toLowerCase())
        ? true
        : ['0', 'false', 'no', 'off'].includes(value.toLowerCase())
          ? false
          : value;
    case 'array':
      return value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
    default:
      return value;
  }
}

// Sets one setting given by `by` (a variable, a flag). A parent set to something else than an object (a
// feature turned off with `false`, a mistyped value) is a conflict: quietly replaced, `history: false` in
// the file came back on from a leftover RELAY_HISTORY_STORE.
function setPath(
  target: Record<string, unknown>,
  keys: readonly string[],
  value: unknown,
  by: string,
  origin: ReadonlyMap<string, string>,
): void {
  let node = target;
  for (const [index, key] of keys.slice(0, -1).entries()) {
    const next = node[key];
    // `history:` with every child commented out is null in YAML: nothing was turned off.
    if (next === undefined || next === null) node[key] = {};
    else if (typeof next !== 'object' || Array.isArray(next)) {
      const parent = keys.slice(0, index + 1).join('.');
      const from = sourceOf(parent, origin) ?? 'the config file';
      // Only a switch is shown: a string or an array there may be a secret put at the wrong level.
      const shown =
        typeof next === 'boolean' ? String(next) : Array.isArray(next) ? 'an array' : `a ${typeof next}`;
      throw new ConfigError(
        keys.join('.'),
        by,
        `is set while "${parent}" is ${shown} (${from}); remove one of the two`,
      );
    }
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function sourceOf(key: string, origin: ReadonlyMap<string, string>): string | undefined {
  for (let parts = key.split('.'); parts.length > 0; parts = parts.slice(0, -1)) {
    const found = origin.get(parts.join('.'));
    if (found) return found;
  }
  return undefined;
}
