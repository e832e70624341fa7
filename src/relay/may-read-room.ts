import type { SocketData } from './events.js';

/**
 * The one check of whether a socket may read `room` (who is online there): the `members` request asks
 * it before listing anyone. In `anonymous` auth mode every socket may read every room, as every socket
 * may join every room; room grants from a token belong here. Throws a `RelayError`
 * (`RELAY_ERR_FORBIDDEN`, naming the room) when the socket may not.
 *
 * @example
 * ```ts
 * assertMayReadRoom(socket.data, 'ops');
 * ```
 */
export function assertMayReadRoom(_data: Readonly<SocketData>, _room: string): void {
  // anonymous mode: nothing to refuse.
}
