import { ConfigError } from '../relay/config-error.js';
import type { BotDefinition } from './define-bot.js';

/**
 * A bot's settings (the relay config's `bots.<name>`) checked with its `configSchema`: the parsed value,
 * or the settings as given when it has no schema. Throws a `ConfigError` naming the bad key.
 *
 * @example
 * ```ts
 * const config = validateBotSettings(definition, relayConfig.bots?.[definition.name]);
 * ```
 */
export function validateBotSettings(
  definition: BotDefinition<unknown>,
  settings: Record<string, unknown> | undefined,
): unknown {
  const schema = definition.configSchema;
  const given = settings ?? {};
  if (!schema) return given;
  const result = schema.safeParse(given);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const key = ['bots', definition.name, ...(issue?.path ?? []).map(String)].join('.');
  throw new ConfigError(key, 'bot settings', issue?.message ?? 'invalid');
}
