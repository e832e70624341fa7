import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** How {@link openSqliteStore} opens one store. */
export interface SqliteStoreOptions<T> {
  /**
   * `FULL` for stores whose every write must survive a power cut (schedules, hooks); `NORMAL` where a
   * write lost with the last moments before a power cut is acceptable and the write path is hot.
   */
  readonly synchronous: 'FULL' | 'NORMAL';
  /** Makes the store from the open database: checks or migrates its schema. May throw. */
  readonly prepare: (db: Database.Database, file: string) => T;
  /**
   * The store's own error for a file it cannot open, given the resolved file and what went wrong; without
   * it, that error is thrown as it is.
   */
  readonly fail?: (file: string, error: Error) => Error;
}

/**
 * Opens the SQLite store at `file` (`:memory:` keeps nothing), creating it and its folder when needed, the
 * way every RelayKit store does: another process on the same file (a restart racing the old process)
 * waits up to 5 s instead of failing, a file store writes ahead (WAL) so that readers never block the
 * writer, and `prepare` makes the store. If anything fails, the database is closed and the file left as
 * it is.
 *
 * @example
 * ```ts
 * const store = openSqliteStore('.relaykit/hooks.db', {
 *   synchronous: 'FULL',
 *   prepare: (db) => new HookStore(db),
 *   fail: (file, error) => new RelayError('RELAY_ERR_HOOK_STORE', `cannot open ${file}: ${error.message}`),
 * });
 * ```
 */
export function openSqliteStore<T>(file: string, options: SqliteStoreOptions<T>): T {
  const resolved = file === ':memory:' ? file : path.resolve(file);
  let db: Database.Database | undefined;
  try {
    if (resolved !== ':memory:') mkdirSync(path.dirname(resolved), { recursive: true });
    db = new Database(resolved);
    db.pragma('busy_timeout = 5000');
    if (resolved !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous}`);
    return options.prepare(db, resolved);
  } catch (error) {
    db?.close();
    throw options.fail ? options.fail(resolved, error as Error) : error;
  }
}
