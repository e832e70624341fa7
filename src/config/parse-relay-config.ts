import type { z } from 'zod';
import { ConfigError } from '../relay/config-error.js';
import { type RelayConfig, relayConfigSchema } from './relay-config-schema.js';

/**
 * Validates settings and fills in defaults. Throws a {@link ConfigError} naming the first bad key.
 *
 * @example
 * ```ts
 * parseRelayConfig({ port: 0, routing: 'echo' }, 'test').routing; // 'echo'
 * ```
 */
export function parseRelayConfig(input: unknown, source = 'options'): RelayConfig {
  const result = relayConfigSchema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = deepestIssue(result.error.issues);
  if (!issue) throw new ConfigError('(root)', source, 'invalid settings');
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
    const key = `${prefix}${issue.keys[0] ?? ''}`;
    throw new ConfigError(key, source, 'unknown setting (see docs/configuration.md)');
  }
  const key = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  const given = valueAt(input, issue.path);
  const shown =
    given === undefined ? '' : ` (got ${typeof given === 'number' ? String(given) : JSON.stringify(given)})`;
  throw new ConfigError(key, source, `${issue.message}${shown}`);
}

// A union (e.g. `rateLimit: false | {...}`) reports one issue per branch; the deepest names the real key.
function deepestIssue(
  issues: readonly z.core.$ZodIssue[],
  base: PropertyKey[] = [],
): z.core.$ZodIssue | undefined {
  let best: z.core.$ZodIssue | undefined;
  for (const issue of issues) {
    let candidate: z.core.$ZodIssue = { ...issue, path: [...base, ...issue.path] };
    if (issue.code === 'invalid_union') {
      const nested = deepestIssue(issue.errors.flat(), candidate.path);
      if (nested) candidate = nested;
    }
    if (!best || candidate.path.length > best.path.length) best = candidate;
  }
  return best;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}
