import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import { withUserId } from './default-user-id.js';
import type {
  ClientToServerEvents,
  InterServerEvents,
  MessageSender,
  ServerToClientEvents,
  SocketData,
  WireError,
} from './events.js';
import { MAX_REFUSALS, REFUSAL_WINDOW_MS, RefusalWindow } from './refusal-window.js';
import type { Relay } from './relay.js';
import { RelayError } from './relay-error.js';
import { TokenBucket } from './token-bucket.js';

// Reads that build an answer (a history page, a members list) waiting behind the one running, at most.
const MAX_WAITING_READS = 4;
// What a read refused for that tells the client to wait: about one read's time.
const READ_RETRY_MS = 250;

export type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
/** How a client event is answered: its ack callback. */
export type Reply = (answer: { ok: true; [key: string]: unknown } | { ok: false; error: WireError }) => void;

/**
 * What one connection needs of its own: who it is, its rate limiter, its logger and its refusal window.
 * Everything else (the listeners included) is shared by every connection, and the logger and rate
 * limiter are made on first use: most connections sit idle, and at thousands of them each per-socket
 * object and closure shows in memory per client.
 *
 * @example
 * ```ts
 * const connection = new Connection(socket, settings, logger);
 * connection.takeToken(relay); // throws RELAY_ERR_RATE_LIMITED past the socket's limit
 * ```
 */
export class Connection {
  readonly socket: RelaySocket;
  readonly from: MessageSender;
  readonly isBot: boolean;
  readonly #limits: RateLimit | false;
  readonly #logger: Logger;
  #limiter: TokenBucket | undefined;
  #log: Logger | undefined;
  #refusals: RefusalWindow | undefined;
  #reads: Promise<void> | undefined;
  #waitingReads = 0;

  constructor(socket: RelaySocket, config: ConnectionSettings, logger: Logger) {
    this.socket = socket;
    // withUserId: a socket recovered from a relay older than user ids has none in its data.
    const { name, kind, userId, roles } = socket.data;
    this.from = withUserId({
      id: socket.id,
      name,
      kind,
      ...(userId === undefined ? {} : { userId }),
      ...(roles === undefined ? {} : { roles }),
    });
    this.isBot = this.from.kind === 'bot';
    // A bot is its own connection, so its socket's bucket is the per-bot send limit.
    this.#limits = this.isBot ? config.botRateLimit : config.rateLimit;
    this.#logger = logger;
  }

  // A bucket made at the first event is the full bucket one made at connection would have been by then.
  get limiter(): TokenBucket | undefined {
    if (this.#limiter === undefined && this.#limits) this.#limiter = new TokenBucket(this.#limits);
    return this.#limiter;
  }

  get log(): Logger {
    this.#log ??= this.#logger.child({ socket: this.from.id, name: this.from.name });
    return this.#log;
  }

  // Limits every event a client sends, not only messages, so a flood of anything is cut short.
  takeToken(relay: Relay): void {
    const limiter = this.limiter;
    if (limiter && !limiter.take()) {
      const error = limiter.refusal(`client "${this.from.name}"`, 'event');
      relay.reportRejected(error, this.from);
      throw error;
    }
  }

  /**
   * Runs `read` (a history page, a members list) once this connection's earlier reads are done: their
   * answers are charged to the bucket as they are built (a large page costs more tokens), and a burst of
   * requests arrives before any answer is, so one at a time is what makes the charge hold. Refuses with
   * `RELAY_ERR_RATE_LIMITED` (and `retryAfterMs`) a read past the {@link MAX_WAITING_READS} waiting, and
   * one whose turn finds the bucket overdrawn by what the reads before it were charged. `read` answers through `reply` and
   * handles its own errors.
   */
  readInTurn(relay: Relay, event: string, reply: Reply, read: () => Promise<void>): void {
    // Bots hold the bot token and are trusted, as for refusals: a bot's reads of many rooms run at once.
    if (this.isBot) {
      read().catch((error: unknown) => this.log.error({ err: error, event }, 'handler failed'));
      return;
    }
    if (this.#waitingReads >= MAX_WAITING_READS) {
      const error = new RelayError(
        'RELAY_ERR_RATE_LIMITED',
        `client "${this.from.name}" has ${MAX_WAITING_READS} reads waiting for their answers; next ${event} in ${READ_RETRY_MS} ms`,
        { retryAfterMs: READ_RETRY_MS },
      );
      relay.reportRejected(error, this.from);
      throw error;
    }
    this.#waitingReads += 1;
    const turn = (this.#reads ?? Promise.resolve()).then(async () => {
      this.#waitingReads -= 1;
      // Cut (a slow consumer, a flood) while it waited: nobody to answer.
      if (!this.socket.connected) return;
      // Its own token was taken as it came; what the reads before it were charged must be paid off first.
      const limiter = this.limiter;
      if (limiter?.overdrawn) {
        const error = limiter.refusal(`client "${this.from.name}"`, event);
        relay.reportRejected(error, this.from);
        this.refuse(relay, event, error, reply);
        return;
      }
      await read();
    });
    this.#reads = turn.catch((error: unknown) => this.log.error({ err: error, event }, 'handler failed'));
  }

  refuseBot(event: string): void {
    if (this.isBot) {
      throw new RelayError(
        'RELAY_ERR_FORBIDDEN',
        `bots hear every room and choose one per message (botMessage's room option); "${event}" is for people`,
      );
    }
  }

  // Refuses what a client sent: through its ack when it gave one, else with a `relayError` event. Each
  // answer costs the relay memory until the client reads it, so a person's socket gets at most
  // MAX_REFUSALS of them a window: the next refusal is answered RELAY_ERR_FLOODING and the socket is
  // dropped, and what the flood sent after it is never read. Bots hold the bot token and are trusted.
  // A 503 (Redis or the history store away, the relay closing) is the relay's state, not the client's
  // input: a client retrying through an outage is not flooding, and a drop would end it for good, since
  // socket.io-client does not reconnect after a server disconnect. What those answers cost in memory is
  // still bounded, by the slow-consumer cut, which measures as each packet is queued.
  refuse(relay: Relay, event: string, error: RelayError, reply: Reply | undefined): void {
    // The publish path logs and counts its refusals; the others (a room not granted, a bad history
    // query) are, here. A RELAY_ERR_INTERNAL is the relay's fault, logged at error where it happened.
    if (!error.reported && error.code !== 'RELAY_ERR_INTERNAL') relay.reportRejected(error, this.from);
    if (!this.socket.connected) return;
    let answer = error;
    if (!this.isBot) this.#refusals ??= new RefusalWindow();
    const flooding = error.status !== 503 && (this.#refusals?.overLimit() ?? false);
    if (flooding) {
      answer = new RelayError(
        'RELAY_ERR_FLOODING',
        `client "${this.from.name}" had over ${MAX_REFUSALS} events refused within ${REFUSAL_WINDOW_MS / 1000} s`,
      );
      relay.reportRejected(answer, this.from, { final: true });
    }
    if (reply) reply({ ok: false, error: answer.toWire() });
    else this.socket.emit('relayError', { ...answer.toWire(), event });
    // Not reconnected by socket.io-client by itself: a client in a loop does not come straight back.
    if (flooding) this.socket.disconnect(true);
  }
}

/** A token bucket's shape: `burst` events at once, `perSecond` in the long run. */
export interface RateLimit {
  readonly burst: number;
  readonly perSecond: number;
}

/** What a connection needs of the relay's settings: routing, greeting and rate limits. */
export interface ConnectionSettings {
  readonly routing: 'all' | 'echo' | 'others';
  readonly greeting: 'self' | 'all' | 'others' | 'none';
  readonly greetingText: string;
  /** Per-socket limit of client events; `false` turns it off. */
  readonly rateLimit: RateLimit | false;
  /** Per-bot limit of what a bot sends; `false` turns it off. */
  readonly botRateLimit: RateLimit | false;
}
