import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'socket.io';
import type { Authenticator, Identity } from './authenticator.js';
import { settleConnect } from './bounded-parser.js';
import { defaultUserId } from './default-user-id.js';
import { releaseRecoveredPackets } from './defer-recovered-packets.js';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from './events.js';
import { RelayError } from './relay-error.js';
import { checkRoomGrant, grantsRoom } from './room-grants.js';
import { LOBBY, roomKey } from './room-name.js';
import { showValue } from './show-value.js';

type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

// Printable, no control characters nor lone surrogates; display names are shown to other people.
const NAME_PATTERN = /^[^\p{Cc}\p{Cf}\p{Cs}]{1,40}$/u;

/** Whether `value` is a display name: 1 to 40 printable characters once trimmed. */
export function isDisplayName(value: unknown): value is string {
  return typeof value === 'string' && NAME_PATTERN.test(value.trim());
}

type Middleware = (socket: RelaySocket, next: (err?: Error) => void) => void;

/**
 * Returns the socket.io middleware that gives each connection its identity and first room, from the
 * handshake's `auth` (socket.io-client's `auth` option) or, for clients that cannot set it, the query
 * string: `name` (else a generated `guest-xxxx`) and `room` (else the lobby). A connection whose
 * `auth.botToken` matches `botToken` is a bot (`kind: 'bot'`); a wrong token, a bad name or a bad room
 * refuses the connection with a `connect_error` whose `data` is `{ code, message }`. When `authenticator()`
 * returns one (jwt mode), every other connection is a person it vouches for (`auth.name` is ignored),
 * recovered ones included, and the first room must be one their identity grants.
 *
 * @example
 * ```ts
 * io.use(identifySocket({ botToken }));
 * // client: io(url, { auth: { name: 'John', room: 'general' } })
 * // bot:    io(url, { auth: { name: 'echo', botToken } })
 * ```
 */
export function identifySocket(options: {
  botToken: string;
  authenticator?: () => Authenticator | undefined;
  /**
   * Told of each handshake these checks refuse (a wrong bot token, another user's session, a room not
   * granted, a bad name), to log it; not of the authenticator's refusals, which it reports itself.
   */
  onRefused?: (error: RelayError, socket: RelaySocket) => void;
}): Middleware {
  const expected = digest(options.botToken);
  return (socket, next) => {
    const done = (error?: unknown) => {
      settleConnect(socket);
      if (error === undefined) next();
      else next(RelayError.from(error, 'handshake failed').toConnectError());
    };
    const refuse = (error: unknown) => {
      const relayError = RelayError.from(error, 'handshake failed');
      try {
        options.onRefused?.(relayError, socket);
      } catch {
        // A log line that cannot be written must not leave the handshake unanswered.
      }
      done(relayError);
    };
    // Accepted: a recovered socket gets what its session missed only now (defer-recovered-packets.ts).
    const accept = () => {
      if (socket.recovered) releaseRecoveredPackets(socket).then(() => done(), done);
      else done();
    };
    try {
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      // Only `auth` carries bot tokens: query strings end up in access logs.
      const botToken = auth.botToken;
      const isBot = botToken !== undefined && botToken !== null && botToken !== '';
      // First, whatever follows: claiming to be a bot skips the authenticator and may recover a session.
      if (isBot && (typeof botToken !== 'string' || !timingSafeEqual(digest(botToken), expected))) {
        throw new RelayError('RELAY_ERR_BOT_AUTH_FAILED', "the bot token does not match this relay's");
      }
      const authenticate = isBot ? undefined : options.authenticator?.();
      if (authenticate) {
        authenticate({ auth, address: socket.handshake.address })
          .then((identity) => {
            try {
              person(socket, identity, pick(auth.room, socket.handshake.query.room));
            } catch (error) {
              refuse(error);
              return;
            }
            accept();
          })
          .catch(done);
        return;
      }
      // A recovered socket keeps the identity it had; its data was restored by socket.io. A bot's session
      // is a bot's only with the bot token, and a person's never becomes a bot's.
      if (socket.recovered && socket.data.name) {
        if ((socket.data.kind === 'bot') !== isBot) {
          throw new RelayError(
            'RELAY_ERR_BOT_AUTH_FAILED',
            isBot
              ? "the session being recovered is a person's, not a bot's"
              : "a bot's session is recovered with the bot token only",
          );
        }
        accept();
        return;
      }
      const query = socket.handshake.query;
      const name = pick(auth.name, query.name);
      const room = pick(auth.room, query.room);
      if (name !== undefined && !isDisplayName(name)) {
        throw new RelayError('RELAY_ERR_INVALID_NAME', `display name ${showValue(name)} is not valid`);
      }
      if (room !== undefined) roomKey(room);
      socket.data.name = typeof name === 'string' ? name.trim() : `guest-${randomBytes(2).toString('hex')}`;
      socket.data.kind = isBot ? 'bot' : 'user';
      socket.data.userId = defaultUserId({ id: socket.id, name: socket.data.name, kind: socket.data.kind });
      socket.data.room = typeof room === 'string' ? room : LOBBY;
      accept();
    } catch (error) {
      refuse(error);
    }
  };
}

// A person an authenticator vouched for. A recovered session is theirs only: the same user, whose
// fresh identity still grants the room the session is in; its roles, rooms and expiry are the new ones.
function person(socket: RelaySocket, identity: Identity, room: unknown): void {
  const { userId, name, roles, rooms, expiresAt } = identity;
  let first: string;
  if (socket.recovered && socket.data.userId !== undefined) {
    if (socket.data.userId !== userId) {
      throw new RelayError(
        'RELAY_ERR_UNAUTHENTICATED',
        'the token is for another user than the session it tries to recover',
      );
    }
    first = socket.data.room;
  } else if (room === undefined) {
    first = firstRoom(rooms);
  } else {
    roomKey(room);
    first = room as string;
  }
  checkRoomGrant(rooms, first, 'start in');
  socket.data.name = name;
  socket.data.kind = 'user';
  socket.data.userId = userId;
  socket.data.room = first;
  // Only what applies is stored: socket.data is kept for every connection and recovered session.
  if (roles !== undefined && roles.length > 0) socket.data.roles = roles;
  else delete socket.data.roles;
  if (rooms !== undefined) socket.data.rooms = rooms;
  else delete socket.data.rooms;
  if (expiresAt !== undefined) socket.data.expiresAt = expiresAt;
  else delete socket.data.expiresAt;
}

// The lobby when the identity may be there, else the first room it names exactly.
function firstRoom(rooms: readonly string[] | undefined): string {
  if (grantsRoom(rooms, LOBBY)) return LOBBY;
  if (rooms?.length === 0) {
    throw new RelayError('RELAY_ERR_FORBIDDEN', "the token's rooms claim is empty: it grants no room");
  }
  const named = rooms?.find((grant) => !grant.endsWith('*'));
  if (named === undefined) {
    throw new RelayError(
      'RELAY_ERR_FORBIDDEN',
      'the token grants no room to start in without one: pass auth.room, a room its rooms claim grants',
    );
  }
  return named;
}

// Comparing fixed-length digests keeps the comparison constant-time whatever the token lengths.
function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

function pick(fromAuth: unknown, fromQuery: unknown): unknown {
  if (fromAuth !== undefined && fromAuth !== null && fromAuth !== '') return fromAuth;
  if (typeof fromQuery === 'string' && fromQuery !== '') return fromQuery;
  return undefined;
}
