import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { BotHost } from '../bots/bot-host.js';
import { listPluginFiles } from '../bots/list-plugin-files.js';
import { RelayError } from '../relay/relay-error.js';
import { type CliContext, DEFAULT_RELAY_URL, type Running } from './cli-context.js';
import { createCliLogger } from './create-cli-logger.js';
import { loadBotConfig } from './load-bot-config.js';

/**
 * `relay bots --url URL --token TOKEN [files...]`: runs bots against a relay elsewhere, each as its own
 * socket connection. Without files, runs the plugins of `--plugins` (default `./plugins`). Bot settings,
 * prefix, timeout and store folder come from the same config file and `RELAY_*` variables as `serve`.
 */
export function botsCommand(context: CliContext): CommandModule {
  return {
    command: 'bots [files..]',
    describe: 'run bot plugins against a relay (another process or machine)',
    builder: (args: Argv) =>
      args
        .positional('files', {
          type: 'string',
          array: true,
          describe: 'plugin files (default: the plugins folder)',
        })
        .option('url', {
          type: 'string',
          describe: 'URL of the relay [env RELAY_URL]',
          // An empty variable counts as unset, as for the server's settings.
          default: context.env.RELAY_URL || DEFAULT_RELAY_URL,
        })
        .option('token', { type: 'string', describe: "the relay's bot token [env RELAY_BOT_TOKEN]" })
        .option('plugins', {
          type: 'string',
          describe: 'plugins folder when no files are given (default: ./plugins)',
        })
        .option('config', { type: 'string', describe: 'config file with bot settings (as for relay serve)' })
        .option('watch', { type: 'boolean', describe: 'reload a plugin when its file changes' })
        .example(
          `RELAY_BOT_TOKEN=a-long-shared-secret $0 bots --url http://relay.internal:3000 plugins/echo.ts   # one bot against another machine's relay`,
          '',
        ),
    handler: async (argv: ArgumentsCamelCase) => {
      const { config, token } = await loadBotConfig(context, argv);
      const given = ((argv.files as string[] | undefined) ?? []).map((file) =>
        path.resolve(context.cwd, file),
      );
      const dir = path.resolve(
        context.cwd,
        typeof argv.plugins === 'string' ? argv.plugins : (config.plugins ?? 'plugins'),
      );
      if (given.length === 0 && !existsSync(dir)) {
        throw new RelayError('RELAY_ERR_PLUGIN_LOAD_FAILED', `no plugin files given and no folder ${dir}`);
      }
      const files = given.length > 0 ? given : await listPluginFiles(dir);
      const { logger } = createCliLogger(context, config);
      const host = new BotHost({
        url: String(argv.url),
        token,
        logger,
        settings: config,
        cwd: context.cwd,
      });
      const { started, failed } = await host.startFiles(files);
      const refused = failed.find((failure) => failure.error.code === 'RELAY_ERR_BOT_AUTH_FAILED');
      if (refused || started.length === 0) {
        await host.close();
        throw refused?.error ?? new RelayError('RELAY_ERR_PLUGIN_LOAD_FAILED', 'no bot could start');
      }
      if (argv.watch === true && given.length === 0) host.watch(dir);
      else if (argv.watch === true) {
        // Files named: their folders are watched, for those files alone.
        const named = new Set(given);
        for (const folder of new Set(given.map((file) => path.dirname(file)))) host.watch(folder, named);
      }
      const running: Running & { readonly host: BotHost } = {
        close: () => host.close(),
        // Exit 1 (logged as "the relay refused the bot for good"), for a supervisor to restart it.
        ended: host.refused.then(() => 1),
        host,
      };
      context.running = running;
    },
  };
}
