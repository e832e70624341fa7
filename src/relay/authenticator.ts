/**
 * Who a person is, as an {@link Authenticator} vouches for them: the relay puts it on the socket (and so
 * on `meta.from` of everything they send), and connection state recovery keeps it.
 */
export interface Identity {
  /** Stable id of the person, the same on every connection and tab: `meta.from.userId`. */
  readonly userId: string;
  /** Display name; the client cannot choose another. */
  readonly name: string;
  /** Roles, e.g. `['admin']`; on `meta.from.roles` when not empty, for bots to check. */
  readonly roles?: readonly string[];
  /**
   * The rooms the person may join, send to and read, as room grants (see `room-grants.ts`: names, or
   * prefixes ending in `*`); `undefined`: every room.
   */
  readonly rooms?: readonly string[];
  /** When the identity stops being valid (ms since the epoch): the connection is closed then. */
  readonly expiresAt?: number;
}

/** What an {@link Authenticator} is asked about: the handshake's `auth` and where it came from. */
export interface AuthenticationRequest {
  /** socket.io's `handshake.auth`, as the client sent it (`{ token, room, … }`); never trusted. */
  readonly auth: Readonly<Record<string, unknown>>;
  /** The client's address, for logs. */
  readonly address: string;
}

/**
 * Vouches for the person behind a connection (a socket that holds no bot token), or throws a
 * `RelayError` (`RELAY_ERR_UNAUTHENTICATED` naming the check that failed) to refuse the handshake.
 * Installed with `RelayCore.authenticateWith`; without one, people are anonymous.
 */
export type Authenticator = (request: AuthenticationRequest) => Promise<Identity>;
