import type { HistoryQuery } from './message-log.js';
import { RelayError } from './relay-error.js';
import { roomKey } from './room-name.js';
import { showValue } from './show-value.js';

/** Messages a history read returns when it names no `limit`. */
export const HISTORY_DEFAULT_LIMIT = 50;
/** Most messages one history read may ask for. */
export const HISTORY_MAX_LIMIT = 200;

// A UUID in its text form, any version: the cursor is a message id the relay handed out.
const MESSAGE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `value` is shaped like a message id (a UUID in lower-case text). */
export function isMessageId(value: unknown): value is string {
  return typeof value === 'string' && MESSAGE_ID.test(value);
}

/**
 * Checks what a client asked of the history (a socket's `history` event, an HTTP query) and returns the
 * query, or throws a `RelayError` naming what is wrong: `RELAY_ERR_INVALID_ROOM`,
 * `RELAY_ERR_INVALID_CURSOR` (not a message id, or both `before` and `after`), `RELAY_ERR_INVALID_OPTIONS`
 * (a limit that is not a whole number from 1 to {@link HISTORY_MAX_LIMIT}). `limit` may be the text of
 * a number (an HTTP query string).
 *
 * @example
 * ```ts
 * checkHistoryQuery({ room: 'ops', before: lastSeenId, limit: '20' }, 'lobby');
 * ```
 */
export function checkHistoryQuery(input: unknown, defaultRoom: string): HistoryQuery {
  if (input !== undefined && input !== null && (typeof input !== 'object' || Array.isArray(input))) {
    throw new RelayError('RELAY_ERR_INVALID_OPTIONS', 'history options must be an object');
  }
  const { room, before, after, limit } = (input ?? {}) as Record<string, unknown>;
  const name = room === undefined || room === null ? defaultRoom : room;
  roomKey(name);
  for (const [key, cursor] of [
    ['before', before],
    ['after', after],
  ] as const) {
    if (cursor !== undefined && !isMessageId(cursor)) {
      throw new RelayError(
        'RELAY_ERR_INVALID_CURSOR',
        `${key} must be the id of a message (a UUID such as meta.id), got ${showValue(cursor)}`,
      );
    }
  }
  if (before !== undefined && after !== undefined) {
    throw new RelayError('RELAY_ERR_INVALID_CURSOR', 'give before or after, not both');
  }
  let count = HISTORY_DEFAULT_LIMIT;
  if (limit !== undefined) {
    count = typeof limit === 'string' && /^\d{1,6}$/.test(limit) ? Number(limit) : Number.NaN;
    if (typeof limit === 'number') count = limit;
    if (!Number.isInteger(count) || count < 1 || count > HISTORY_MAX_LIMIT) {
      throw new RelayError(
        'RELAY_ERR_INVALID_OPTIONS',
        `limit must be a whole number from 1 to ${HISTORY_MAX_LIMIT}, got ${showValue(limit, 40)}`,
      );
    }
  }
  return {
    room: name as string,
    limit: count,
    ...(before === undefined ? {} : { before: before as string }),
    ...(after === undefined ? {} : { after: after as string }),
  };
}
