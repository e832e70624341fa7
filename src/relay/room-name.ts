import { RelayError } from './relay-error.js';
import { showValue } from './show-value.js';

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
    throw new RelayError('RELAY_ERR_INVALID_ROOM', `room ${showValue(name)} is not valid`);
  }
  return `room:${name}`;
}

/** Longest user id: a jwt `sub`, `anon:<socket id>`, `bot:<name>`. */
export const MAX_USER_ID_LENGTH = 200;
// Printable: no control or format characters, no lone surrogates (half an emoji).
const USER_ID_PATTERN = new RegExp(`^[^\\p{Cc}\\p{Cf}\\p{Cs}]{1,${MAX_USER_ID_LENGTH}}$`, 'u');

/** Whether `value` can be a user id: 1 to {@link MAX_USER_ID_LENGTH} printable characters. */
export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && USER_ID_PATTERN.test(value);
}

/**
 * Checks a user id a private message is addressed to and returns the socket.io room every connection of
 * that user sits in (on every node: the adapter carries a broadcast to it like any room's).
 *
 * @example
 * ```ts
 * userRoomKey('anon:abc'); // 'user:anon:abc'
 * ```
 */
export function userRoomKey(userId: unknown): string {
  if (!isUserId(userId)) {
    throw new RelayError('RELAY_ERR_INVALID_USER_ID', `user id ${showValue(userId)} is not valid`);
  }
  return `user:${userId}`;
}

/**
 * The socket.io room of the people's sockets that follow the presence of `room` (see `watchPresence`);
 * `room` is a checked room name.
 */
export function presenceRoomKey(room: string): string {
  return `presence:${room}`;
}
