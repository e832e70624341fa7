import { RelayError } from './relay-error.js';

// A room name (room-name.ts's alphabet, 1 to 64 characters), or such a prefix (possibly empty) followed by
// one `*` at the very end. Nothing else is special: no `?`, no `[...]`, no `*` in the middle, no regex.
const GRANT_PATTERN = /^[A-Za-z0-9_.-]{0,63}\*$|^[A-Za-z0-9_.-]{1,64}$/;

/** Most grants one identity may carry. */
export const MAX_ROOM_GRANTS = 100;

/**
 * Whether `grant` is a valid room grant: a room name (`general`), or a prefix ending in `*` that stands
 * for every room starting with it (`team-*`: `team-a`, `team-ops`; `*` alone: every room). The prefix
 * uses the room alphabet only, so a grant can never match a name outside it, and matching is a string
 * prefix test: no pattern is ever compiled.
 *
 * @example
 * ```ts
 * isRoomGrant('team-*'); // true
 * isRoomGrant('team-*-x'); // false: `*` only at the end
 * ```
 */
export function isRoomGrant(grant: unknown): grant is string {
  return typeof grant === 'string' && GRANT_PATTERN.test(grant);
}

/** Whether `grants` let their holder into `room`; `undefined` grants (anonymous mode, bots): every room. */
export function grantsRoom(grants: readonly string[] | undefined, room: string): boolean {
  if (grants === undefined) return true;
  for (const grant of grants) {
    if (grant.endsWith('*') ? room.startsWith(grant.slice(0, -1)) : grant === room) return true;
  }
  return false;
}

/**
 * Throws `RELAY_ERR_FORBIDDEN` naming `room` and `action` when `grants` do not cover `room`: the one
 * room permission check of joining, sending, reading history and listing members.
 *
 * @example
 * ```ts
 * checkRoomGrant(socket.data.rooms, 'ops', 'join');
 * ```
 */
export function checkRoomGrant(grants: readonly string[] | undefined, room: string, action: string): void {
  if (grantsRoom(grants, room)) return;
  throw new RelayError(
    'RELAY_ERR_FORBIDDEN',
    `cannot ${action} room "${room}": the token's rooms claim does not grant it`,
  );
}
