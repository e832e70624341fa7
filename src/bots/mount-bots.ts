import { statSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../relay/config-error.js';
import type { RelayLifecycle } from '../relay/relay-lifecycle.js';
import { BotHost } from './bot-host.js';
import type { BotScheduler } from './bot-scheduler.js';
import type { BotSettings } from './bot-settings.js';

/** What running a relay's in-process bots needs of it. */
export interface MountBotsDeps {
  readonly lifecycle: RelayLifecycle;
  readonly logger: Logger;
  /** The secret bots connect with (`auth.botToken`). */
  readonly botToken: string;
  /** Where `bot.every` jobs run: the relay's scheduler, so they are listed with every other job. */
  readonly scheduler: BotScheduler;
  /** The relay's bot settings and its `plugins` folder; no folder, no bots. */
  readonly settings: BotSettings & { readonly plugins?: string | undefined };
  /** Reload a plugin when its file changes (`relay serve --watch`). */
  readonly watch?: boolean;
  /** Base of relative `plugins` and `botStoreDir` paths; default the working directory. */
  readonly cwd?: string;
}

/**
 * Runs the bots of the `plugins` folder inside the relay: started once it listens (each connects to it
 * as a real socket.io client, with the relay's bot token), stopped when it starts closing. Does nothing
 * when `plugins` is unset; throws a ConfigError when the folder does not exist.
 *
 * @example
 * ```ts
 * mountBots({ lifecycle: server, logger, botToken: server.botToken, scheduler: server.scheduler, settings: config });
 * await server.listen(); // resolves once the bots are connected
 * ```
 */
export function mountBots(deps: MountBotsDeps): void {
  const { lifecycle, settings } = deps;
  if (!settings.plugins) return;
  const cwd = deps.cwd ?? process.cwd();
  const dir = path.resolve(cwd, settings.plugins);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ConfigError('plugins', 'settings', `folder ${dir} does not exist`);
  }
  let host: BotHost | undefined;
  lifecycle.onListen(async ({ url }) => {
    // The relay may be closing already (an earlier start-up hook failed, or close() was called during
    // listen()): its pre-close hooks may have run, and bots started now would never be stopped.
    if (lifecycle.closing) return;
    host = new BotHost({
      url,
      token: deps.botToken,
      logger: deps.logger,
      settings,
      cwd,
      scheduler: deps.scheduler,
    });
    const { started } = await host.startDir(dir);
    // A misspelled name in `bots:` configures nothing and would go unnoticed: its bot runs on defaults.
    const unknown = Object.keys(settings.bots ?? {}).filter((name) => !started.includes(name));
    if (unknown.length > 0) {
      deps.logger
        .child({ part: 'bots' })
        .warn(
          { settings: unknown.map((name) => `bots.${name}`), started },
          'bot settings name no bot that started; check the names against the bots of the plugins folder',
        );
    }
    if (deps.watch) host.watch(dir);
  });
  lifecycle.onPreClose(() => host?.close());
}
