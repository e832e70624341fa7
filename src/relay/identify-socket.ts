import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'socket.io';
import { defaultUserId } from './default-user-id.js';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from './events.js';
import { RelayError } from './relay-error.js';
import { LOBBY, roomKey } from './room-name.js';

type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

// Printable, no control characters; display names are shown to other people.
const NAME_PATTERN = /^[^\p{Cc}\p{Cf}]{1,40}$/u;

type Middleware = (socket: RelaySocket, next: (err?: Error) => void) => void;

/**
 * Returns the socket.io middleware that gives each connection its identity and first room, from the
 * handshake's `auth` (socket.io-client's `auth` option) or, for clients that cannot set it, the query
 * string: `name` (else a generated `guest-xxxx`) and `room` (else the lobby). A connection whose
 * `auth.botToken` matches `botToken` is a bot (`kind: 'bot'`); a wrong token, a bad name or a bad room
 * refuses the connection with a `connect_error` whose `data` is `{ code, message }`.
 *
 * @example
 * ```ts
 * io.use(identifySocket({ botToken }));
 * // client: io(url, { auth: { name: 'John', room: 'general' } })
 * // bot:    io(url, { auth: { name: 'echo', botToken } })
 * ```
 */
export function identifySocket(options: { botToken: string }): Middleware {
  const expected = digest(options.botToken);
  return (socket, next) => {
    try {
      // A recovered socket keeps the identity it had; its data was restored by socket.io.
      if (socket.recovered && socket.data.name) {
        next();
        return;
      }
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      const query = socket.handshake.query;
      const name = pick(auth.name, query.name);
      const room = pick(auth.room, query.room);
      // Only `auth` carries bot tokens: query strings end up in access logs.
      const botToken = auth.botToken;
      const isBot = botToken !== undefined && botToken !== null && botToken !== '';
      if (isBot && (typeof botToken !== 'string' || !timingSafeEqual(digest(botToken), expected))) {
        throw new RelayError('RELAY_ERR_BOT_AUTH_FAILED', "the bot token does not match this relay's");
      }
      if (name !== undefined && (typeof name !== 'string' || !NAME_PATTERN.test(name.trim()))) {
        throw new RelayError('RELAY_ERR_INVALID_NAME', `display name ${JSON.stringify(name)} is not valid`);
      }
      if (room !== undefined) roomKey(room);
      socket.data.name = typeof name === 'string' ? name.trim() : `guest-${randomBytes(2).toString('hex')}`;
      socket.data.kind = isBot ? 'bot' : 'user';
      socket.data.userId = defaultUserId({ id: socket.id, name: socket.data.name, kind: socket.data.kind });
      socket.data.room = typeof room === 'string' ? room : LOBBY;
      next();
    } catch (error) {
      next(RelayError.from(error, 'handshake failed').toConnectError());
    }
  };
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
