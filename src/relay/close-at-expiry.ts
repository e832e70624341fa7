import type { Socket } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from './events.js';
import { RelayError } from './relay-error.js';
import { MAX_TIMER_MS } from './with-deadline.js';

type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

// setTimeout's longest delay; a later expiry re-arms when it fires.

/**
 * Closes `socket` when its identity expires (`socket.data.expiresAt`, jwt auth mode): first a
 * `relayError` with `RELAY_ERR_UNAUTHENTICATED` and `event: 'auth'`, so the client knows to reconnect
 * with a fresh token (the client kit does), then a server disconnect. Does nothing for a socket without
 * an expiry; the timer goes when the socket disconnects first.
 *
 * @example
 * ```ts
 * io.on('connection', (socket) => closeAtExpiry(socket));
 * ```
 */
export function closeAtExpiry(socket: RelaySocket): void {
  const { expiresAt } = socket.data;
  if (expiresAt === undefined) return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    const wait = expiresAt - Date.now();
    if (wait <= 0) {
      expire(socket, expiresAt);
      return;
    }
    timer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS));
    timer.unref();
  };
  socket.once('disconnect', () => clearTimeout(timer));
  arm();
}

function expire(socket: RelaySocket, expiresAt: number): void {
  if (!socket.connected) return;
  const error = new RelayError(
    'RELAY_ERR_UNAUTHENTICATED',
    `the token expired at ${new Date(expiresAt).toISOString()}: reconnect with a fresh one`,
  );
  socket.emit('relayError', { ...error.toWire(), event: 'auth' });
  socket.disconnect(true);
}
