import type { Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  MessageContent,
  MessageMeta,
  RoomAck,
  SendAck,
  ServerToClientEvents,
  WireError,
} from '../relay/events.js';

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

/** The handshake fields the relay reads; kept so that a reconnection lands in the room last joined. */
export interface RelayAuth {
  name?: string;
  room?: string;
}

/**
 * A typed connection to a relay, made by `createRelayClient`. It puts exactly one listener per event on
 * its socket for its whole life and fans messages out to subscribers kept in a set, so subscribing and
 * unsubscribing (as React effects do on every render they re-run) never adds socket listeners.
 *
 * @example
 * ```ts
 * const client = createRelayClient('http://localhost:3000', { name: 'John', room: 'general' });
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
  readonly #messageListeners = new Set<(message: RelayMessage) => void>();
  readonly #statusListeners = new Set<(status: ConnectionStatus) => void>();
  #status: ConnectionStatus;
  #lastError: WireError | undefined;
  #everConnected = false;
  #closed = false;

  /** Prefer `createRelayClient`. `auth` must be the very object the socket was given as its `auth`. */
  constructor(socket: RelaySocket, options: { auth: RelayAuth; timeoutMs: number }) {
    this.socket = socket;
    this.#auth = options.auth;
    this.#timeoutMs = options.timeoutMs;
    this.#status = socket.connected ? 'connected' : 'connecting';
    socket.on('sendMessageFromBack', (content, meta) => {
      const message: RelayMessage = { content, meta };
      for (const listener of this.#messageListeners) callListener(listener, message);
    });
    socket.on('connect', () => {
      this.#everConnected = true;
      this.#lastError = undefined;
      this.#setStatus('connected');
    });
    socket.on('disconnect', () => this.#setStatus(this.#retryingStatus()));
    socket.on('connect_error', (error: Error & { data?: unknown }) => {
      // A refusal by the relay (bad name or room) carries `{ code, message }`; socket.io stops retrying then.
      this.#lastError = isWireError(error.data)
        ? error.data
        : { code: 'CONNECT_ERROR', message: error.message };
      this.#setStatus(this.#retryingStatus());
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
   * Sends `content` and resolves with the relay's answer: `{ ok: true, id }` or `{ ok: false, error }`
   * (e.g. `RELAY_ERR_CONTENT_TOO_LARGE`). Rejects when not connected, rather than letting socket.io
   * buffer the message and send it later, after the caller may have given up and sent it again; and
   * rejects when no answer came within `timeoutMs`.
   */
  async send(content: MessageContent): Promise<SendAck> {
    this.#assertConnected('send');
    return this.socket.timeout(this.#timeoutMs).emitWithAck('sendMessage', content);
  }

  /** Moves to `room`; on success, later reconnections (after a relay restart, say) land there too. */
  async join(room: string): Promise<RoomAck> {
    this.#assertConnected('join');
    const answer = await this.socket.timeout(this.#timeoutMs).emitWithAck('join', room);
    if (answer.ok) this.#auth.room = answer.room;
    return answer;
  }

  /** Moves back to the lobby. */
  async leave(): Promise<RoomAck> {
    this.#assertConnected('leave');
    const answer = await this.socket.timeout(this.#timeoutMs).emitWithAck('leave');
    if (answer.ok) delete this.#auth.room;
    return answer;
  }

  /** Calls `listener` for every message; returns the function that stops it. */
  onMessage(listener: (message: RelayMessage) => void): () => void {
    this.#messageListeners.add(listener);
    return () => this.#messageListeners.delete(listener);
  }

  /** Calls `listener` on every status change; returns the function that stops it. */
  onStatus(listener: (status: ConnectionStatus) => void): () => void {
    this.#statusListeners.add(listener);
    return () => this.#statusListeners.delete(listener);
  }

  /** Disconnects for good and drops every subscriber. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.socket.disconnect();
    this.#setStatus('disconnected');
    this.#messageListeners.clear();
    this.#statusListeners.clear();
    this.socket.removeAllListeners();
  }

  #assertConnected(action: string): void {
    if (!this.socket.connected) throw new Error(`cannot ${action}: the relay client is ${this.#status}`);
  }

  // socket.active is true while socket.io will try again by itself (not after close() or a refusal).
  #retryingStatus(): ConnectionStatus {
    if (this.#closed || !this.socket.active) return 'disconnected';
    return this.#everConnected ? 'reconnecting' : 'connecting';
  }

  #setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    for (const listener of this.#statusListeners) callListener(listener, status);
  }
}

// A subscriber that throws is its own bug: it must not cost the subscribers after it their message or
// status change. Its error is reported the way a browser reports a throwing DOM event listener
// (reportError: the console and the window's 'error' event); where there is no reportError (Node 20),
// there is no console to use from src/ either, and it is dropped.
function callListener<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch (error) {
    if (typeof globalThis.reportError === 'function') globalThis.reportError(error);
  }
}

function isWireError(value: unknown): value is WireError {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as WireError).code === 'string' &&
    typeof (value as WireError).message === 'string'
  );
}
