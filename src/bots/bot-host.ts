import { existsSync, type FSWatcher, watch } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { RelayError } from '../relay/relay-error.js';
import type { BotLimits, CommandInfo } from './bot-context.js';
import type { BotStatus, PluginFailure } from './bot-host-report.js';
import { BotInstance } from './bot-instance.js';
import { type BotScheduler, cronBotScheduler } from './bot-scheduler.js';
import { BOT_SETTING_DEFAULTS, type BotSettings } from './bot-settings.js';
import { BotStore } from './bot-store.js';
import { CommandRegistry } from './command-registry.js';
import type { BotDefinition } from './define-bot.js';
import { isPluginFile } from './is-plugin-file.js';
import { listPluginFiles } from './list-plugin-files.js';
import { loadPlugin } from './load-plugin.js';

/** Where bots connect and how they behave; every field but `url`, `token` and `logger` has a default. */
export interface BotHostOptions {
  /** The relay's URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** The relay's bot token. */
  readonly token: string;
  readonly logger: Logger;
  /** The relay's bot settings (pass its config); what is left out takes the relay's defaults. */
  readonly settings?: Partial<BotSettings>;
  /** Base of a relative `botStoreDir`; default the working directory. */
  readonly cwd?: string;
  /** Where `bot.every` jobs run; default node-cron. */
  readonly scheduler?: BotScheduler;
  /** How long starting a bot waits for its first connection (ms); default 5000. */
  readonly connectTimeoutMs?: number;
}

/**
 * Runs bots: each its own socket connection to the relay, each with its own scope. A plugin that fails
 * to load is logged by file and reason and the others start; a bot can be stopped or reloaded alone.
 *
 * @example
 * ```ts
 * const host = new BotHost({ url: 'http://127.0.0.1:3000', token, logger });
 * const { failed } = await host.startDir('plugins');
 * await host.close();
 * ```
 */
export class BotHost {
  readonly #options: BotHostOptions;
  readonly #settings: BotSettings;
  readonly #limits: BotLimits;
  readonly #log: Logger;
  readonly #registry = new CommandRegistry();
  readonly #bots = new Map<string, BotInstance>();
  // What each running bot was started from: a reload whose new version fails starts it again.
  readonly #definitions = new WeakMap<BotInstance, BotDefinition<unknown>>();
  readonly #stores = new Map<string, Promise<BotStore>>();
  readonly #watchers: FSWatcher[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  /** Starts in progress, which close() waits for: a bot must not come up after the host closed. */
  readonly #starting = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;
  #resolveRefused: () => void = () => {};
  /**
   * Resolves once the relay refused its bots for good (a relay restarted with another bot token) and
   * none of them runs any more: `relay bots` then exits 1, for a supervisor to restart it.
   */
  readonly refused = new Promise<void>((resolve) => {
    this.#resolveRefused = resolve;
  });

  constructor(options: BotHostOptions) {
    this.#options = options;
    this.#settings = { ...BOT_SETTING_DEFAULTS, ...options.settings };
    const rate = this.#settings.botRateLimit;
    this.#limits = Object.freeze({
      maxContentBytes: this.#settings.maxContentBytes,
      sendRate: rate && Object.freeze({ burst: rate.burst, perSecond: rate.perSecond }),
    });
    this.#log = options.logger.child({ part: 'bots' });
  }

  /** Loads and starts each file; failures are logged and returned, the other bots start anyway. */
  async startFiles(files: readonly string[]): Promise<{ started: string[]; failed: PluginFailure[] }> {
    const results = await Promise.all(
      files.map(async (file) => {
        try {
          const bot = await this.start(await loadPlugin(file), file);
          return { started: bot.name };
        } catch (error) {
          return { failed: this.#reportFailure(file, error) };
        }
      }),
    );
    const started = results.flatMap((result) => (result.started ? [result.started] : []));
    const failed = results.flatMap((result) => (result.failed ? [result.failed] : []));
    this.#log.info({ bots: started, failed: failed.length }, 'bots started');
    return { started, failed };
  }

  /** Starts every plugin of `dir` (see {@link startFiles}). */
  async startDir(dir: string): Promise<{ started: string[]; failed: PluginFailure[] }> {
    return this.startFiles(await listPluginFiles(dir));
  }

  /** Starts one bot; rejects with a RelayError when its name is taken or it cannot start. */
  start(definition: BotDefinition<unknown>, file?: string): Promise<BotInstance> {
    const started = this.#start(definition, file);
    const settled = started.catch(() => undefined);
    this.#starting.add(settled);
    void settled.finally(() => this.#starting.delete(settled));
    return started;
  }

  async #start(definition: BotDefinition<unknown>, file?: string): Promise<BotInstance> {
    this.#refuseWhenClosing();
    this.#refuseTaken(definition.name);
    const options = this.#options;
    const store = await this.#store(definition.name);
    // close() (or another start of this name) may have run while the store was opening.
    this.#refuseWhenClosing();
    this.#refuseTaken(definition.name);
    const bot = new BotInstance({
      definition,
      ...(file ? { file: path.resolve(file) } : {}),
      url: options.url,
      token: options.token,
      logger: options.logger,
      prefix: this.#settings.commandPrefix,
      handlerTimeoutMs: this.#settings.botHandlerTimeoutMs,
      settings: this.#settings.bots[definition.name],
      store,
      limits: this.#limits,
      scheduler: options.scheduler ?? cronBotScheduler,
      registry: this.#registry,
      connectTimeoutMs: options.connectTimeoutMs,
      setupTimeoutMs: this.#settings.botSetupTimeoutMs,
      onRefused: () => {
        if (this.#bots.get(definition.name) === bot) this.#bots.delete(definition.name);
        if (this.#bots.size === 0 && this.#closing === undefined) this.#resolveRefused();
      },
    });
    this.#bots.set(definition.name, bot);
    this.#definitions.set(bot, definition);
    try {
      // close() stops it through #bots from here on, and bot.start() then rejects.
      await bot.start();
    } catch (error) {
      if (this.#bots.get(definition.name) === bot) this.#bots.delete(definition.name);
      throw error;
    }
    return bot;
  }

  #refuseTaken(name: string): void {
    const taken = this.#bots.get(name);
    if (taken) {
      throw new RelayError(
        'RELAY_ERR_PLUGIN_LOAD_FAILED',
        `bot name "${name}" is already used by ${taken.file ?? 'a bot started from code'}`,
      );
    }
  }

  #refuseWhenClosing(): void {
    if (this.#closing) throw new RelayError('RELAY_ERR_SHUTTING_DOWN', 'the bot host is closing');
  }

  /** Stops one bot and everything it registered; false when no bot has that name. */
  async stop(name: string): Promise<boolean> {
    const bot = this.#bots.get(name);
    if (!bot) return false;
    this.#bots.delete(name);
    await bot.stop();
    return true;
  }

  /**
   * Loads `file` again and swaps its bot for the new one. When the new version fails to load, the
   * old one keeps running and the failure is logged. A file no longer there stops its bot.
   */
  reload(file: string): Promise<void> {
    // One reload at a time: an editor saving twice must not start two copies.
    const next = this.#queue.then(() => this.#reload(path.resolve(file)));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #reload(file: string): Promise<void> {
    if (this.#closing) return;
    const current = [...this.#bots.values()].find((bot) => bot.file === file);
    if (!existsSync(file)) {
      if (current) await this.stop(current.name);
      this.#log.info({ file, bot: current?.name }, 'plugin file removed; bot stopped');
      return;
    }
    let definition: BotDefinition<unknown>;
    try {
      definition = await loadPlugin(file, { fresh: true });
    } catch (error) {
      this.#reportFailure(
        file,
        error,
        current ? 'plugin failed to reload; the old version keeps running' : undefined,
      );
      return;
    }
    const previous = current && this.#definitions.get(current);
    if (current) await this.stop(current.name);
    try {
      await this.start(definition, file);
      this.#log.info({ file, bot: definition.name }, current ? 'plugin reloaded' : 'plugin loaded');
    } catch (error) {
      // The two share their name, store and jobs, so the new one could only start once the old one
      // stopped: a new version whose setup throws (or whose settings are invalid) brings the old back.
      if (!previous || this.#closing) {
        this.#reportFailure(file, error);
        return;
      }
      this.#reportFailure(file, error, 'plugin failed to reload; the old version is started again');
      await this.start(previous, file).catch((again: unknown) => this.#reportFailure(file, again));
    }
  }

  /** Reloads plugins of `dir` (only the `files` given, if any) when their files change, until it closes. */
  watch(dir: string, files?: ReadonlySet<string>): void {
    const pending = new Map<string, NodeJS.Timeout>();
    const watcher = watch(dir, (_event, name) => {
      if (!name || !isPluginFile(name)) return;
      const file = path.resolve(dir, name);
      if (files && !files.has(file)) return;
      clearTimeout(pending.get(file));
      // Editors write a file in several steps; the last change within 150 ms counts.
      pending.set(
        file,
        setTimeout(() => {
          pending.delete(file);
          void this.reload(file);
        }, 150),
      );
    });
    watcher.on('error', (error) => this.#log.error({ err: error, dir }, 'watching plugins failed'));
    this.#watchers.push(watcher);
    this.#log.info({ dir }, 'watching plugins for changes');
  }

  /** Every command of every running bot. */
  commands(): CommandInfo[] {
    return this.#registry.list();
  }

  /** The running bots. */
  bots(): BotStatus[] {
    return [...this.#bots.values()].map((bot) => ({
      name: bot.name,
      file: bot.file,
      connected: bot.connected,
      stats: { ...bot.stats },
    }));
  }

  /** The running bot named `name`. */
  get(name: string): BotInstance | undefined {
    return this.#bots.get(name);
  }

  /** Stops watching and stops every bot. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const watcher of this.#watchers) watcher.close();
      await this.#queue;
      await Promise.all([...this.#bots.keys()].map((name) => this.stop(name)));
      // A start past its last check has either added its bot (stopped above) or is about to reject.
      await Promise.all(this.#starting);
    })();
    return this.#closing;
  }

  #store(name: string): Promise<BotStore> {
    let store = this.#stores.get(name);
    if (!store) {
      const dir = path.resolve(this.#options.cwd ?? process.cwd(), this.#settings.botStoreDir);
      store = BotStore.open(dir, name, { updateTimeoutMs: this.#settings.botHandlerTimeoutMs });
      // A store that cannot be read is retried on the next start rather than cached as failed.
      store.catch(() => this.#stores.delete(name));
      this.#stores.set(name, store);
    }
    return store;
  }

  #reportFailure(file: string, error: unknown, message = 'plugin failed to load'): PluginFailure {
    const relayError =
      error instanceof RelayError
        ? error
        : new RelayError('RELAY_ERR_PLUGIN_LOAD_FAILED', `${file}: ${(error as Error).message ?? error}`, {
            cause: error,
          });
    this.#log.error({ code: relayError.code, file, err: relayError.detail }, message);
    return { file, error: relayError };
  }
}
