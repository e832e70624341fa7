import type Database from 'better-sqlite3';

const SCHEMA_VERSION = 1;

/**
 * Brings a schedule store's tables to the schema this RelayKit knows (its version in `user_version`);
 * throws for a file written by a newer RelayKit.
 *
 * @example
 * ```ts
 * migrateScheduleStore(new Database('.relaykit/schedules.db'));
 * ```
 */
export function migrateScheduleStore(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new Error(
      `it was written by a newer RelayKit (schema ${version}, this one knows ${SCHEMA_VERSION})`,
    );
  }
  if (version === SCHEMA_VERSION) return;
  db.exec(`
    CREATE TABLE IF NOT EXISTS jobs (
      id TEXT PRIMARY KEY,
      cron TEXT NOT NULL,
      timezone TEXT,
      content TEXT NOT NULL,
      room TEXT,
      created_at TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS job_state (
      id TEXT PRIMARY KEY,
      paused INTEGER NOT NULL DEFAULT 0,
      handled_until INTEGER,
      runs INTEGER NOT NULL DEFAULT 0,
      failures INTEGER NOT NULL DEFAULT 0,
      last_run TEXT
    );
    PRAGMA user_version = ${SCHEMA_VERSION};
  `);
}
