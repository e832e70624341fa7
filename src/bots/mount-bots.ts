import { statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/config-error.js';
import type { RelayServer } from '../relay/relay-server.js';
import { BotHost } from './bot-host.js';

/** How a relay runs its in-process bots. */
export interface MountBotsOptions {
  /** Reload a plugin when its file changes (`relay serve --watch`). */
  readonly watch?: boolean;
  /** Base of relative `plugins` and `botStoreDir` paths; default the working directory. */
  readonly cwd?: string;
}

/**
 * Runs the bots of the `plugins` folder inside the relay: started once it listens (each connects to it
 * as a real socket.io client, with the relay's bot token), stopped in the `bots` close phase. Does
 * nothing when `plugins` is unset; throws a ConfigError when the folder does not exist.
 *
 * @example
 * ```ts
 * const server = createRelayServer({ plugins: 'plugins' }); // mounts bots
 * await server.listen(); // resolves once the bots are connected
 * ```
 */
export function mountBots(server: RelayServer, options: MountBotsOptions = {}): void {
  const { config } = server;
  if (!config.plugins) return;
  const cwd = options.cwd ?? process.cwd();
  const dir = path.resolve(cwd, config.plugins);
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new ConfigError('plugins', 'settings', `folder ${dir} does not exist`);
  }
  let host: BotHost | undefined;
  server.onListen(async ({ url }) => {
    // The relay may be closing already (an earlier start-up hook failed, or close() was called during
    // listen()): its 'bots' phase may have run, and bots started now would never be stopped.
    if (server.closing) return;
    host = new BotHost({
      url,
      token: server.botToken,
      logger: server.logger,
      prefix: config.commandPrefix,
      handlerTimeoutMs: config.botHandlerTimeoutMs,
      storeDir: config.botStoreDir,
      cwd,
      settings: config.bots,
      maxContentBytes: config.maxContentBytes,
      botRateLimit: config.botRateLimit,
      // bot.every jobs run in the relay's scheduler, listed with every other job (GET /v1/schedules).
      scheduler: server.scheduler,
    });
    await host.startDir(dir);
    if (options.watch) host.watch(dir);
  });
  server.onClose('bots', () => host?.close());
}
