import type { Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  MessageContent,
  MessageMeta,
  MessageRedactedEvent,
  RoomAck,
  SendAck,
  ServerToClientEvents,
  WireError,
} from '../relay/events.js';
import { RelayError } from '../relay/relay-error.js';
import { ConnectionWaiters, contentBytes } from './connection-waiters.js';
import { GapFiller, type UnfilledGap } from './gap-filler.js';
import { isWireError, refusalError } from './refusal-error.js';
import type { RelayAuth, RelayClientSettings } from './relay-client-settings.js';
import { Subscribers } from './subscribers.js';

/** A socket.io-client socket typed with the relay's event maps. */
export type RelaySocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** One message as the relay delivered it: `sendMessageFromBack`'s two arguments in one object. */
export interface RelayMessage {
  readonly content: MessageContent;
  readonly meta: MessageMeta;
}

/**
 * Where the connection stands: `connecting` before the first connection, `connected`, `reconnecting`
 * after a drop while socket.io tries again, `disconnected` once closed or refused by the relay.
 */
export type ConnectionStatus = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/**
 * A typed connection to a relay, made by `createRelayClient`. It puts exactly one listener per event on
 * its socket for its whole life and fans messages out to subscribers kept in a set, so subscribing and
 * unsubscribing (as React effects do on every render they re-run) never adds socket listeners.
 *
 * Requests made before the first connection wait for it (bounded; see {@link RelayClient.send}), so a
 * fresh client can `send` at once; `ready()` waits for the connection explicitly.
 *
 * @example
 * ```ts
 * const client = createRelayClient('http://localhost:3000', { name: 'John', room: 'general' });
 * await client.ready(); // optional: send would wait for the first connection too
 * const off = client.onMessage(({ content, meta }) => render(meta.from.name, content));
 * const answer = await client.send('Hello John !'); // { ok: true, id } or { ok: false, error }
 * off();
 * client.close();
 * ```
 */
export class RelayClient {
  /** The underlying socket, for anything the kit does not wrap. */
  readonly socket: RelaySocket;
  readonly #auth: RelayAuth;
  readonly #timeoutMs: number;
  readonly #connectTimeoutMs: number;
  readonly #waiters: ConnectionWaiters;
  readonly #messageListeners = new Subscribers<RelayMessage>();
  readonly #statusListeners = new Subscribers<ConnectionStatus>();
  readonly #redactedListeners = new Subscribers<MessageRedactedEvent>();
  readonly #unfilledListeners = new Subscribers<UnfilledGap>();
  #status: ConnectionStatus;
  #lastError: WireError | undefined;
  #everConnected = false;
  #closed = false;
  /** The relay said the token expired: its disconnect that follows is answered by a reconnect. */
  #expired = false;
  /** The relay's refusal of the handshake, after which socket.io does not try again. */
  #refusal: RelayError | undefined;
  readonly #gaps = new GapFiller(
    (message) => this.#messageListeners.emit(message),
    (gap) => this.#unfilledListeners.emit(gap),
  );

  /** Prefer `createRelayClient`. `auth` must be the very object the socket was given as its `auth`. */
  constructor(socket: RelaySocket, options: RelayClientSettings & { auth: RelayAuth }) {
    this.socket = socket;
    this.#auth = options.auth;
    this.#timeoutMs = options.timeoutMs;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#waiters = new ConnectionWaiters({
      maxQueuedSends: options.maxQueuedSends ?? 100,
      maxQueuedBytes: options.maxQueuedBytes ?? 1024 * 1024,
    });
    this.#status = socket.connected ? 'connected' : 'connecting';
    this.#everConnected = socket.connected;
    if (socket.connected) this.#gaps.start(socket, this.#timeoutMs);
    socket.on('sendMessageFromBack', (content, meta) => this.#gaps.live({ content, meta }));
    socket.on('messageRedacted', (event) => {
      this.#gaps.redacted(event.id);
      this.#redactedListeners.emit(event);
    });
    socket.on('connect', () => {
      // socket.io could not restore the session (a restart, an outage past the recovery window): what
      // the room said meanwhile comes from the relay's history, once, in order, before newer messages.
      // A fill a drop cut short goes on too, even after a recovered reconnection.
      if (this.#everConnected && (!socket.recovered || this.#gaps.pending)) {
        this.#gaps.fill(socket, this.#timeoutMs, this.room);
      } else if (!this.#everConnected) this.#gaps.start(socket, this.#timeoutMs);
      this.#everConnected = true;
      this.#auth.resumed = true;
      this.#lastError = undefined;
      this.#refusal = undefined;
      this.#setStatus('connected');
      this.#waiters.settle();
    });
    socket.on('relayError', (error) => {
      if (error.event === 'auth' && error.code === 'RELAY_ERR_UNAUTHENTICATED') {
        this.#lastError = { code: error.code, message: error.message };
        this.#expired = options.reconnectOnExpiry === true;
      }
      this.#noteFlooding(error);
    });
    socket.on('disconnect', (reason) => {
      // socket.io-client does not reconnect after a server disconnect by itself; after an expiry the
      // handshake asks the token provider again.
      if (reason === 'io server disconnect' && this.#expired && !this.#closed) {
        this.#expired = false;
        this.#setStatus('reconnecting');
        socket.connect();
        return;
      }
      this.#setStatus(this.#retryingStatus());
      // Nothing will reconnect it (an expired fixed token, a relay that dropped it): ready() says so.
      if (!socket.active && !this.#closed && this.#lastError !== undefined) {
        this.#refusal = refusalError(this.#lastError);
        this.#waiters.settle(this.#refusal);
      }
    });
    socket.on('connect_error', (error: Error & { data?: unknown }) => {
      // A refusal by the relay (bad name or room) carries `{ code, message }`; socket.io stops retrying then.
      this.#lastError = isWireError(error.data)
        ? error.data
        : { code: 'CONNECT_ERROR', message: error.message };
      this.#setStatus(this.#retryingStatus());
      if (!this.socket.active) {
        this.#refusal = refusalError(this.#lastError);
        this.#waiters.settle(this.#refusal);
      }
    });
  }

  /** Current connection status; subscribe to changes with {@link RelayClient.onStatus}. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** Why the last connection attempt failed, e.g. `{ code: 'RELAY_ERR_INVALID_NAME', … }`; cleared on connect. */
  get lastError(): WireError | undefined {
    return this.#lastError;
  }

  /** The room this client is in (or will be in once connected); `undefined` means the lobby. */
  get room(): string | undefined {
    return this.#auth.room;
  }

  /**
   * Resolves when the client is connected: at once if it is, else at the next connection (the first
   * one, or a reconnection). Rejects with the relay's own error when it refused the handshake (e.g.
   * `RELAY_ERR_INVALID_NAME`; socket.io does not try again then), with `RELAY_ERR_NOT_CONNECTED` once
   * the client is closed, and with `RELAY_ERR_CONNECT_TIMEOUT` after `timeoutMs` (default: the
   * client's `connectTimeoutMs`, 10 s).
   */
  async ready(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.socket.connected) return;
    if (this.#closed) throw notConnected('wait for a connection', 'closed');
    if (!this.socket.active && this.#lastError) throw this.#refusal ?? refusalError(this.#lastError);
    await this.#waiters.wait(options.timeoutMs ?? this.#connectTimeoutMs);
  }

  /**
   * Sends `content` and resolves with the relay's answer: `{ ok: true, id }` or `{ ok: false, error }`
   * (e.g. `RELAY_ERR_CONTENT_TOO_LARGE`). Called while the first connection is being made (not before
   * `socket.connect()` with `autoConnect: false`), it waits for it, up to
   * `connectTimeoutMs`, in a queue bounded by `maxQueuedSends` and `maxQueuedBytes`
   * (`RELAY_ERR_SEND_QUEUE_FULL` past them); queued requests go out in call order. After a drop it
   * rejects at once with `RELAY_ERR_NOT_CONNECTED` rather than keeping the message to send at some
   * later time, after the caller may have given up and sent it again. Rejects when no answer came
   * within `timeoutMs`.
   */
  async send(content: MessageContent): Promise<SendAck> {
    await this.#whenConnected('send', content);
    const answer = await this.socket.timeout(this.#timeoutMs).emitWithAck('sendMessage', content);
    if (!answer.ok) this.#noteFlooding(answer.error);
    return answer;
  }

  /**
   * Moves to `room`; on success, later reconnections (after a relay restart, say) land there too. Waits
   * for the first connection as `send` does.
   */
  async join(room: string): Promise<RoomAck> {
    await this.#whenConnected('join', room);
    const answer = await this.socket.timeout(this.#timeoutMs).emitWithAck('join', room);
    if (answer.ok) this.#movedTo(answer.room);
    else this.#noteFlooding(answer.error);
    return answer;
  }

  /** Moves back to the lobby. Waits for the first connection as `send` does. */
  async leave(): Promise<RoomAck> {
    await this.#whenConnected('leave', '');
    const answer = await this.socket.timeout(this.#timeoutMs).emitWithAck('leave');
    if (answer.ok) this.#movedTo(undefined);
    else this.#noteFlooding(answer.error);
    return answer;
  }

  /** Calls `listener` for every message; returns the function that stops it. */
  onMessage(listener: (message: RelayMessage) => void): () => void {
    return this.#messageListeners.add(listener);
  }

  /**
   * Calls `listener` when the relay says a message was redacted (taken down by an admin): a client that
   * shows messages removes it (`useRelayMessages` does). One held back during a gap fill is never
   * delivered. Returns the function that stops it (docs/client-kit.md shows it in use).
   */
  onRedacted(listener: (event: MessageRedactedEvent) => void): () => void {
    return this.#redactedListeners.add(listener);
  }

  /**
   * Calls `listener` when a gap after a reconnection could not be filled from the relay's history (it
   * refused it, kept refusing it, or the gap was longer than one fill reads): messages after
   * `gap.after` may be missing. Returns the function that stops it.
   *
   * @example
   * ```ts
   * client.onGapUnfilled(({ reason }) => showBanner(`Some messages may be missing (${reason})`));
   * ```
   */
  onGapUnfilled(listener: (gap: UnfilledGap) => void): () => void {
    return this.#unfilledListeners.add(listener);
  }

  /** Calls `listener` on every status change; returns the function that stops it. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    return this.#statusListeners.add(listener);
  }

  /**
   * Disconnects for good and drops every subscriber; what still waits for a connection rejects with
   * `RELAY_ERR_NOT_CONNECTED`. Idempotent.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#waiters.settle(notConnected('wait for a connection', 'closed'));
    this.socket.disconnect();
    this.#gaps.close();
    this.#setStatus('disconnected');
    this.#messageListeners.clear();
    this.#statusListeners.clear();
    this.#redactedListeners.clear();
    this.#unfilledListeners.clear();
    this.socket.removeAllListeners();
  }

  // Only the first connection is waited for: after a drop the caller sees `reconnecting` and decides.
  async #whenConnected(action: string, payload: unknown): Promise<void> {
    if (this.socket.connected) return;
    if (!this.socket.active && this.#lastError) throw this.#refusal ?? refusalError(this.#lastError);
    const firstUnderWay = !this.#closed && !this.#everConnected && this.socket.active;
    if (!firstUnderWay) throw notConnected(action, this.#closed ? 'closed' : this.#status);
    await this.#waiters.wait(this.#connectTimeoutMs, { action, bytes: contentBytes(payload) });
    // Never hand socket.io a request to buffer: it would go out at a later connection.
    if (!this.socket.connected) throw notConnected(action, this.#status);
  }

  #movedTo(room: string | undefined): void {
    if (room === undefined) delete this.#auth.room;
    else this.#auth.room = room;
    this.#gaps.moved(this.socket, this.#timeoutMs);
  }

  // The relay drops a client that floods it, and socket.io does not reconnect that: ready() says why.
  #noteFlooding(error: WireError): void {
    if (error.code === 'RELAY_ERR_FLOODING') this.#lastError = { code: error.code, message: error.message };
  }

  // socket.active is true while socket.io will try again by itself (not after close() or a refusal).
  #retryingStatus(): ConnectionStatus {
    if (this.#closed || !this.socket.active) return 'disconnected';
    return this.#everConnected ? 'reconnecting' : 'connecting';
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#statusListeners.emit(status);
  }
}

function notConnected(action: string, status: string): RelayError {
  return new RelayError('RELAY_ERR_NOT_CONNECTED', `cannot ${action}: the relay client is ${status}`);
}
