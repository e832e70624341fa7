import { messageIdTime } from './message-id.js';
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

// How far past this relay's clock a cursor's time may be: nodes' clocks differ by far less, and one set
// back keeps making ids from where it stood; past it, no relay made the id, and a read or an event
// stream from it would wait for ever without a word.
const CURSOR_AHEAD_MS = 86_400_000;

/**
 * `value` as a cursor: the id of a message, made no more than a day past `now` (its first 48 bits are
 * its time); else throws `RELAY_ERR_INVALID_CURSOR`, naming `what` (`after`, `Last-Event-ID`).
 *
 * @example
 * ```ts
 * const after = checkCursor(req.get('last-event-id'), 'Last-Event-ID');
 * ```
 */
export function checkCursor(value: unknown, what: string, now = Date.now()): string {
  if (!isMessageId(value)) {
    throw new RelayError(
      'RELAY_ERR_INVALID_CURSOR',
      `${what} must be the id of a message (a UUID such as meta.id), got ${showValue(value)}`,
    );
  }
  const at = messageIdTime(value);
  if (at > now + CURSOR_AHEAD_MS) {
    throw new RelayError(
      'RELAY_ERR_INVALID_CURSOR',
      `${what} ${value} would be a message of ${new Date(at).toISOString()}, more than a day past this relay's clock: no message has that id`,
    );
  }
  return value;
}

/**
 * Checks what a client asked of the history (a socket's `history` event, an HTTP query) and returns the
 * query, or throws a `RelayError` naming what is wrong: `RELAY_ERR_INVALID_ROOM`,
 * `RELAY_ERR_INVALID_CURSOR` (not a message id, one of more than a day ahead, or both `before` and
 * `after`), `RELAY_ERR_INVALID_OPTIONS` (a limit that is not a whole number from 1 to
 * {@link HISTORY_MAX_LIMIT}). `limit` may be the text of a number (an HTTP query string).
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
    if (cursor !== undefined) checkCursor(cursor, key);
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
