import type { Logger } from 'pino';
import { RelayError } from '../relay/relay-error.js';
import { withDeadline } from '../relay/with-deadline.js';
import type { BotDefinition } from './define-bot.js';

/**
 * Runs a plugin's `setup` within `timeoutMs` (`botSetupTimeoutMs`: one that never settled would hold the
 * relay's start, its close and, in watch mode, every later reload): past it, rejects with `RELAY_ERR_PLUGIN_LOAD_FAILED` (the
 * caller stops the bot, so that what the setup still registers is refused), and runs the cleanup the
 * setup returns whenever it does.
 *
 * @example
 * ```ts
 * const cleanup = await runSetup(definition, context, { timeoutMs: settings.botSetupTimeoutMs, log });
 * ```
 */
export function runSetup<Config>(
  definition: BotDefinition<Config>,
  context: Parameters<BotDefinition<Config>['setup']>[0],
  options: { readonly timeoutMs: number; readonly log: Logger },
): Promise<unknown> {
  const running = Promise.resolve(definition.setup(context));
  return withDeadline(running, options.timeoutMs, () => {
    // The setup goes on: a cleanup it returns late still runs.
    void running
      .then(
        async (cleanup) => {
          if (typeof cleanup === 'function') await cleanup();
        },
        () => undefined,
      )
      .catch((error: unknown) => options.log.error({ err: error }, 'cleanup failed'));
    return new RelayError(
      'RELAY_ERR_PLUGIN_LOAD_FAILED',
      `bot "${definition.name}": setup did not finish within ${options.timeoutMs} ms; a setup that waits on something slow should start it without awaiting it`,
    );
  });
}
