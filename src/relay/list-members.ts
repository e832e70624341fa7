import type { Member, MembersRequest } from './events.js';
import { RelayError } from './relay-error.js';
import type { RelayIo } from './relay-io.js';
import { roomKey } from './room-name.js';

// People in a room per extra rate-limit token of a members list.
export const MEMBERS_PER_TOKEN = 500;
// One collator for every sort: localeCompare builds its comparison again at each call.
const byName = new Intl.Collator();
/** At most this many people are listed by a `members` answer; `total` still counts every one. */
export const MAX_MEMBERS = 500;

/** How long a members list waits for the other nodes of a cluster before it lists this node's only. */
export const MEMBERS_TIMEOUT_MS = 2000;

/** Who is online in a room: see {@link listMembers}. */
export interface MembersPage {
  readonly members: Member[];
  readonly total: number;
  readonly partial: boolean;
}

type RoomReader = Pick<RelayIo, 'in'>;

/**
 * The people online in `room`, one entry per `userId` however many connections (tabs, nodes) they have,
 * sorted by name: at most `max` (default {@link MAX_MEMBERS}). The sockets come through socket.io's adapter
 * (`fetchSockets`), which asks every node of a cluster; a node that does not answer within `timeoutMs`
 * makes the adapter give up on all of them, and the list is then this node's people only, with
 * `partial: true`, rather than no answer.
 *
 * @example
 * ```ts
 * const { members } = await listMembers(io, 'general');
 * ```
 */
export async function listMembers(
  io: RoomReader,
  room: string,
  options: { timeoutMs?: number; max?: number } = {},
): Promise<MembersPage> {
  const key = roomKey(room);
  let partial = false;
  let sockets: ReadonlyArray<{ data: Partial<Member> }>;
  try {
    sockets = await io
      .in(key)
      .timeout(options.timeoutMs ?? MEMBERS_TIMEOUT_MS)
      .fetchSockets();
  } catch {
    // Another node did not answer in time ("timeout reached: missing N responses"), or Redis is away.
    partial = true;
    sockets = await io.in(key).local.fetchSockets();
  }
  const byUser = new Map<string, Member>();
  for (const { data } of sockets) {
    const { userId, name, kind } = data;
    // A socket still in its handshake has no identity yet.
    if (userId === undefined || name === undefined || kind === undefined || byUser.has(userId)) continue;
    byUser.set(userId, { userId, name, kind });
  }
  const members = [...byUser.values()].sort(
    (a, b) => byName.compare(a.name, b.name) || (a.userId < b.userId ? -1 : 1),
  );
  return { members: members.slice(0, options.max ?? MAX_MEMBERS), total: members.length, partial };
}

/**
 * The tokens a socket's `members` list costs past the one its request took: one per
 * {@link MEMBERS_PER_TOKEN} people in the room, since every one of them is fetched and sorted (~12 ms
 * for 5 000 on a small machine).
 *
 * @example
 * ```ts
 * connection.limiter?.charge(extraMembersTokens(page.total));
 * ```
 */
export function extraMembersTokens(total: number): number {
  return Math.floor(total / MEMBERS_PER_TOKEN);
}

/**
 * The room a `members` request is about: its `room`, else `current` (the socket's room). Throws
 * `RELAY_ERR_INVALID_OPTIONS` for a request that is not `{ room? }`, `RELAY_ERR_INVALID_ROOM` for a bad name.
 */
export function membersRoom(request: unknown, current: string): string {
  if (request === undefined || request === null) return current;
  if (typeof request !== 'object' || Array.isArray(request)) {
    throw new RelayError('RELAY_ERR_INVALID_OPTIONS', 'a members request is an object { room? }');
  }
  const extra = Object.keys(request).find((key) => key !== 'room');
  if (extra !== undefined) {
    throw new RelayError('RELAY_ERR_INVALID_OPTIONS', `"${extra}" is not an option of members (room)`);
  }
  const { room } = request as MembersRequest;
  if (room === undefined) return current;
  roomKey(room);
  return room;
}
