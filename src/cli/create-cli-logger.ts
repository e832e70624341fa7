import type { Logger } from 'pino';
import type { RelayConfig } from '../config/relay-config-schema.js';
import { createLogger } from '../relay/create-logger.js';
import type { CliContext } from './cli-context.js';

/**
 * The logger of a command that keeps running (`serve`, `bots`): `logFormat` decides, `auto` meaning
 * pretty when the command's stdout is a terminal; colours there unless `NO_COLOR` is set. Resolves
 * `auto`, so the command knows whether to print its banner too.
 *
 * @example
 * ```ts
 * const { logger, format } = createCliLogger(context, config);
 * ```
 */
export function createCliLogger(
  context: CliContext,
  config: Pick<RelayConfig, 'logLevel' | 'logFormat'>,
): { logger: Logger; format: 'pretty' | 'json' } {
  const terminal = context.stdout.isTTY === true;
  const format = config.logFormat === 'auto' ? (terminal ? 'pretty' : 'json') : config.logFormat;
  // Pretty lines go to the command's stdout, where its banner goes, so the two keep their order; JSON
  // lines keep pino's own synchronous stdout, so none is lost when the process exits.
  const logger = createLogger({
    level: config.logLevel,
    format,
    ...(format === 'pretty'
      ? { destination: context.stdout, colorize: terminal && !context.env.NO_COLOR }
      : {}),
  });
  return { logger, format };
}
