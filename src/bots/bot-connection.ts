import type { Logger } from 'pino';
import { io, type Socket } from 'socket.io-client';
import type {
  BotSendOptions,
  ClientToServerEvents,
  HistoryAck,
  HistoryRequest,
  MembersAck,
  MessageContent,
  MessageMeta,
  PresenceEvent,
  SendAck,
  ServerToClientEvents,
  WireError,
} from '../relay/events.js';
import { hideUserinfo } from '../relay/hide-userinfo.js';
import { RelayError } from '../relay/relay-error.js';
import { validateContent } from '../relay/validate-content.js';
import type { BotHistoryPage, BotMembersPage, SendResult } from './bot-context.js';

/** What a bot connection reports to its bot; each is registered once, for the connection's life. */
export interface BotConnectionEvents {
  connect(): void;
  disconnect(reason: string): void;
  message(content: MessageContent, meta: MessageMeta): void;
  presence(event: PresenceEvent): void;
  /** The relay refused a reconnection for good (a wrong bot token): socket.io-client will not retry. */
  refused?(): void;
}

type BotSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type ConnectError = Error & { data?: { code?: string } };

/**
 * One bot's socket.io-client connection to the relay, authenticated with the bot token. socket.io-client
 * reconnects by itself with backoff; the listeners given to the constructor are added once, so a
 * reconnection never doubles them.
 */
export class BotConnection {
  readonly #socket: BotSocket;
  readonly #name: string;
  readonly #log: Logger;
  readonly #sendTimeoutMs: number;
  readonly #maxContentBytes: number | undefined;
  #closed = false;
  /** Settles a pending `open()` when the connection is closed before it connected. */
  #abandonOpen: (() => void) | undefined;

  constructor(options: {
    url: string;
    token: string;
    name: string;
    log: Logger;
    events: BotConnectionEvents;
    sendTimeoutMs?: number;
    /** The relay's `maxContentBytes`: larger content is refused here, before it is sent. */
    maxContentBytes?: number;
  }) {
    this.#name = options.name;
    this.#log = options.log;
    this.#sendTimeoutMs = options.sendTimeoutMs ?? 5000;
    this.#maxContentBytes = options.maxContentBytes;
    this.#socket = io(options.url, {
      autoConnect: false,
      forceNew: true,
      transports: ['websocket'],
      auth: { name: options.name, botToken: options.token },
      reconnectionDelay: 250,
      reconnectionDelayMax: 5000,
    });
    const { events } = options;
    const socket = this.#socket;
    // One warning per outage, not one per attempt (every 5 s at most), and a line when it ends.
    let failedAttempts = 0;
    socket.on('connect', () => {
      if (failedAttempts > 0) {
        this.#log.info({ attempts: failedAttempts }, 'bot connected again after failed attempts');
      }
      failedAttempts = 0;
      events.connect();
    });
    socket.on('disconnect', (reason) => {
      if (!this.#closed) events.disconnect(reason);
    });
    socket.on('connect_error', (error: ConnectError) => {
      // While open() waits, it answers a refusal itself; later, nothing else would.
      if (!socket.active && !this.#closed && this.#abandonOpen === undefined) {
        this.#log.error({ code: error.data?.code, err: error.message }, 'the relay refused the bot for good');
        events.refused?.();
        return;
      }
      failedAttempts += 1;
      if (failedAttempts === 1) {
        // Where it tried: "websocket error" alone does not say that the URL is the wrong one.
        this.#log.warn(
          { code: error.data?.code, err: error.message, url: hideUserinfo(options.url) },
          'bot could not connect; trying again (logged once until it connects)',
        );
      }
    });
    socket.on('relayError', (error) => this.#log.warn({ ...error }, 'relay refused something the bot sent'));
    socket.on('presence', (event) => events.presence(event));
    socket.on('sendMessageFromBack', (content, meta) => events.message(content, meta));
  }

  get connected(): boolean {
    return this.#socket.connected;
  }

  /** The socket id while connected. */
  get id(): string | undefined {
    return this.#socket.id;
  }

  /**
   * Connects; resolves on the first connection, or after `timeoutMs` with a warning (it keeps trying).
   * Rejects when the relay refuses the bot (a wrong token): socket.io-client does not retry those.
   * Rejects with `RELAY_ERR_SHUTTING_DOWN` when the connection is (or gets) closed first: connecting a
   * closed socket would leave it reconnecting with no listener and nobody to close it.
   */
  open(timeoutMs = 5000): Promise<void> {
    const socket = this.#socket;
    const closedError = () =>
      new RelayError('RELAY_ERR_SHUTTING_DOWN', `bot "${this.#name}" was stopped while connecting`);
    if (this.#closed) return Promise.reject(closedError());
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.#abandonOpen = undefined;
        socket.off('connect', connected);
        socket.off('connect_error', failed);
      };
      this.#abandonOpen = () => {
        done();
        reject(closedError());
      };
      const connected = () => {
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        this.#log.warn({ timeoutMs }, 'relay not reached yet; still trying');
        resolve();
      }, timeoutMs);
      const failed = (error: ConnectError) => {
        // An inactive socket was refused by the relay's middleware and will not retry.
        if (socket.active) return;
        done();
        reject(
          error.data?.code === 'RELAY_ERR_BOT_AUTH_FAILED'
            ? new RelayError('RELAY_ERR_BOT_AUTH_FAILED', `bot "${this.#name}" was refused by the relay`)
            : new RelayError(
                'RELAY_ERR_PLUGIN_LOAD_FAILED',
                `bot "${this.#name}" was refused: ${error.message}`,
              ),
        );
      };
      socket.on('connect', connected);
      socket.on('connect_error', failed);
      socket.connect();
    });
  }

  /** Sends through `botMessage`; resolves with the message id, rejects with the relay's `code`. */
  send(content: MessageContent, options: BotSendOptions): Promise<SendResult> {
    // Checked as the relay checks it, before it goes out: a packet over the relay's maxHttpBufferSize
    // drops the whole connection, and content JSON cannot encode (a cycle, a BigInt) throws in the
    // encoder; both came back as "did not acknowledge" with no code.
    if (this.#maxContentBytes !== undefined) {
      try {
        validateContent(content, this.#maxContentBytes);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const timeoutMs = this.#sendTimeoutMs;
    const ack: Promise<SendAck> = this.#socket.timeout(timeoutMs).emitWithAck('botMessage', content, options);
    return answered(ack, 'acknowledge the message', timeoutMs, ({ id }) => ({ id }));
  }

  /** Reads history through the `history` event; rejects with the relay's `code`. */
  history(request: HistoryRequest): Promise<BotHistoryPage> {
    const timeoutMs = this.#sendTimeoutMs;
    const ack: Promise<HistoryAck> = this.#socket.timeout(timeoutMs).emitWithAck('history', request);
    return answered(ack, 'answer the history request', timeoutMs, ({ messages, more }) => ({
      messages,
      more,
    }));
  }

  /** Who is online in `room`, through the `members` request; rejects with the relay's `code`. */
  members(room: string): Promise<BotMembersPage> {
    const timeoutMs = this.#sendTimeoutMs;
    const ack: Promise<MembersAck> = this.#socket.timeout(timeoutMs).emitWithAck('members', { room });
    return answered(ack, 'answer the members request', timeoutMs, ({ members, total, partial }) => ({
      members,
      total,
      partial,
    }));
  }

  /** Disconnects for good. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#socket.disconnect();
    this.#socket.removeAllListeners();
    // Otherwise a start in progress would wait for its connect timeout for nothing.
    this.#abandonOpen?.();
  }
}

// A request's answer: what `pick` takes of an `ok` one; a refusal rejects with the relay's `code`, and
// no answer within `timeoutMs` says the relay did not `what`.
function answered<A extends { readonly ok: true } | { readonly ok: false; readonly error: WireError }, R>(
  ack: Promise<A>,
  what: string,
  timeoutMs: number,
  pick: (answer: Extract<A, { readonly ok: true }>) => R,
): Promise<R> {
  return ack.then(
    (answer) => {
      if (answer.ok) return pick(answer as Extract<A, { readonly ok: true }>);
      const { error } = answer as Extract<A, { readonly ok: false }>;
      // retryAfterMs too, when the relay says it (a rate limit): when to send again.
      throw Object.assign(
        new Error(error.message),
        error.retryAfterMs === undefined
          ? { code: error.code }
          : { code: error.code, retryAfterMs: error.retryAfterMs },
      );
    },
    (error: Error) => {
      // socket.io's timeout() rejects with this message; anything else failed before the answer.
      if (error.message === 'operation has timed out') {
        throw new Error(`the relay did not ${what} within ${timeoutMs} ms`);
      }
      throw new Error(`the relay did not ${what}: ${error.message}`, { cause: error });
    },
  );
}
