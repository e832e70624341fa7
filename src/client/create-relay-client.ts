import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import { type RelayAuth, RelayClient, type RelaySocket } from './relay-client.js';

/** How to connect: who you are, which room, and socket.io-client options for anything else. */
export interface RelayClientOptions {
  /** Display name shown to others (1 to 40 printable characters); the relay makes one up without it. */
  name?: string;
  /** Room to start in; the lobby without it. */
  room?: string;
  /** How long `send`, `join` and `leave` wait for the relay's answer (ms). Default 5000. */
  timeoutMs?: number;
  /**
   * socket.io-client options (transports, reconnection delays, `autoConnect`…). React Native apps
   * usually pass `{ transports: ['websocket'] }`.
   */
  socket?: Partial<ManagerOptions & SocketOptions>;
}

/**
 * Connects to a relay with its typed wire contract. Each client is its own connection (`forceNew`), so
 * two clients in one app can have different names and rooms. socket.io reconnects by itself; close the
 * client with `close()`.
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
  const auth: RelayAuth = {};
  if (options.name !== undefined) auth.name = options.name;
  if (options.room !== undefined) auth.room = options.room;
  const socket: RelaySocket = io(url, { forceNew: true, ...options.socket, auth });
  return new RelayClient(socket, { auth, timeoutMs: options.timeoutMs ?? 5000 });
}
