import type { Namespace, Socket } from 'socket.io';
import type {
  ClientToServerEvents,
  InterServerEvents,
  MessageSender,
  ServerToClientEvents,
  SocketData,
} from './events.js';
import { MEMBERS_TIMEOUT_MS } from './list-members.js';
import { BOTS_ROOM, presenceRoomKey, roomKey, userRoomKey } from './room-name.js';

type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type RelayNamespace = Namespace<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/**
 * Presence by user, not by connection: `join` when a user's first connection on this node enters a room,
 * `leave` when the last one left it and no other node holds one either. Events go to bots and to the
 * people's sockets that follow the room (`auth.watchPresence: true` at the handshake), nobody else, so
 * a seed client gets nothing new and a room's chatter costs no one an event per connection they did
 * not ask for.
 *
 * Its memory is bounded by the node's connections: one count per (room, user) this node has sockets
 * for, removed with the last of them, and a room's entry with its last user.
 *
 * In a cluster, a `leave` waits for the other nodes' answer (`fetchSockets`, at most
 * {@link MEMBERS_TIMEOUT_MS}; no answer: the leave is sent). A `join` is sent at once, so a user whose
 * connections are on two nodes may be announced twice: a `join` means "is online here", never "was not".
 */
export class RoomPresence {
  // room -> userId -> how many of this node's connections of that user are in the room.
  readonly #rooms = new Map<string, Map<string, number>>();

  /** How many rooms have people on this node (for tests of the memory bound). */
  get size(): number {
    return this.#rooms.size;
  }

  /**
   * A person's socket is in its room (`socket.data.room`) now; `resumed` for one that only brings back
   * someone who was there (a recovered session, a reconnection after a restart: see handshakeFlags), whose
   * drop was announced as a leave: its join says so, and greeters skip it.
   */
  entered(socket: RelaySocket, user: MessageSender, options: { resumed?: boolean }): void {
    const { room } = socket.data;
    if (socket.data.watchPresence) socket.join(presenceRoomKey(room));
    let users = this.#rooms.get(room);
    if (users === undefined) {
      users = new Map();
      this.#rooms.set(room, users);
    }
    const count = users.get(user.userId) ?? 0;
    users.set(user.userId, count + 1);
    if (count === 0) emit(socket.nsp, 'join', user, room, options.resumed === true);
  }

  /** A person's socket left `room` (it moved, or disconnected). */
  left(socket: RelaySocket, user: MessageSender, room: string): void {
    if (socket.data.watchPresence) socket.leave(presenceRoomKey(room));
    const users = this.#rooms.get(room);
    const count = users?.get(user.userId) ?? 0;
    if (users === undefined || count === 0) return;
    if (count > 1) {
      users.set(user.userId, count - 1);
      return;
    }
    users.delete(user.userId);
    if (users.size === 0) this.#rooms.delete(room);
    const nsp = socket.nsp;
    if (!isClustered(nsp)) {
      emit(nsp, 'leave', user, room);
      return;
    }
    const send = () => {
      // The user came back to this node's room while the other nodes were asked: no leave.
      if (!this.#rooms.get(room)?.has(user.userId)) emit(nsp, 'leave', user, room);
    };
    nsp
      .in(roomKey(room))
      .timeout(MEMBERS_TIMEOUT_MS)
      .fetchSockets()
      .then((sockets) => {
        if (!sockets.some(({ data }) => data.userId === user.userId)) send();
      }, send)
      .catch(() => {});
  }
}

/** Whether `socket` asked for presence events at its handshake; kept in its data (recovery keeps it). */
export function readWatchPresence(socket: RelaySocket): void {
  const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
  socket.data.watchPresence ??= auth.watchPresence === true;
}

function emit(
  nsp: RelayNamespace,
  type: 'join' | 'leave',
  user: MessageSender,
  room: string,
  resumed = false,
): void {
  nsp.to([BOTS_ROOM, presenceRoomKey(room)]).emit('presence', {
    type,
    user,
    room,
    at: new Date().toISOString(),
    ...(resumed ? { resumed: true } : {}),
  });
}

// Cluster adapters (Redis Streams, the --workers one) are socket.io-adapter's ClusterAdapter, which
// names each node with a `uid`; the in-memory adapter has none, and its answer would be this node's.
function isClustered(nsp: RelayNamespace): boolean {
  return typeof (nsp.adapter as unknown as { uid?: unknown }).uid === 'string';
}

/**
 * Puts a person's socket in the room of its `userId` (see `userRoomKey`), where private messages to them
 * go. Every authenticator's user id is checked at the handshake (`checkIdentity`); one written into
 * `socket.data` by an embedder's own `io.use` middleware is not, and if it cannot name a room it only
 * means no private messages: throwing here would leave the connection half set up.
 */
export function joinUserRoom(socket: RelaySocket, userId: string): void {
  try {
    socket.join(userRoomKey(userId));
  } catch {
    // Refused by userRoomKey: nothing can be addressed to that id either.
  }
}
