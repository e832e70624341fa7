import { closestName } from './closest-name.js';
import { settingLeaves } from './setting-leaves.js';

// RELAY_* variables that are not settings of the relay but are read elsewhere: by the config loader
// (RELAY_CONFIG) and by the client commands, whose environment is often the same shell's.
const READ_ELSEWHERE = ['RELAY_CONFIG', 'RELAY_URL', 'RELAY_CLIENT_TOKEN', 'RELAY_CLIENT_TIMEOUT_MS'];

/**
 * The `RELAY_*` variables of `env` that no setting reads, each with the setting's variable it most
 * likely meant: a misspelt one is otherwise ignored without a word (`RELAY_API_TOKEN`, which the
 * client commands read, for `RELAY_API_TOKENS` left the relay on a token it made up).
 *
 * @example
 * ```ts
 * unknownVariables({ RELAY_PROT: '3001' }); // [{ variable: 'RELAY_PROT', meant: 'RELAY_PORT' }]
 * ```
 */
export function unknownVariables(
  env: Readonly<Record<string, string | undefined>>,
): { variable: string; meant?: string }[] {
  const settings = settingLeaves().map((leaf) => leaf.env);
  const known = new Set([...settings, ...READ_ELSEWHERE]);
  return Object.keys(env)
    .filter((name) => name.startsWith('RELAY_') && !known.has(name))
    .sort()
    .map((variable) => {
      const meant = closestName(variable, settings);
      return meant === undefined ? { variable } : { variable, meant };
    });
}
