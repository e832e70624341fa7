/** The handshake fields the relay reads; kept so that a reconnection lands in the room last joined. */
export interface RelayAuth {
  name?: string;
  room?: string;
  /**
   * Set once connected: every later handshake is a reconnection, and the relay does not greet it, nor
   * bots welcome it, again (with recovery off, or after a relay restart, socket.io cannot tell it).
   */
  resumed?: boolean;
  /** Other handshake fields, given as `socket.auth` (e.g. `watchPresence`). */
  [field: string]: unknown;
}

/** How a {@link RelayClient} waits and answers; `createRelayClient` fills in the defaults. */
export interface RelayClientSettings {
  /** How long `send`, `join` and `leave` wait for the relay's answer (ms). */
  timeoutMs: number;
  /** How long `ready()`, and requests made before the first connection, wait for it (ms). Default 10000. */
  connectTimeoutMs?: number;
  /** How many `send`, `join` and `leave` calls may wait for the first connection. Default 100. */
  maxQueuedSends?: number;
  /** How many bytes of content (UTF-8, objects as JSON) those may hold in all. Default 1 MiB. */
  maxQueuedBytes?: number;
  /** Reconnect when the relay closes the connection because its token expired (a token provider gives a fresh one). */
  reconnectOnExpiry?: boolean;
}
