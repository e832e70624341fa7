import type { MessageContent, MessageMeta, Sender } from './events.js';
import { RelayError } from './relay-error.js';
import { roomKey, userRoomKey } from './room-name.js';
import type { TokenBucket } from './token-bucket.js';

/**
 * Who receives a message, relative to `socketId`: everyone in the room (`all`), everyone in the room
 * but that socket (`others`), or that socket only (`echo`).
 */
export type Delivery = 'all' | 'others' | 'echo';

/** What a producer says about a message it publishes. */
export interface PublishOptions {
  readonly from: Sender;
  /** Room name; `null` or absent means every connected client. */
  readonly room?: string | null;
  readonly delivery?: Delivery;
  /** The socket `others` leaves out and `echo` targets. */
  readonly socketId?: string;
  /** The producer's rate limit; a message is refused when it is empty. */
  readonly limiter?: TokenBucket;
  readonly causedBy?: string;
  readonly hops?: number;
  /**
   * Makes the message private to this `userId`: every connection of that user gets it, on every node, and
   * nobody else (not bots); `room`, if any, is only context. Never kept in the history, which every reader
   * of a room may read: a private message is live only (see docs/presence.md).
   */
  readonly to?: string;
}

/** A message that passed the publish path's checks, ready to be kept and emitted. */
export interface AcceptedMessage {
  readonly content: MessageContent;
  readonly meta: MessageMeta;
  /** The socket.io room it goes to (`null`: every client), from {@link publishTarget}. */
  readonly target: string | null;
  readonly options: PublishOptions;
}

/**
 * Whether the history keeps a message: not the relay's own (greetings), nor one only its sender gets.
 * Nor a private one: the history is read by room, by anyone who may read the room.
 */
export const isKept = (options: PublishOptions): boolean =>
  options.from.kind !== 'system' && options.delivery !== 'echo' && options.to === undefined;

/**
 * Whether a message goes out in the order of the history's group commits: a kept one once it is stored,
 * and a private one with the messages of its turn (nothing to store), so that it never overtakes a
 * room message its sender published before it.
 */
export const inLogOrder = (options: PublishOptions): boolean => isKept(options) || options.to !== undefined;

/**
 * The socket.io room a message goes to (`null`: every client), checking that its options make sense
 * together; throws `RELAY_ERR_INVALID_ROOM` or `RELAY_ERR_INVALID_OPTIONS`.
 *
 * @example
 * ```ts
 * publishTarget({ from, room: 'ops' }); // the key of room "ops"
 * ```
 */
export function publishTarget(options: PublishOptions): string | null {
  const room = options.room == null ? null : roomKey(options.room);
  if (options.to !== undefined) {
    // A private message goes to its user's room; `echo`/`others` are about a room's sockets.
    if (options.delivery !== undefined && options.delivery !== 'all') {
      throw new RelayError(
        'RELAY_ERR_INVALID_OPTIONS',
        `a private message (to) goes to every connection of its user; delivery "${options.delivery}" does not apply`,
      );
    }
    return userRoomKey(options.to);
  }
  if (options.delivery !== undefined && options.delivery !== 'all' && !options.socketId) {
    // Without its socket, `echo` and `others` would silently become a broadcast to everyone.
    throw new RelayError(
      'RELAY_ERR_INVALID_OPTIONS',
      `delivery "${options.delivery}" needs the socketId it is relative to`,
    );
  }
  return room;
}
