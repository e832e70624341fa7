import type { ArgumentsCamelCase } from 'yargs';
import { loadConfig } from '../config/load-config.js';
import type { RelayConfig } from '../config/relay-config-schema.js';
import { RelayError } from '../relay/relay-error.js';
import type { CliContext } from './cli-context.js';

/**
 * What a command that connects bots to a running relay (`relay bots`, `relay hubot`) starts from: the
 * config as `serve` would read it (`--config`, the working directory's file, `RELAY_*` variables) and the
 * relay's bot token (`--token`, else `RELAY_BOT_TOKEN` or the config's `botToken`). Throws
 * `RELAY_ERR_BOT_AUTH_FAILED` when there is no token to connect with.
 *
 * @example
 * ```ts
 * const { config, token } = await loadBotConfig(context, argv);
 * ```
 */
export async function loadBotConfig(
  context: CliContext,
  argv: ArgumentsCamelCase,
): Promise<{ config: RelayConfig; token: string }> {
  const { config } = await loadConfig({
    env: context.env,
    cwd: context.cwd,
    ...(typeof argv.config === 'string' ? { configFile: argv.config } : {}),
  });
  const token = typeof argv.token === 'string' && argv.token !== '' ? argv.token : config.botToken;
  if (!token) {
    throw new RelayError(
      'RELAY_ERR_BOT_AUTH_FAILED',
      'no bot token: pass --token or set RELAY_BOT_TOKEN to the botToken of the relay',
    );
  }
  return { config, token };
}
