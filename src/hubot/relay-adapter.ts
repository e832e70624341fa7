import { setTimeout as delay } from 'node:timers/promises';
import { Adapter, EnterMessage, type Envelope, LeaveMessage, type Robot, TextMessage } from 'hubot';
import type { Logger } from 'pino';
import { BotConnection } from '../bots/bot-connection.js';
import { HandlerFailureLog } from '../bots/handler-failure-log.js';
import { type Cause, HandlerRunner } from '../bots/handler-runner.js';
import { messageText } from '../bots/message-text.js';
import { SendFailureLog } from '../bots/send-failure-log.js';
import type { BotSendOptions, MessageContent, MessageMeta, PresenceEvent, Sender } from '../relay/events.js';
import { RelayError } from '../relay/relay-error.js';
import { LOBBY } from '../relay/room-name.js';
import { DEFAULT_MAX_CONTENT_BYTES } from '../relay/validate-content.js';
import type { HubotBrainStore } from './hubot-brain-store.js';
import { HubotFailures } from './hubot-failures.js';
import { RelayUsers } from './relay-users.js';
import { splitMessage } from './split-message.js';

/** How a {@link RelayAdapter} reaches its relay and behaves there. */
export interface RelayAdapterOptions {
  /** The relay's URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /** The relay's bot token. */
  readonly token: string;
  /** Where the adapter logs; default the robot's logger. */
  readonly logger?: Logger;
  /** Where `robot.brain` is kept between runs; without one it lives in memory only. */
  readonly brain?: HubotBrainStore;
  /** Whether messages of other bots reach the scripts (default false: two bots cannot chat in a loop). */
  readonly hearBots?: boolean;
  /** How long one message's listeners may run before they are abandoned and logged (ms); default 5000. */
  readonly handlerTimeoutMs?: number;
  /** How long `run()` waits for the first connection before going on without it (ms); default 5000. */
  readonly connectTimeoutMs?: number;
  /** The relay's `maxContentBytes`: longer texts go out in pieces, cut at line breaks; default 4096. */
  readonly maxContentBytes?: number;
  /**
   * How many users known only by a connection id (no account id from the relay) the brain keeps, the
   * most recently seen; default 1000.
   */
  readonly maxConnectionUsers?: number;
}

/** What an envelope's message carries when it came from the relay. */
type RelayTextMessage = TextMessage & { relayMeta?: MessageMeta };

// Tries of one piece of a long text that the bot's rate limit refuses (each after the wait it names).
const PACED_ATTEMPTS = 5;

/**
 * A Hubot adapter for a RelayKit relay: the robot connects as a bot (one socket, the relay's bot token),
 * hears every room, and answers through `botMessage` with the cause of each answer, so the relay's loop
 * limit applies to Hubot scripts as to any bot. Listeners run in a handler scope: a script that throws or
 * hangs is logged and abandoned; the robot goes on. Sends never reject (a refused one is logged), since
 * scripts rarely await `res.send`.
 *
 * @example
 * ```ts
 * const robot = new Robot({ use: (r: Robot) => new RelayAdapter(r, { url, token }) }, false, 'hubot');
 * await robot.loadAdapter();
 * await robot.run();
 * ```
 */
export class RelayAdapter extends Adapter {
  readonly #log: Logger;
  readonly #sendFailures: SendFailureLog;
  readonly #runner: HandlerRunner;
  readonly #failures: HubotFailures;
  readonly #connection: BotConnection;
  readonly #options: RelayAdapterOptions;
  readonly #users: RelayUsers;
  #closed = false;
  #announced = false;

  constructor(robot: Robot, options: RelayAdapterOptions) {
    super(robot);
    this.#options = options;
    this.#log = (options.logger ?? robot.logger).child({ bot: robot.name, adapter: 'relaykit' });
    this.#sendFailures = new SendFailureLog(this.#log);
    // One log of failures: the runner's, and the robot's listeners' (Hubot catches what they throw).
    const failures = new HandlerFailureLog(this.#log);
    this.#runner = new HandlerRunner({ failures, timeoutMs: options.handlerTimeoutMs ?? 5000 });
    this.#failures = new HubotFailures(robot, failures, (ms) => this.#runner.noteHeld(ms));
    this.#users = new RelayUsers(robot.brain, options.maxConnectionUsers ?? 1000);
    this.#connection = new BotConnection({
      url: options.url,
      token: options.token,
      name: robot.name,
      log: this.#log,
      maxContentBytes: options.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES,
      events: {
        connect: () => this.#connected(),
        disconnect: (reason) => this.#log.warn({ reason }, 'hubot disconnected; reconnecting'),
        message: (content, meta) => this.#message(content, meta),
        presence: (event) => this.#presence(event),
        // The relay refused the bot for good after it had started (another bot token after a relay
        // restart): a deaf robot that keeps running would never be restarted by its supervisor.
        // startHubot listens and closes the robot itself (waiting for the brain); else it shuts down here.
        refused: () => {
          if (this.#closed) return;
          if (this.listenerCount('refused') > 0) this.emit('refused');
          else this.robot.shutdown();
        },
      },
    });
  }

  /** The adapter's name, as `robot.adapterName` (what `hubot adapter` answers). */
  get name(): string {
    return 'relaykit';
  }

  /**
   * Loads the brain, then connects; emits `connected` (Hubot's CLI loads scripts then) once connected.
   * The brain's `loaded` event is emitted again on `scripts have loaded`, and to each `loaded` listener
   * added after that.
   */
  override async run(): Promise<void> {
    const { brain } = this.#options;
    if (brain) {
      const data = brain.load();
      if (data) this.robot.brain.mergeData(data);
      this.#users.adopt();
      this.robot.brain.on('save', (saved: Record<string, unknown>) => brain.save(saved));
      // Hubot closes the brain after the adapter, saving once more: the store goes after that save.
      // A save that fails at the close is logged by the store; it must not be an unhandled rejection.
      this.robot.brain.on('close', () => void brain.close().catch(() => undefined));
    }
    // Scripts load after this (Hubot's CLI loads them on `connected`) and many set up their part of the
    // brain in a 'loaded' listener, as brain stores such as hubot-redis-brain load late: tell them once
    // they are there, also when the brain is in memory only and would otherwise never say it.
    // Scripts loaded after that (Hubot's CLI does not await external-scripts.json, packages that load
    // their files from a callback) are told as soon as they listen.
    this.robot.on('scripts have loaded', () => {
      const robotBrain = this.robot.brain;
      robotBrain.emit('loaded', robotBrain.data);
      robotBrain.on('newListener', (event: string, listener: (data: unknown) => void) => {
        if (event !== 'loaded') return;
        queueMicrotask(() => {
          try {
            listener(robotBrain.data);
          } catch (error) {
            this.#log.error({ err: error }, "a script's brain 'loaded' listener threw");
          }
        });
      });
    });
    await this.#connection.open(this.#options.connectTimeoutMs);
  }

  /**
   * Sends each string as its own message to the envelope's room (or privately to the person whose user id
   * is that room, see RelayUsers.target), in order; one longer than the relay's
   * `maxContentBytes` (a long help) goes out in pieces cut at line breaks. Empty strings are skipped.
   * Resolves with the message ids, `undefined` for a message the relay refused (logged).
   */
  override async send(envelope: Envelope, ...strings: string[]): Promise<Array<string | undefined>> {
    const target = this.#users.target(envelope);
    const max = this.#options.maxContentBytes ?? DEFAULT_MAX_CONTENT_BYTES;
    const ids: Array<string | undefined> = [];
    for (const value of strings as unknown[]) {
      // An object (Slack-style attachments, say) goes as object content, for the relay to check: as a
      // string it was "[object Object]".
      if (typeof value === 'object' && value !== null) {
        ids.push(await this.#send(value as MessageContent, target));
        continue;
      }
      // Scripts send numbers too; null and undefined say nothing.
      const text = value === null || value === undefined ? '' : String(value);
      if (text === '') continue;
      // The pieces of one text come in a burst that can pass the bot's rate limit: each waits its turn.
      const pieces = splitMessage(text, max);
      for (const piece of pieces) ids.push(await this.#send(piece, target, pieces.length > 1));
    }
    return ids;
  }

  /** Like `send`, each string prefixed with the name of the person answered (`alice: …`). */
  override reply(envelope: Envelope, ...strings: string[]): Promise<Array<string | undefined>> {
    const name = envelope.user?.name;
    // An object (see send) goes as it is: "alice: [object Object]" says nothing.
    const named = (text: unknown) => (name && typeof text !== 'object' ? `${name}: ${text}` : text);
    return this.send(envelope, ...(strings as unknown[]).map(named as (text: unknown) => string));
  }

  /** An action, written as `*text*`: a relay has no emote message of its own. */
  override emote(envelope: Envelope, ...strings: string[]): Promise<Array<string | undefined>> {
    const acted = (text: unknown) => (typeof text === 'object' && text !== null ? text : `*${text}*`);
    return this.send(envelope, ...(strings as unknown[]).map(acted as (text: unknown) => string));
  }

  /** Rooms of a relay have no topic: logged at debug and ignored. */
  override async topic(envelope: Envelope): Promise<void> {
    this.#log.debug({ room: envelope.room }, 'hubot topic ignored: relay rooms have no topic');
  }

  /** Disconnects and abandons running listeners. Idempotent. */
  override close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#runner.abortAll('the robot is shutting down');
    this.#connection.close();
    this.#sendFailures.close();
    super.close();
  }

  #connected(): void {
    this.#log.info({ socket: this.#connection.id }, 'hubot connected');
    if (this.#announced) return;
    this.#announced = true;
    this.emit('connected');
  }

  #message(content: MessageContent, meta: MessageMeta): void {
    if (this.#closed || !meta?.from || this.#ignored(meta.from)) return;
    const text = messageText(content);
    if (text === '') return;
    const user = this.#users.user(meta.from, meta.room ?? LOBBY);
    const message: RelayTextMessage = new TextMessage(user, text, meta.id);
    message.relayMeta = meta;
    this.#yieldHelpToScripts();
    this.#receive('hubot message', message, { id: meta.id, hops: (meta.hops ?? 0) + 1 });
  }

  #presence(event: PresenceEvent): void {
    if (this.#closed || !event?.user || this.#ignored(event.user)) return;
    // Someone coming back (after a relay restart) entered once already: scripts would greet them again.
    if (event.type === 'join' && event.resumed) return;
    const user = this.#users.user(event.user, event.room);
    const message = event.type === 'join' ? new EnterMessage(user) : new LeaveMessage(user);
    this.#receive(`hubot ${event.type === 'join' ? 'enter' : 'leave'}`, message);
  }

  #receive(label: string, message: TextMessage | EnterMessage | LeaveMessage, cause?: Cause): void {
    // Listeners scripts added since the last message, too, fail into the relay's log, once an episode.
    this.#failures.guard();
    void this.#runner.run(label, () => this.robot.receive(message), cause);
  }

  /** The robot's own messages, the relay's, and (unless `hearBots`) other bots' never reach scripts. */
  #ignored(from: Sender): boolean {
    if (from.kind === 'system') return true;
    return from.kind === 'bot' && (from.name === this.robot.name || this.#options.hearBots !== true);
  }

  /**
   * Hubot 14 answers `hubot help` with its built-in command bus, which lists none of the scripts'
   * `Commands:` headers, before any script sees the message. When a script (hubot-help) listens for
   * `help` itself, the user installed it to answer: the built-in one steps aside.
   */
  #yieldHelpToScripts(): void {
    const { commands, listeners, name } = this.robot;
    if (!commands?.getCommand('help')) return;
    const probe = `${name} help`;
    const scripted = listeners.some((listener) => {
      if (!(listener.regex instanceof RegExp)) return false;
      listener.regex.lastIndex = 0;
      return listener.regex.test(probe);
    });
    if (scripted) commands.unregister('help');
  }

  async #send(
    content: MessageContent,
    target: { room: string; to?: string },
    paced = false,
  ): Promise<string | undefined> {
    const scope = this.#runner.current();
    const options: BotSendOptions = {
      ...target,
      ...(scope?.cause ? { causedBy: scope.cause.id, hops: scope.cause.hops } : {}),
    };
    try {
      for (let attempt = 1; ; attempt += 1) {
        if (this.#closed) throw new RelayError('RELAY_ERR_SHUTTING_DOWN', 'the robot is shut down');
        if (scope?.signal.aborted) {
          throw new RelayError('RELAY_ERR_BOT_HANDLER_TIMEOUT', 'an abandoned listener tried to send');
        }
        try {
          return (await this.#connection.send(content, options)).id;
        } catch (error) {
          const { code, retryAfterMs } = error as { code?: string; retryAfterMs?: number };
          // A piece of a long text refused by the rate limit waits until it may go, a few times at most;
          // the listener's timeout still ends it.
          if (!paced || code !== 'RELAY_ERR_RATE_LIMITED' || attempt === PACED_ATTEMPTS) throw error;
          // The loop's checks then refuse it, typed, if the listener was abandoned or the robot closed.
          await delay(Math.min(Math.max(retryAfterMs ?? 200, 50), 2000), undefined, {
            ref: false,
            ...(scope ? { signal: scope.signal } : {}),
          }).catch(() => {});
        }
      }
    } catch (error) {
      // A piece still waiting its turn when the robot closed: nothing to tell anyone any more.
      if (!this.#closed) this.#sendFailures.note(error as Error, target.room);
      return undefined;
    }
  }
}
