import type Database from 'better-sqlite3';
import { withUserId } from '../relay/default-user-id.js';
import type { LoggedMessage } from '../relay/message-log.js';
import type { RoomTrims } from './room-trims.js';
import type { PendingAppend } from './turn-batch.js';

/** A message as a history read gets it from the file. */
export interface HistoryRow {
  seq: number;
  content: string;
  meta: string;
}

/** What {@link prepareHistoryStatements} gives. */
export interface HistoryStatements {
  readonly write: Database.Transaction<
    (batch: readonly PendingAppend[], max: number, trims: RoomTrims) => ReadonlySet<string | null>
  >;
  readonly newer: Database.Statement;
  readonly older: Database.Statement;
  readonly byId: Database.Statement;
  readonly seqOf: Database.Statement;
  readonly firstAfterId: Database.Statement;
  readonly lastBeforeId: Database.Statement;
  readonly redact: Database.Statement;
  readonly sliceEnd: Database.Statement;
  readonly expire: Database.Statement;
}

/**
 * The history file's statements, prepared once: the group-commit write (inserts, then each room's trim
 * when due; answers the rooms it wrote to), reads by cursor, look-ups, redaction and age expiry.
 *
 * @example
 * ```ts
 * const statements = prepareHistoryStatements(db);
 * statements.write(batch, 1000, trims);
 * ```
 */
export function prepareHistoryStatements(db: Database.Database): HistoryStatements {
  const insert = db.prepare('INSERT INTO messages (id, room, at, content, meta) VALUES (?, ?, ?, ?, ?)');
  // The room's newest `max` stay: everything at or below the seq of the (max+1)-th newest goes, found
  // by walking the (room, seq) index from its end.
  const trimRoom = db.prepare(
    'DELETE FROM messages WHERE room IS ? AND seq <= (SELECT seq FROM messages WHERE room IS ? ORDER BY seq DESC LIMIT 1 OFFSET ?)',
  );
  const write = db.transaction((batch: readonly PendingAppend[], max: number, trims: RoomTrims) => {
    const rooms = new Set<string | null>();
    for (const { entries } of batch) {
      for (const { content, meta } of entries) {
        insert.run(meta.id, meta.room, Date.parse(meta.at), JSON.stringify(content), JSON.stringify(meta));
        rooms.add(meta.room);
        trims.wrote(meta.room);
      }
    }
    for (const room of rooms) if (trims.due(room)) trimRoom.run(room, room, max);
    return rooms;
  });
  return {
    write,
    newer: db.prepare(
      'SELECT seq, content, meta FROM messages WHERE room IS ? AND seq > ? AND at >= ? ORDER BY seq LIMIT ?',
    ),
    older: db.prepare(
      'SELECT seq, content, meta FROM messages WHERE room IS ? AND seq < ? AND at >= ? ORDER BY seq DESC LIMIT ?',
    ),
    byId: db.prepare('SELECT seq, content, meta FROM messages WHERE id = ? AND at >= ?'),
    seqOf: db.prepare('SELECT seq FROM messages WHERE id = ?'),
    firstAfterId: db.prepare('SELECT seq FROM messages WHERE id > ? ORDER BY id LIMIT 1'),
    lastBeforeId: db.prepare('SELECT seq FROM messages WHERE id < ? ORDER BY id DESC LIMIT 1'),
    // Not one past maxAgeMs that the trim has not deleted yet: that one is already gone for readers.
    redact: db.prepare('DELETE FROM messages WHERE id = ? AND at >= ? RETURNING room'),
    // Age trims walk the log from its oldest seq in slices (publish order is time order), without an
    // index on `at`: the last seq of the slice after `from`, then the expired ones up to it.
    sliceEnd: db.prepare('SELECT seq FROM messages WHERE seq > ? ORDER BY seq LIMIT 1 OFFSET ?'),
    expire: db.prepare('DELETE FROM messages WHERE seq > ? AND seq <= ? AND at < ?'),
  };
}

/** A kept row as the message it was. */
export const rowMessage = (row: HistoryRow): LoggedMessage => ({
  content: JSON.parse(row.content) as LoggedMessage['content'],
  meta: keptMeta(JSON.parse(row.meta) as LoggedMessage['meta']),
});

// Messages kept before user ids existed read back with the one the relay would give them now.
const keptMeta = (meta: LoggedMessage['meta']): LoggedMessage['meta'] =>
  meta.from.userId === undefined ? { ...meta, from: withUserId(meta.from) } : meta;

/**
 * The seq a read by cursor goes strictly past (`after`: forward, `before`: backward, neither: from the
 * newest). A cursor names a kept message; one redacted or trimmed since is placed by its id, which sorts
 * in publish order, so a page never skips nor repeats what is still kept.
 *
 * @example
 * ```ts
 * const rows = statements.newer.all(room, cursorSeq(statements, { after: lastId }), since, 51);
 * ```
 */
export function cursorSeq(s: HistoryStatements, query: { after?: string; before?: string }): number {
  if (query.after !== undefined) {
    const found = s.seqOf.get(query.after) as { seq: number } | undefined;
    if (found) return found.seq;
    const next = s.firstAfterId.get(query.after) as { seq: number } | undefined;
    return next === undefined ? Number.MAX_SAFE_INTEGER : next.seq - 1;
  }
  if (query.before === undefined) return Number.MAX_SAFE_INTEGER;
  const found = s.seqOf.get(query.before) as { seq: number } | undefined;
  if (found) return found.seq;
  const previous = s.lastBeforeId.get(query.before) as { seq: number } | undefined;
  return previous === undefined ? 0 : previous.seq + 1;
}
