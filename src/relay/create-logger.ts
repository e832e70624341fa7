import { isatty } from 'node:tty';
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

/** How log lines look: `pretty` for people, `json` for machines, `auto`: pretty on a terminal. */
export type LogFormat = 'auto' | 'pretty' | 'json';

/** Where a logger writes: pino's destinations, or any stream with `write` (`process.stdout`). */
export type LogDestination = DestinationStream & { readonly isTTY?: boolean };

/**
 * The relay's root logger (pino), one line per connection at `info`, one per message at `debug`. Parts
 * of the relay log through child loggers (`logger.child({ part: 'http' })`).
 *
 * `format: 'json'` (the default) writes one JSON object a line, for log shippers. `format: 'pretty'`
 * writes readable lines (local time, level, the part, the message, then the fields on one line),
 * coloured when `colorize` says so (default: on a terminal without `NO_COLOR`); `format: 'auto'` is pretty when the destination (default: stdout)
 * is a terminal. Pretty lines are written synchronously, so none is lost when the process exits.
 *
 * @example
 * ```ts
 * const logger = createLogger({ level: 'debug', format: 'auto' });
 * const server = createRelayServer({ logger });
 * ```
 */
export function createLogger(
  options: {
    level?: LevelWithSilent;
    destination?: LogDestination;
    format?: LogFormat;
    colorize?: boolean;
  } = {},
): Logger {
  const settings = { level: options.level ?? 'info', base: { service: 'relaykit' } };
  const { destination } = options;
  const format =
    options.format === 'auto'
      ? (destination ? destination.isTTY === true : isatty(1))
        ? 'pretty'
        : 'json'
      : (options.format ?? 'json');
  if (format === 'pretty') {
    const stream = pretty({
      destination: destination ?? 1,
      sync: true,
      // Unset: pino-pretty decides (a terminal, NO_COLOR, FORCE_COLOR).
      ...(options.colorize === undefined ? {} : { colorize: options.colorize }),
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,service,part',
      messageFormat: '{if part}{part}: {end}{msg}',
      singleLine: true,
    });
    return pino(settings, stream);
  }
  return destination ? pino(settings, destination) : pino(settings);
}
