import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';

/**
 * The relay's root logger: structured JSON lines (pino), one per connection at `info`, one per message at
 * `debug`. Parts of the relay log through child loggers (`logger.child({ bot: name })`).
 *
 * @example
 * ```ts
 * const logger = createLogger({ level: 'debug' });
 * const server = createRelayServer({ logger });
 * ```
 */
export function createLogger(
  options: { level?: LevelWithSilent; destination?: DestinationStream } = {},
): Logger {
  const settings = { level: options.level ?? 'info', base: { service: 'relaykit' } };
  return options.destination ? pino(settings, options.destination) : pino(settings);
}
