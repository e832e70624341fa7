import { ConfigError } from '../relay/config-error.js';

/** What an API token may do: publish, read the history, or everything (`admin`). */
export type ApiScope = 'publish' | 'read' | 'admin';

/** Every scope a token can be given. */
export const API_SCOPES: readonly ApiScope[] = ['publish', 'read', 'admin'];

/** A bearer token of the HTTP API. `name` shows up in logs and as `meta.from.name`; `secret` never does. */
export interface ApiToken {
  readonly name: string;
  readonly secret: string;
  readonly scopes: readonly ApiScope[];
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
// Secrets travel in an Authorization header and in the comma/colon-separated env form.
const SECRET = /^[\x21-\x7e]{1,512}$/;

/**
 * Turns the `api.tokens` setting (strings `name:secret:scope+scope`, as in `RELAY_API_TOKENS`, or
 * `{ name, secret, scopes }` objects from a config file) into tokens. Throws a {@link ConfigError} naming
 * the entry; error messages never contain a secret.
 *
 * @example
 * ```ts
 * parseApiTokens(['ci:s3cr3t:publish', 'ops:0ps-s3cr3t:publish+admin']);
 * // [{ name: 'ci', secret: 's3cr3t', scopes: ['publish'] }, { name: 'ops', … }]
 * ```
 */
/** A token as configured: the env form `name:secret:scope+scope`, or an object. */
export type ApiTokenEntry =
  | string
  | { readonly name: string; readonly secret: string; readonly scopes: readonly string[] };

export function parseApiTokens(entries: readonly ApiTokenEntry[]): ApiToken[] {
  const tokens: ApiToken[] = [];
  for (const [index, entry] of entries.entries()) {
    const key = `api.tokens.${index}`;
    const fail = (problem: string): never => {
      throw new ConfigError(key, 'api.tokens (config file, RELAY_API_TOKENS or --api-tokens)', problem);
    };
    let name: string;
    let secret: string;
    let scopes: readonly string[];
    if (typeof entry === 'string') {
      const parts = entry.split(':');
      if (parts.length !== 3) fail('expected name:secret:scope+scope, e.g. ci:s3cr3t:publish');
      [name, secret] = [parts[0] as string, parts[1] as string];
      scopes = (parts[2] as string).split('+');
    } else {
      ({ name, secret, scopes } = entry);
    }
    if (!NAME.test(name))
      fail(`token name ${JSON.stringify(name)} is not 1 to 64 letters, digits, -, _ or .`);
    if (!SECRET.test(secret)) fail(`the secret of token "${name}" must be 1 to 512 visible ASCII characters`);
    const unknown = scopes.filter((scope) => !API_SCOPES.includes(scope as ApiScope));
    if (unknown.length > 0 || scopes.length === 0) {
      fail(
        `token "${name}" has unknown scope ${JSON.stringify(unknown[0] ?? '')}; use ${API_SCOPES.join(', ')}`,
      );
    }
    if (tokens.some((token) => token.name === name)) fail(`token name "${name}" is used twice`);
    if (tokens.some((token) => token.secret === secret))
      fail(`token "${name}" has the secret of another token`);
    tokens.push({ name, secret, scopes: [...new Set(scopes as ApiScope[])] });
  }
  return tokens;
}
