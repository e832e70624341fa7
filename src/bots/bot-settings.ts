import { DEFAULT_MAX_CONTENT_BYTES } from '../relay/validate-content.js';

/**
 * What bots read of a relay's settings; the config file's `RelayConfig` is one. The config schema takes
 * its defaults from {@link BOT_SETTING_DEFAULTS}, so a bot host started outside a relay (`relay bots`,
 * tests) behaves as one inside it.
 */
export interface BotSettings {
  /** What starts a command, e.g. `!` in `!ping`. */
  readonly commandPrefix: string;
  /** How long a handler may run before it is abandoned and logged (ms). */
  readonly botHandlerTimeoutMs: number;
  /** How long a plugin's setup may take before the bot fails to start (ms). */
  readonly botSetupTimeoutMs: number;
  /** Folder of the bots' stores, relative to the host's `cwd`. */
  readonly botStoreDir: string;
  /** Each bot's own settings, by bot name. */
  readonly bots: Readonly<Record<string, Record<string, unknown>>>;
  /** The relay's largest content, given to bots as `bot.limits.maxContentBytes`. */
  readonly maxContentBytes: number;
  /** The relay's per-bot send limit, given to bots as `bot.limits.sendRate`; `false`: none. */
  readonly botRateLimit: { readonly burst: number; readonly perSecond: number } | false;
}

/** The default per-bot send limit (`botRateLimit`). */
export const BOT_RATE_LIMIT_DEFAULT = { burst: 10, perSecond: 5 } as const;

/** The defaults of {@link BotSettings}, shared with the relay's config schema. */
export const BOT_SETTING_DEFAULTS: BotSettings = {
  commandPrefix: '!',
  botHandlerTimeoutMs: 5000,
  botSetupTimeoutMs: 30_000,
  botStoreDir: '.relaykit',
  bots: {},
  maxContentBytes: DEFAULT_MAX_CONTENT_BYTES,
  botRateLimit: BOT_RATE_LIMIT_DEFAULT,
};
