import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { loadConfig } from '../config/load-config.js';
import { settingLeaves } from '../config/setting-leaves.js';
import { createLogger } from '../relay/create-logger.js';
import { createRelayServer } from '../server/create-relay-server.js';
import type { CliContext } from './cli-context.js';

/**
 * `relay serve`: starts a relay. Every setting is a flag (`--rate-limit-burst`), an environment variable
 * (`RELAY_RATE_LIMIT_BURST`) and a config file key (`rateLimit.burst`), derived from one schema.
 */
export function serveCommand(context: CliContext): CommandModule {
  const leaves = settingLeaves();
  return {
    command: 'serve',
    describe: 'start a relay (Express + socket.io) with the configured behaviour',
    builder: (args: Argv) => {
      let built = args
        .option('config', {
          type: 'string',
          describe: 'config file (JSON or YAML); default: relay.config.json|yaml in the working directory',
        })
        .option('watch', { type: 'boolean', describe: 'reload a bot plugin when its file changes' });
      for (const leaf of leaves) {
        built = built.option(leaf.flag.slice(2), {
          type: leaf.kind === 'number' ? 'number' : leaf.kind === 'boolean' ? 'boolean' : 'string',
          describe: `${leaf.description} [env ${leaf.env}]`,
          ...(leaf.choices ? { choices: [...leaf.choices] } : {}),
        });
      }
      return built;
    },
    handler: async (argv: ArgumentsCamelCase) => {
      const flags: Record<string, unknown> = {};
      for (const leaf of leaves) {
        const value = (argv as Record<string, unknown>)[leaf.flag.slice(2)];
        if (value !== undefined) flags[leaf.key] = value;
      }
      const { config, file } = await loadConfig({
        flags,
        env: context.env,
        cwd: context.cwd,
        ...(typeof argv.config === 'string' ? { configFile: argv.config } : {}),
      });
      const logger = createLogger({ level: config.logLevel });
      if (file) logger.info({ file }, 'config file loaded');
      // ./plugins runs by default so that the shipped bots work with no setup; a folder named
      // explicitly must exist. Relative paths are the working directory's, not the process's.
      const plugins =
        config.plugins ?? (existsSync(path.join(context.cwd, 'plugins')) ? 'plugins' : undefined);
      const server = createRelayServer({
        ...config,
        plugins: plugins && path.resolve(context.cwd, plugins),
        botStoreDir: path.resolve(context.cwd, config.botStoreDir),
        scheduler: {
          ...config.scheduler,
          store:
            config.scheduler.store === ':memory:'
              ? ':memory:'
              : path.resolve(context.cwd, config.scheduler.store),
        },
        watchPlugins: argv.watch === true,
        logger,
      });
      await server.listen();
      context.running = server;
    },
  };
}
