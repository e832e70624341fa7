import type { z } from 'zod';
import type { BotContext } from './bot-context.js';

/** Marks what `defineBot` returned, across copies of the package (plugins may load their own). */
const BOT_DEFINITION = Symbol.for('relaykit.botDefinition');

/** What a plugin file default-exports: a bot's name, description, settings schema and setup. */
export interface BotDefinition<Config = Record<string, unknown>> {
  /** 1 to 40 letters, digits, `-` or `_`; the bot's display name and the key of its settings. */
  readonly name: string;
  readonly description: string;
  /** Validates `bots.<name>` of the relay config; its output is `bot.config`. */
  readonly configSchema?: z.ZodType<Config>;
  /** Hear messages from other bots too (off by default: bots answering bots make loops). */
  readonly hearBots?: boolean;
  /**
   * Registers the bot's handlers. May be async; may return a function run when the bot stops
   * (everything registered through `bot` is removed without it).
   */
  setup(bot: BotContext<Config>): unknown;
}

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$/;

/**
 * Declares a bot. A plugin file's default export; the host runs each as its own socket connection.
 *
 * @example
 * ```ts
 * import { defineBot } from 'relaykit';
 *
 * export default defineBot({
 *   name: 'echo',
 *   description: 'Repeats what you say',
 *   setup(bot) {
 *     bot.command('echo', { description: 'repeat text', usage: '<text>' }, (msg) => msg.reply(msg.rest));
 *   },
 * });
 * ```
 */
export function defineBot<Config = Record<string, unknown>>(
  definition: BotDefinition<Config>,
): BotDefinition<Config> {
  if (typeof definition?.name !== 'string' || !NAME_PATTERN.test(definition.name)) {
    throw new TypeError(
      `bot name ${JSON.stringify(definition?.name)} is not valid: use 1 to 40 letters, digits, "-" or "_"`,
    );
  }
  if (typeof definition.setup !== 'function') {
    throw new TypeError(`bot "${definition.name}" has no setup(bot) function`);
  }
  return Object.freeze({ ...definition, [BOT_DEFINITION]: true });
}

/** True for what `defineBot` returned (from this copy of RelayKit or another). */
export function isBotDefinition(value: unknown): value is BotDefinition<unknown> {
  return typeof value === 'object' && value !== null && BOT_DEFINITION in value;
}
