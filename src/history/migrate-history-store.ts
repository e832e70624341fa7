import type Database from 'better-sqlite3';

const SCHEMA_VERSION = 2;
const REBUILD_WAIT_MS = 120_000;

// Each commit writes one page per b-tree it touches, so the table keeps only what reads need: the rows by
// `seq`, `(room, seq)` for room reads and count trims, `id` for cursors. Schema 1 also had an index on
// `at` and AUTOINCREMENT (the `sqlite_sequence` page): two more pages a commit, ~7 µs of a ~25 µs
// one-message commit on this project's bench machine (bench/README.md).
const MESSAGES_TABLE = (name: string) => `
  CREATE TABLE ${name} (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    room TEXT,
    at INTEGER NOT NULL,
    content TEXT NOT NULL,
    meta TEXT NOT NULL
  )`;

/**
 * Brings a history store's tables to the schema this RelayKit knows (its version in `user_version`).
 * Throws, touching nothing, for a file written by a newer RelayKit or one that holds other tables (a
 * schedule store given as `history.store`): a store is never wiped to make room.
 *
 * `seq` orders the messages as they were delivered. It is SQLite's rowid, which may give the seq of a
 * deleted newest message to the next one: it still sorts after every message kept, and cursors are
 * message ids, never seqs. `(room, seq)` serves room reads and count trims, `id` cursors; age trims
 * walk the oldest seqs (`at`, epoch ms, has no index). Schema 1 files are rebuilt to schema 2 in place,
 * keeping every message.
 *
 * @example
 * ```ts
 * migrateHistoryStore(new Database('.relaykit/history.db'));
 * ```
 */
export function migrateHistoryStore(db: Database.Database): void {
  // Several processes (`relay serve --workers`) may open a new file at once: the check and the creation
  // run in one write transaction, so the later process waits for the first (busy_timeout) and then finds
  // the schema made instead of creating it a second time. A rebuild takes seconds for millions of
  // messages (~0.6 s for 300 000 here), longer than the usual wait: the others wait for it up to 2 min.
  // The first read of a file that is not a database throws here ("file is not a database").
  const rebuild = db.pragma('user_version', { simple: true }) === 1;
  const usual = db.pragma('busy_timeout', { simple: true }) as number;
  if (rebuild) db.pragma(`busy_timeout = ${REBUILD_WAIT_MS}`);
  let rebuilt = false;
  try {
    rebuilt = db.transaction(() => migrate(db)).immediate();
  } finally {
    if (rebuild) db.pragma(`busy_timeout = ${usual}`);
  }
  if (!rebuilt) return;
  // The rebuild went through the WAL, as large as the table: fold it in and give the space back now.
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } catch {
    // Another process is reading: the WAL checkpoints later, as any other.
  }
}

/** Answers whether it rebuilt a schema 1 table. */
function migrate(db: Database.Database): boolean {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `it was written by a newer RelayKit (schema ${version}, this one knows ${SCHEMA_VERSION})`,
    );
  }
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
    name: string;
  }[];
  const names = new Set(tables.map(({ name }) => name));
  if (version === SCHEMA_VERSION) {
    if (!names.has('messages')) throw new Error('it is not a RelayKit history store (no messages table)');
    return false;
  }
  if (version === 1) {
    if (!names.has('messages')) throw new Error('it is not a RelayKit history store (no messages table)');
    db.exec(`
      ${MESSAGES_TABLE('messages_v2')};
      INSERT INTO messages_v2 (seq, id, room, at, content, meta)
        SELECT seq, id, room, at, content, meta FROM messages ORDER BY seq;
      DROP TABLE messages;
      ALTER TABLE messages_v2 RENAME TO messages;
      CREATE INDEX messages_room ON messages (room, seq);
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
    return true;
  }
  const foreign = [...names].filter((name) => !name.startsWith('sqlite_'));
  if (foreign.length > 0) {
    throw new Error(`it is not a RelayKit history store (it holds tables ${foreign.join(', ')})`);
  }
  db.exec(`
    ${MESSAGES_TABLE('messages')};
    CREATE INDEX messages_room ON messages (room, seq);
    PRAGMA user_version = ${SCHEMA_VERSION};
  `);
  return false;
}
