import type { z } from 'zod';
import { relayConfigSchema } from './relay-config-schema.js';

/** One setting as flags, environment variables and docs/configuration.md see it. */
export interface SettingLeaf {
  /** Dotted path in the config object, e.g. `rateLimit.burst`. */
  readonly key: string;
  readonly path: readonly string[];
  readonly kind: 'number' | 'string' | 'boolean' | 'enum' | 'array';
  readonly choices?: readonly string[];
  readonly description: string;
  readonly defaultValue?: unknown;
  /** `--rate-limit-burst` */
  readonly flag: string;
  /** `RELAY_RATE_LIMIT_BURST` */
  readonly env: string;
}

// zod's definitions, read loosely: only the fields this walk needs.
interface SchemaDef {
  type: string;
  innerType?: AnySchema;
  defaultValue?: unknown;
  options?: AnySchema[];
  shape?: Record<string, AnySchema>;
  entries?: Record<string, string>;
}
type AnySchema = { description?: string; def: SchemaDef };

const kebab = (parts: readonly string[]) =>
  parts.map((part) => part.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)).join('-');

/**
 * Lists every scalar setting of the relay's schema, so that flags, environment variables and the
 * configuration reference are all derived from the one schema and cannot drift apart.
 */
export function settingLeaves(schema: z.ZodObject = relayConfigSchema): SettingLeaf[] {
  const leaves: SettingLeaf[] = [];
  const visit = (node: AnySchema, path: string[], description: string, defaultValue: unknown) => {
    const def = node.def;
    const text = node.description ?? description;
    switch (def.type) {
      case 'default':
        visit(def.innerType as AnySchema, path, text, def.defaultValue);
        return;
      case 'optional':
        visit(def.innerType as AnySchema, path, text, defaultValue);
        return;
      case 'union':
        // `false | { ... }`: the object branch holds the settings.
        for (const option of def.options ?? []) {
          if (option.def.type === 'object') visit(option, path, text, defaultValue);
        }
        return;
      case 'object':
        for (const [key, child] of Object.entries(def.shape ?? {})) {
          const childDefault = (defaultValue as Record<string, unknown> | undefined)?.[key];
          visit(child, [...path, key], '', childDefault);
        }
        return;
      default: {
        const kind = leafKind(def.type);
        if (!kind) return;
        const flag = kebab(path);
        leaves.push({
          key: path.join('.'),
          path,
          kind,
          ...(kind === 'enum' ? { choices: Object.values(def.entries ?? {}) } : {}),
          description: text,
          ...(defaultValue === undefined ? {} : { defaultValue }),
          flag: `--${flag}`,
          env: `RELAY_${flag.replace(/-/g, '_').toUpperCase()}`,
        });
      }
    }
  };
  visit(schema as unknown as AnySchema, [], '', undefined);
  return leaves;
}

function leafKind(type: string): SettingLeaf['kind'] | undefined {
  switch (type) {
    case 'number':
    case 'int':
      return 'number';
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'enum':
      return 'enum';
    case 'array':
      return 'array';
    default:
      return undefined;
  }
}
