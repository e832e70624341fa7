import path from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { RelayError } from '../relay/relay-error.js';
import { type CliContext, DEFAULT_RELAY_URL } from './cli-context.js';
import { createCliLogger } from './create-cli-logger.js';
import { loadBotConfig } from './load-bot-config.js';

/**
 * `relay hubot --url URL --token TOKEN --name NAME [--alias A] SCRIPT_OR_PACKAGE…`: runs the real Hubot
 * robot with community scripts against a relay, through `relaykit/hubot`. Scripts are files, folders of
 * scripts, or installed `hubot-*` packages. The brain is kept in `botStoreDir`, as bots' stores are,
 * or in Redis when `redisUrl` is set.
 */
export function hubotCommand(context: CliContext): CommandModule {
  return {
    command: 'hubot <scripts..>',
    describe: 'run Hubot scripts (files, folders, hubot-* packages) against a relay',
    builder: (args: Argv) =>
      args
        .positional('scripts', {
          type: 'string',
          array: true,
          describe: 'a script file, a folder of scripts, or an installed package such as hubot-help',
        })
        .option('url', {
          type: 'string',
          describe: 'URL of the relay [env RELAY_URL]',
          // An empty variable counts as unset, as for the server's settings.
          default: context.env.RELAY_URL || DEFAULT_RELAY_URL,
        })
        .option('token', { type: 'string', describe: "the relay's bot token [env RELAY_BOT_TOKEN]" })
        .option('name', { type: 'string', default: 'hubot', describe: 'the name the robot answers to' })
        .option('alias', { type: 'string', describe: 'another name it answers to, e.g. "/"' })
        .option('hear-bots', {
          type: 'boolean',
          default: false,
          describe: "let other bots' messages reach scripts",
        })
        .option('config', { type: 'string', describe: 'config file with bot settings (as for relay serve)' })
        .example(
          'RELAY_BOT_TOKEN=a-long-shared-secret $0 hubot --url http://relay.internal:3000 hubot-diagnostics hubot-help scripts/',
          '',
        ),
    handler: async (argv: ArgumentsCamelCase) => {
      const { config, token } = await loadBotConfig(context, argv);
      const scripts = (argv.scripts as string[] | undefined) ?? [];
      // Loaded here, not at the top: hubot is an optional peer dependency, needed by this command only.
      const [{ startHubot }, { openHubotBrainRedis }] = await Promise.all([
        import('../hubot/start-hubot.js'),
        import('../hubot/hubot-brain-redis.js'),
      ]).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes("'hubot'")) throw error;
        throw new RelayError(
          'RELAY_ERR_PLUGIN_LOAD_FAILED',
          'relay hubot needs the hubot package next to relaykit: npm install hubot',
        );
      });
      const { logger } = createCliLogger(context, config);
      const name = String(argv.name);
      // With redisUrl the brain follows the robot to any machine; else it is a file in botStoreDir.
      const brain =
        config.redisUrl === undefined ? undefined : await openHubotBrainRedis(config.redisUrl, name, logger);
      const hubot = await startHubot({
        url: String(argv.url),
        token,
        name,
        ...(typeof argv.alias === 'string' && argv.alias !== '' ? { alias: argv.alias } : {}),
        hearBots: argv.hearBots === true,
        scripts,
        logger,
        cwd: context.cwd,
        ...(brain ? { brain } : { storeDir: path.resolve(context.cwd, config.botStoreDir) }),
        handlerTimeoutMs: config.botHandlerTimeoutMs,
        maxContentBytes: config.maxContentBytes,
      });
      if (hubot.failed.length === scripts.length) {
        await hubot.close();
        throw new RelayError('RELAY_ERR_PLUGIN_LOAD_FAILED', `no script could load: ${scripts.join(', ')}`);
      }
      logger.info({ bot: hubot.robot.name, scripts, failed: hubot.failed }, 'hubot started');
      context.running = {
        close: () => hubot.close(),
        // Exit 1 (logged as "the relay refused the bot for good"), for a supervisor to restart it.
        ended: hubot.refused.then(() => 1),
      };
    },
  };
}
