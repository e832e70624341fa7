import type { Socket } from 'socket.io';

/** What a connection's handshake says about greeting it, read by {@link handshakeFlags}. */
export interface HandshakeFlags {
  /**
   * The connection continues an earlier one: socket.io recovered its session, or it could not (a relay
   * restart, a drop past the recovery window) but the client says it is coming back. Nobody is greeted
   * for it, and its presence `join` carries `resumed: true`, so that bots do not welcome it again.
   */
  readonly reconnect: boolean;
  /**
   * The client itself says it comes back (`auth.resumed: true`): the client kit and the chat page, which
   * then read what they missed from the history themselves.
   */
  readonly resumed: boolean;
  /** The client wants the relay's greeting for itself (`auth.greet` is not `false`). */
  readonly greetSelf: boolean;
}

/**
 * Reads the greeting-related fields of a socket's handshake. A reconnection is told by socket.io's own
 * connection state recovery fields (`auth.pid`, which socket.io-client 4.6+ sends by itself on every
 * reconnection once a relay with recovery on gave it one, whether or not the session can still be
 * restored) or by `auth.resumed: true` (what the client kit and the chat page send on their
 * reconnections, so that it holds with recovery off too, and what any client may send). A client that
 * sends neither (socket.io 2-3, python-socketio, recovery off) is greeted again, as the seed's server
 * greets every connection. `auth.greet: false` is for clients that write their own "you joined" notice
 * (the chat page): the relay sends them no greeting, while others still get theirs.
 *
 * Both only spare greetings: a client that lies about them can only miss its own, or keep the room
 * from hearing "New user connected" about it; its presence `join` still goes to bots.
 *
 * @example
 * ```ts
 * const { reconnect, greetSelf } = handshakeFlags(socket);
 * ```
 */
export function handshakeFlags(socket: Pick<Socket, 'recovered' | 'handshake'>): HandshakeFlags {
  const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
  const resumed = auth.resumed === true;
  return {
    reconnect: socket.recovered || resumed || typeof auth.pid === 'string',
    resumed,
    greetSelf: auth.greet !== false,
  };
}
