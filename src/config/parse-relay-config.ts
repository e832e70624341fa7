import type { z } from 'zod';
import { ConfigError } from '../relay/config-error.js';
import { hideUserinfo } from '../relay/hide-userinfo.js';
import { checkDeclaredSchedules } from '../schedule/schedule-spec.js';
import { closestName } from './closest-name.js';
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
  if (result.success) {
    const { data } = result;
    if (data.history !== false && data.history.backend === 'redis' && data.redisUrl === undefined) {
      throw new ConfigError('history.backend', source, "'redis' needs redisUrl; set it, or use 'sqlite'");
    }
    return { ...data, schedules: checkDeclaredSchedules(data.schedules, data, source) };
  }
  const issue = deepestIssue(result.error.issues);
  if (!issue) throw new ConfigError('(root)', source, 'invalid settings');
  if (issue.code === 'unrecognized_keys') {
    const prefix = issue.path.length > 0 ? `${issue.path.join('.')}.` : '';
    const unknown = issue.keys[0] ?? '';
    const meant = closestName(unknown, keysAt(issue.path));
    const hint = meant ? `; did you mean "${prefix}${meant}"?` : '';
    throw new ConfigError(
      `${prefix}${unknown}`,
      source,
      `unknown setting${hint} (see docs/configuration.md)`,
    );
  }
  const key = issue.path.length > 0 ? issue.path.join('.') : '(root)';
  const given = valueAt(input, issue.path);
  // A secret is never repeated back: error messages end up in terminals, CI logs and bug reports.
  const secret = /(secret|token)s?$/i.test(String(issue.path[issue.path.length - 1] ?? ''));
  // Nor a URL's user and password (a redisUrl's, a webhook's).
  const visible = typeof given === 'string' ? hideUserinfo(given) : given;
  const shown =
    given === undefined || secret
      ? ''
      : ` (got ${typeof visible === 'number' ? String(visible) : JSON.stringify(visible)})`;
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

// zod's definitions, read loosely: only what the walk to an object's keys needs.
type SchemaNode = {
  def: { type: string; innerType?: SchemaNode; options?: SchemaNode[]; element?: SchemaNode };
  shape?: Record<string, unknown>;
};

// The keys the schema allows at `path` (array indexes step into the items), for "did you mean".
function keysAt(path: readonly PropertyKey[]): string[] {
  let node: SchemaNode | undefined = relayConfigSchema as unknown as SchemaNode;
  const unwrap = (start: SchemaNode | undefined): SchemaNode | undefined => {
    let current = start;
    while (current && ['default', 'optional', 'nullable', 'union'].includes(current.def.type)) {
      current =
        current.def.type === 'union'
          ? current.def.options?.find((option) => unwrap(option)?.def.type === 'object')
          : current.def.innerType;
    }
    return current;
  };
  for (const key of path) {
    node = unwrap(node);
    if (node?.def.type === 'array') node = node.def.element;
    else if (node?.def.type === 'object' && typeof key === 'string') {
      node = node.shape?.[key] as SchemaNode | undefined;
    } else return [];
  }
  node = unwrap(node);
  if (node?.def.type === 'array') node = unwrap(node.def.element);
  return node?.def.type === 'object' ? Object.keys(node.shape ?? {}) : [];
}
