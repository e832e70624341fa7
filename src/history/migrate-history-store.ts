import type Database from 'better-sqlite3';

const SCHEMA_VERSION = 1;

/**
 * Brings a history store's tables to the schema this RelayKit knows (its version in `user_version`).
 * Throws, touching nothing, for a file written by a newer RelayKit or one that holds other tables (a
 * schedule store given as `history.store`): a store is never wiped to make room.
 *
 * `seq` orders the messages as they were delivered (AUTOINCREMENT: never reused after a redaction);
 * `(room, seq)` serves room reads and count trims, `at` (epoch ms) age trims, `id` cursors.
 *
 * @example
 * ```ts
 * migrateHistoryStore(new Database('.relaykit/history.db'));
 * ```
 */
export function migrateHistoryStore(db: Database.Database): void {
  // Several processes (`relay serve --workers`) may open a new file at once: the check and the creation
  // run in one write transaction, so the later process waits for the first (busy_timeout) and then finds
  // the schema made instead of creating it a second time.
  db.transaction(() => migrate(db)).immediate();
}

function migrate(db: Database.Database): void {
  // The first read of a file that is not a database throws here ("file is not a database").
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
    return;
  }
  const foreign = [...names].filter((name) => !name.startsWith('sqlite_'));
  if (foreign.length > 0) {
    throw new Error(`it is not a RelayKit history store (it holds tables ${foreign.join(', ')})`);
  }
  db.exec(`
    CREATE TABLE messages (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      id TEXT NOT NULL UNIQUE,
      room TEXT,
      at INTEGER NOT NULL,
      content TEXT NOT NULL,
      meta TEXT NOT NULL
    );
    CREATE INDEX messages_room ON messages (room, seq);
    CREATE INDEX messages_at ON messages (at);
    PRAGMA user_version = ${SCHEMA_VERSION};
  `);
}
