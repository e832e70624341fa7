import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { RelayClient, type RelaySocket } from './relay-client.js';
import type { RelayAuth } from './relay-client-settings.js';

/** How to connect: who you are, which room, and socket.io-client options for anything else. */
export interface RelayClientOptions {
  /** Display name shown to others (1 to 40 printable characters); the relay makes one up without it. */
  name?: string;
  /** Room to start in; the lobby without it. */
  room?: string;
  /**
   * For a relay in `jwt` auth mode: the token (sent as `auth.token`), or a function giving one, called
   * again before every connection and reconnection, so a reconnect carries a fresh token. When the relay
   * closes the connection because the token expired, the client reconnects by itself with a token from
   * the function (with a fixed string it stays disconnected). A function that throws connects without
   * a token, which the relay refuses (`RELAY_ERR_UNAUTHENTICATED`).
   */
  token?: string | (() => string | Promise<string>);
  /** How long `send`, `join` and `leave` wait for the relay's answer (ms). Default 5000. */
  timeoutMs?: number;
  /**
   * How long `ready()`, and `send`, `join` and `leave` called before the first connection, wait for
   * that connection (ms); then they reject with `RELAY_ERR_CONNECT_TIMEOUT`. Default 10000.
   */
  connectTimeoutMs?: number;
  /**
   * How many `send`, `join` and `leave` calls may wait for the first connection; one more rejects at
   * once with `RELAY_ERR_SEND_QUEUE_FULL`. Default 100.
   */
  maxQueuedSends?: number;
  /**
   * How many bytes of content (UTF-8; objects as their JSON text) the requests waiting for the first
   * connection may hold in all; past it, `RELAY_ERR_SEND_QUEUE_FULL`. Default 1048576 (1 MiB).
   */
  maxQueuedBytes?: number;
  /**
   * socket.io-client options (transports, reconnection delays, `autoConnect`…). React Native apps
   * usually pass `{ transports: ['websocket'] }`. An `auth` object adds handshake fields (such as
   * `{ watchPresence: true }`); `name`, `room` and `token` above take precedence over its own.
   */
  socket?: Partial<ManagerOptions & SocketOptions>;
}

/**
 * Connects to a relay with its typed wire contract. Each client is its own connection (`forceNew`), so
 * two clients in one app can have different names and rooms. socket.io reconnects by itself; close the
 * client with `close()`. A `send` right after creation waits for the first connection (bounded by
 * `maxQueuedSends`, `maxQueuedBytes` and `connectTimeoutMs`); `await client.ready()` waits explicitly.
 *
 * @example
 * ```ts
 * import { createRelayClient } from 'relaykit/client';
 *
 * const client = createRelayClient('http://localhost:3000', { name: 'John', room: 'general' });
 * client.onMessage(({ content, meta }) => render(`${meta.from.name}: ${String(content)}`));
 * await client.send('Hello John !');
 * ```
 */
export function createRelayClient(url: string, options: RelayClientOptions = {}): RelayClient {
  const extra = options.socket?.auth;
  // Handshake fields of the socket options (watchPresence, greet…) are kept, under name, room and token.
  const auth: RelayAuth = typeof extra === 'object' && extra !== null ? { ...extra } : {};
  if (options.name !== undefined) auth.name = options.name;
  if (options.room !== undefined) auth.room = options.room;
  const { token } = options;
  // socket.io-client calls an `auth` function at every (re)connection: the token is asked for each time.
  const handshake =
    token === undefined
      ? auth
      : (callback: (data: object) => void) => {
          Promise.resolve()
            .then(() => (typeof token === 'function' ? token() : token))
            .then(
              (fresh) => callback({ ...auth, token: fresh }),
              () => callback({ ...auth }),
            );
        };
  const socket: RelaySocket = io(url, { forceNew: true, ...options.socket, auth: handshake });
  return new RelayClient(socket, {
    auth,
    reconnectOnExpiry: typeof token === 'function',
    timeoutMs: options.timeoutMs ?? 5000,
    connectTimeoutMs: options.connectTimeoutMs,
    maxQueuedSends: options.maxQueuedSends,
    maxQueuedBytes: options.maxQueuedBytes,
  });
}
