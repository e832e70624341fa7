import { RelayError } from './relay-error.js';

/**
 * The room every socket is in until it joins another: where seed clients chat, and where a bot's
 * `bot.send` goes when no room is given.
 *
 * @example
 * ```ts
 * server.relay.publish('Maintenance at 18:00', { room: LOBBY, from: { id: 'ops', name: 'ops', kind: 'http' } });
 * ```
 */
export const LOBBY = 'lobby';

/** The socket.io room bot connections sit in, to hear every room. Not a valid user room name. */
export const BOTS_ROOM = 'relaykit:bots';

const ROOM_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Checks a user-given room name and returns the socket.io room that stands for it. User rooms are
 * prefixed so that no room name can collide with a socket id (socket.io puts each socket in a room
 * named after its id, and ids use the same alphabet).
 *
 * @example
 * ```ts
 * roomKey('general'); // 'room:general'
 * ```
 */
export function roomKey(name: unknown): string {
  if (typeof name !== 'string' || !ROOM_PATTERN.test(name)) {
    throw new RelayError(
      'RELAY_ERR_INVALID_ROOM',
      `room ${JSON.stringify(name) ?? 'undefined'} is not valid`,
    );
  }
  return `room:${name}`;
}
