import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { loadConfig } from '../config/load-config.js';
import { settingLeaves } from '../config/setting-leaves.js';
import { unknownVariables } from '../config/unknown-variables.js';
import { ConfigError } from '../relay/config-error.js';
import { createRelayServer } from '../server/create-relay-server.js';
import type { CliContext } from './cli-context.js';
import { createCliLogger } from './create-cli-logger.js';
import { DEV_RELAY_FILE, isLoopbackUrl, removeDevRelayFile, writeDevRelayFile } from './dev-relay-file.js';
import { isRelayWorker, startPrimary, startWorker } from './serve-workers.js';
import { startBanner } from './start-banner.js';

/**
 * `relay serve`: starts a relay. Every setting is a flag (`--rate-limit-burst`), an environment variable
 * (`RELAY_RATE_LIMIT_BURST`) and a config file key (`rateLimit.burst`), derived from one schema. Once
 * listening it logs `relay started` (in a terminal, with a banner to copy commands from) and, when the
 * API token was made up for this run, writes the dev relay file that lets `relay announce` and
 * `relay schedule` in this folder find it. SIGTERM drains (`drainDelayMs`) before closing.
 */
export function serveCommand(context: CliContext, argvGiven: readonly string[] = []): CommandModule {
  const leaves = settingLeaves();
  return {
    command: 'serve',
    describe: 'start a relay (Express + socket.io) with the configured behaviour',
    builder: (args: Argv) => {
      let built = args
        .option('config', {
          type: 'string',
          requiresArg: true,
          describe: 'config file (JSON or YAML) [env RELAY_CONFIG]',
          defaultDescription: 'relay.config.json, .yaml or .yml in the working directory, if any',
        })
        .option('watch', { type: 'boolean', describe: 'reload a bot plugin when its file changes' })
        .option('workers', {
          // Untyped, as the config's number flags are: yargs's number type read `--workers abc` as NaN.
          requiresArg: true,
          describe:
            'processes serving clients on this machine (node:cluster, sticky sessions); bots and jobs run once [number]',
          defaultDescription: '1',
        });
      for (const leaf of leaves) {
        built = built.option(leaf.flag.slice(2), {
          // Numbers and booleans untyped, then read as their RELAY_* variables are (loadConfig): yargs's
          // own types turned `--port abc` into NaN and `--trust-proxy=yes` into false, without a word.
          ...(leaf.kind === 'number' || leaf.kind === 'boolean' ? {} : { type: 'string' as const }),
          // `--port` with no value was read as unset: the relay started on the default port.
          requiresArg: leaf.kind !== 'boolean',
          describe: `${leaf.description} [env ${leaf.env}]${leaf.kind === 'number' || leaf.kind === 'boolean' ? ` [${leaf.kind}]` : ''}`,
          // Shown, not applied: a default here would override the config file and the environment.
          ...(leaf.defaultValue === undefined ||
          (Array.isArray(leaf.defaultValue) && !leaf.defaultValue.length)
            ? {}
            : { defaultDescription: String(leaf.defaultValue) }),
          ...(leaf.choices ? { choices: [...leaf.choices] } : {}),
        });
      }
      return built
        .example(
          `$0 serve --watch   # a dev relay on port 3000 that reloads bots when their file changes`,
          '',
        )
        .example(`$0 serve --workers 4   # four processes share port 3000 (use every core)`, '')
        .example(
          `RELAY_API_TOKENS='ci:s3cr3t:publish' $0 serve --port 8080 --log-format json   # chosen token, JSON logs`,
          '',
        );
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
      const { logger, format } = createCliLogger(context, config);
      if (file) logger.info({ file }, 'config file loaded');
      for (const { variable, meant } of unknownVariables(context.env)) {
        const hint = meant === undefined ? '' : `; did you mean ${meant}?`;
        logger.warn({ variable, meant }, `${variable} is not a relay setting and is ignored${hint}`);
      }
      // ./plugins runs by default so that the shipped bots work with no setup; a folder named
      // explicitly must exist. Relative paths are the working directory's, not the process's.
      const plugins =
        config.plugins ?? (existsSync(path.join(context.cwd, 'plugins')) ? 'plugins' : undefined);
      // The SQLite stores' files are the working directory's, not the process's; :memory: keeps nothing.
      const storePath = (store: string) => (store === ':memory:' ? store : path.resolve(context.cwd, store));
      const workers = argv.workers === undefined ? 1 : Number(argv.workers);
      if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) {
        throw new ConfigError(
          'workers',
          '--workers',
          `expected an integer from 1 to ${MAX_WORKERS}, got ${JSON.stringify(argv.workers)}`,
        );
      }
      // Held in workers too: Ctrl-C reaches every process of the terminal, and a worker's stops come from
      // its primary once it runs (Running.followStops), so what it gets meanwhile must not end it.
      context.holdStops?.();
      if (workers > 1 && !isRelayWorker(context.env)) {
        const primary = await startPrimary({
          config,
          workers,
          logger,
          argv: argvGiven,
          cwd: context.cwd,
          env: context.env,
        });
        const devRelayFile = await recordDevRelay(context, {
          url: primary.url,
          apiToken: primary.generatedApiToken,
          logger,
          onClose: (hook) => primary.onClose(hook),
        });
        context.running = { close: () => primary.close(), drain: () => primary.drain() };
        announceStarted(context, logger, format, {
          url: primary.url,
          webPage: config.webPage,
          generatedApiToken: primary.generatedApiToken,
          devRelayFile,
          workers,
        });
        return;
      }
      const serverOptions = {
        ...config,
        plugins: plugins && path.resolve(context.cwd, plugins),
        botStoreDir: path.resolve(context.cwd, config.botStoreDir),
        scheduler: { ...config.scheduler, store: storePath(config.scheduler.store) },
        hooks: { ...config.hooks, store: storePath(config.hooks.store) },
        webhooks: { ...config.webhooks, store: storePath(config.webhooks.store) },
        history:
          config.history === false
            ? config.history
            : { ...config.history, store: storePath(config.history.store) },
        watchPlugins: argv.watch === true,
        logger,
      };
      // A worker of `relay serve --workers`: the primary listens, logs "relay started" and shows the banner.
      if (isRelayWorker(context.env)) {
        context.running = await startWorker({ ...serverOptions, config }, context.env);
        return;
      }
      const server = createRelayServer(serverOptions);
      let url: string;
      try {
        ({ url } = await server.listen());
      } catch (error) {
        // What it opened before listening (Redis connections, stores) would keep the process running,
        // serving nothing, instead of exiting with the error (a port in use, say).
        await server.close().catch(() => {});
        throw error;
      }
      const devRelayFile = await recordDevRelay(context, {
        url,
        apiToken: server.generatedApiToken,
        logger: server.logger,
        onClose: (hook) => server.onClose(hook),
      });
      // Before "relay started": whoever waits for that line may signal at once.
      context.running = server;
      announceStarted(context, logger, format, {
        url,
        webPage: config.webPage,
        generatedApiToken: server.generatedApiToken,
        devRelayFile,
      });
    },
  };
}

// The most processes `--workers` starts: far more than cores only adds memory and context switches.
const MAX_WORKERS = 64;

function announceStarted(
  context: CliContext,
  logger: Logger,
  format: string,
  started: {
    url: string;
    webPage: boolean;
    generatedApiToken: string | undefined;
    devRelayFile: string | undefined;
    workers?: number;
  },
): void {
  const { url, generatedApiToken, devRelayFile } = started;
  const chatPage = started.webPage ? `${url}/` : undefined;
  logger.info(
    {
      url,
      ...(chatPage ? { chatPage } : {}),
      apiToken: generatedApiToken ? 'generated' : 'configured',
      ...(devRelayFile ? { devRelayFile } : {}),
      ...(started.workers ? { workers: started.workers } : {}),
    },
    'relay started',
  );
  if (format === 'pretty' && logger.isLevelEnabled('info')) {
    context.stdout.write(startBanner({ url, chatPage, generatedApiToken, devRelayFile }));
  }
}

// A relay with a made-up token, on this machine, is a dev relay: the commands of this folder may use
// it without flags. The file goes when the relay closes (a killed relay's is ignored: its pid is gone).
async function recordDevRelay(
  context: CliContext,
  relay: {
    url: string;
    apiToken: string | undefined;
    logger: Logger;
    onClose(hook: () => unknown): void;
  },
): Promise<string | undefined> {
  const { pid } = context;
  const { url, apiToken } = relay;
  if (pid === undefined || !apiToken || !isLoopbackUrl(url)) return undefined;
  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    await writeDevRelayFile(context.cwd, { url, pid, apiToken, timezone });
  } catch (error) {
    relay.logger.warn(
      { err: error, file: DEV_RELAY_FILE },
      'cannot write the dev relay file: commands run here need --url and --token',
    );
    return undefined;
  }
  relay.onClose(() => removeDevRelayFile(context.cwd, pid));
  return DEV_RELAY_FILE;
}
