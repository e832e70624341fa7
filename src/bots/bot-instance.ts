import type { Logger } from 'pino';
import type { BotSendOptions, MessageContent, MessageMeta, PresenceEvent } from '../relay/events.js';
import { RelayError } from '../relay/relay-error.js';
import { LOBBY } from '../relay/room-name.js';
import { BotConnection } from './bot-connection.js';
import type { BotJob, BotMessage, BotSendTarget, CommandMessage, SendResult } from './bot-context.js';
import { botMessage, causeOf } from './bot-message.js';
import type { BotScheduler } from './bot-scheduler.js';
import type { BotStore } from './bot-store.js';
import type { CommandRegistry } from './command-registry.js';
import { type BotHandlers, type BotHear, type BotScope, createBotContext } from './create-bot-context.js';
import type { BotDefinition } from './define-bot.js';
import { type DispatchTargets, dispatchMessage } from './dispatch-message.js';
import { HandlerFailureLog } from './handler-failure-log.js';
import { type Cause, HandlerRunner, type HandlerStats, markLogged } from './handler-runner.js';
import { messageText } from './message-text.js';
import { runSetup } from './run-setup.js';
import { SendFailureLog } from './send-failure-log.js';
import { validateBotSettings } from './validate-bot-settings.js';

/** What a bot instance needs from its host. */
export interface BotInstanceOptions {
  readonly definition: BotDefinition<unknown>;
  readonly file?: string;
  readonly url: string;
  readonly token: string;
  readonly logger: Logger;
  readonly prefix: string;
  readonly handlerTimeoutMs: number;
  readonly settings: Record<string, unknown> | undefined;
  readonly store: BotStore;
  readonly limits: BotScope['limits'];
  readonly scheduler: BotScheduler;
  readonly registry: CommandRegistry;
  /** How long `start()` waits for the first connection before going on without it (ms). */
  readonly connectTimeoutMs?: number | undefined;
  /** How long `setup` may take before the bot fails to start (ms): `botSetupTimeoutMs`. */
  readonly setupTimeoutMs: number;
  /** How long a send waits for the relay's ack (ms). */
  readonly sendTimeoutMs?: number;
  /** Called once the bot stopped because the relay refused it for good (after it had started). */
  readonly onRefused?: (() => void) | undefined;
}

/**
 * One running bot: its own socket.io-client connection, and everything its setup registered (listeners
 * once per instance, never per `connect`, so reconnecting cannot double handlers); `stop()` removes it.
 */
export class BotInstance {
  readonly name: string;
  readonly file: string | undefined;
  readonly #options: BotInstanceOptions;
  readonly #log: Logger;
  readonly #sendFailures: SendFailureLog;
  readonly #runner: HandlerRunner;
  readonly #connection: BotConnection;
  readonly #targets: DispatchTargets;
  readonly #handlers: BotHandlers = { message: [], connect: [], disconnect: [], presence: [] };
  readonly #hears: BotHear[] = [];
  readonly #commands = new Map<string, (message: CommandMessage) => unknown>();
  readonly #jobs = new Set<BotJob>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #cleanup: (() => unknown) | undefined;
  #stopping: Promise<void> | undefined;
  #stopped = false;
  #settingUp = false;
  #connections = 0;

  constructor(options: BotInstanceOptions) {
    this.#options = options;
    this.name = options.definition.name;
    this.file = options.file;
    this.#log = options.logger.child({ bot: this.name });
    this.#sendFailures = new SendFailureLog(this.#log);
    const failures = new HandlerFailureLog(this.#log);
    this.#runner = new HandlerRunner({ failures, timeoutMs: options.handlerTimeoutMs });
    const { message } = this.#handlers;
    this.#targets = {
      message,
      hears: this.#hears,
      commands: this.#commands,
      prefix: options.prefix,
      runner: this.#runner,
    };
    this.#connection = new BotConnection({
      url: options.url,
      token: options.token,
      name: this.name,
      log: this.#log,
      ...(options.sendTimeoutMs ? { sendTimeoutMs: options.sendTimeoutMs } : {}),
      maxContentBytes: options.limits.maxContentBytes,
      events: {
        connect: () => this.#connected(),
        disconnect: (reason) => this.#disconnected(reason),
        message: (content, meta) => this.#dispatch(content, meta),
        presence: (event) => this.#presence(event),
        refused: () => void this.stop().then(options.onRefused),
      },
    });
  }

  /** How the bot's handlers fared. */
  get stats(): Readonly<HandlerStats> {
    return this.#runner.stats;
  }

  /** True while the bot's socket is connected. */
  get connected(): boolean {
    return this.#connection.connected;
  }

  /** The bot's socket id while connected. */
  get socketId(): string | undefined {
    return this.#connection.id;
  }

  /**
   * Validates the bot's settings, runs its setup, then connects. Rejects (after cleaning up) when the
   * settings are invalid, setup throws, or the relay refuses the bot; a relay that does not answer in
   * time is logged and retried in the background.
   */
  async start(): Promise<void> {
    try {
      const context = createBotContext(
        {
          name: this.name,
          prefix: this.#options.prefix,
          log: this.#log,
          store: this.#options.store,
          limits: this.#options.limits,
          scheduler: this.#options.scheduler,
          registry: this.#options.registry,
          runner: this.#runner,
          handlers: this.#handlers,
          hears: this.#hears,
          commands: this.#commands,
          jobs: this.#jobs,
          timers: this.#timers,
          stopped: () => this.#stopped && !this.#settingUp, // setup's late ones are undone after it
          send: (content, target) => this.#send(content, target),
          history: (room, options) => this.#ask(() => this.#connection.history({ room, ...options })),
          members: (room) => this.#ask(() => this.#connection.members(room)),
        },
        validateBotSettings(this.#options.definition, this.#options.settings),
      );
      this.#settingUp = true;
      let cleanup: unknown;
      try {
        cleanup = await runSetup(this.#options.definition, context, {
          timeoutMs: this.#options.setupTimeoutMs,
          log: this.#log,
        });
      } finally {
        this.#settingUp = false;
      }
      if (typeof cleanup === 'function') this.#cleanup = cleanup as () => unknown;
    } catch (error) {
      await this.stop();
      // stop() may have run while setup was awaited, before setup registered the rest.
      await this.#release();
      if (error instanceof RelayError) throw error;
      const why = error instanceof Error ? error.message : String(error);
      throw new RelayError('RELAY_ERR_PLUGIN_LOAD_FAILED', `bot "${this.name}": setup failed: ${why}`, {
        cause: error,
      });
    }
    if (this.#stopped) {
      // stop() ran while setup was awaited: it could not undo setup's later registrations nor run the
      // cleanup returned only now. Connecting would leave a socket nobody closes, reconnecting for ever.
      await this.#stopping;
      await this.#release();
      throw new RelayError('RELAY_ERR_SHUTTING_DOWN', `bot "${this.name}" was stopped while starting`);
    }
    try {
      await this.#connection.open(this.#options.connectTimeoutMs);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Stops everything the bot registered and disconnects it. Idempotent. */
  stop(): Promise<void> {
    this.#stopped = true; // before #stop runs: disconnecting emits 'disconnect' synchronously
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    await this.#release();
    this.#connection.close();
    this.#sendFailures.close();
    await this.#options.store
      .flush()
      .catch((error: unknown) =>
        this.#log.error({ err: error }, 'bot store could not be saved; its last changes are lost'),
      );
    if (this.#connections > 0) this.#log.info('bot stopped');
  }

  /** Undoes what setup registered so far; safe to run again for what it registers later. */
  async #release(): Promise<void> {
    for (const job of this.#jobs) job.stop();
    this.#jobs.clear();
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#options.registry.removeBot(this.name);
    this.#runner.abortAll(`bot "${this.name}" is stopping`);
    const cleanup = this.#cleanup;
    this.#cleanup = undefined;
    if (cleanup) {
      try {
        await cleanup();
      } catch (error) {
        this.#log.error({ err: error }, 'cleanup failed');
      }
    }
  }

  // A question to the relay (history, members), refused once the bot is stopped. One nobody awaits that
  // fails (`void bot.members(args[0]).then(…)`, a bad room) must not be an unhandled rejection, which
  // would end the relay's process: whoever awaits still gets the error.
  #ask<T>(question: () => Promise<T>): Promise<T> {
    const asked = this.#stopped ? Promise.reject(new Error(`bot "${this.name}" is stopped`)) : question();
    asked.catch((error: Error & { code?: string }) =>
      this.#log.debug({ code: error.code, err: error.message }, 'question to the relay failed'),
    );
    return asked;
  }

  #connected(): void {
    this.#connections += 1;
    this.#log.info({ socket: this.#connection.id, reconnect: this.#connections > 1 }, 'bot connected');
    for (const handler of this.#handlers.connect) void this.#runner.run('on connect', () => handler());
  }

  #disconnected(reason: string): void {
    if (this.#stopped) return;
    this.#log.warn({ reason }, 'bot disconnected; reconnecting');
    for (const handler of this.#handlers.disconnect) {
      void this.#runner.run('on disconnect', () => handler(reason));
    }
  }

  #presence(event: PresenceEvent): void {
    if (this.#stopped) return;
    for (const handler of this.#handlers.presence) {
      void this.#runner.run(`on presence ${event.type}`, () => handler(event));
    }
  }

  #dispatch(content: MessageContent, meta: MessageMeta): void {
    if (this.#stopped || !meta?.from) return;
    const { kind, name } = meta.from;
    if (kind === 'system') return;
    if (kind === 'bot' && (name === this.name || !this.#options.definition.hearBots)) return;
    const text = messageText(content);
    dispatchMessage(this.#targets, text, causeOf(meta), (signal) =>
      this.#message(content, meta, text, signal),
    );
  }

  #message(content: MessageContent, meta: MessageMeta, text: string, signal: AbortSignal): BotMessage {
    return botMessage({ content, meta, text, signal }, (answer, target, cause) =>
      this.#send(answer, target, cause),
    );
  }

  #send(
    content: MessageContent,
    target: BotSendTarget & { to?: string } = {},
    answering?: Cause,
  ): Promise<SendResult> {
    const scope = this.#runner.current();
    const cause = answering ?? scope?.cause;
    const room = target.room === undefined ? LOBBY : target.room;
    const sent = new Promise<SendResult>((resolve, reject) => {
      if (this.#stopped) {
        reject(new Error(`bot "${this.name}" is stopped`));
        return;
      }
      if (scope?.signal.aborted) {
        reject(new RelayError('RELAY_ERR_BOT_HANDLER_TIMEOUT', 'an abandoned handler tried to send'));
        return;
      }
      const options: BotSendOptions = {
        room,
        ...(target.to === undefined ? {} : { to: target.to }),
        ...(cause ? { causedBy: cause.id, hops: cause.hops } : {}),
      };
      this.#connection.send(content, options).then(resolve, reject);
    });
    // Logged here so that a send nobody awaits is still reported, and never an unhandled rejection.
    sent.catch((error: Error & { code?: string }) => {
      this.#sendFailures.note(error, room);
      markLogged(error);
    });
    return sent;
  }
}
