import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
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
 * Opens the SQLite store at `file` (`:memory:` keeps nothing), creating it (mode 0600) and its folder
 * (0700) when needed, the way every RelayKit store does: another process on the same file (a restart racing the old process)
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
    if (resolved !== ':memory:') {
      // Stores hold secrets (a GitHub hook's, webhook signing keys) and the history: folders the relay
      // makes are its own (0700), a file it makes is 0600, and SQLite gives its -wal and -shm files the
      // mode of the database. What exists already keeps the mode its owner gave it.
      makeFolder(path.dirname(resolved));
      createPrivately(resolved);
    }
    db = new Database(resolved);
    db.pragma('busy_timeout = 5000');
    if (resolved !== ':memory:') writeAhead(db);
    db.pragma(`synchronous = ${options.synchronous}`);
    return options.prepare(db, resolved);
  } catch (error) {
    db?.close();
    throw options.fail ? options.fail(resolved, error as Error) : error;
  }
}

// Each missing folder on its own, not `recursive: true`: Node 20's recursive mkdirSync never returns for
// a path under /proc (it takes the ENOENT it gets there for a missing parent, again and again), which
// left `relay serve` spinning, deaf to SIGTERM. A sibling process making one first (--workers) is fine.
function makeFolder(dir: string): void {
  const missing: string[] = [];
  for (let at = dir; !existsSync(at); at = path.dirname(at)) {
    missing.unshift(at);
    if (path.dirname(at) === at) break;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

// `wx`: only a file that is not there yet; another process creating it first (a --workers sibling) is fine.
function createPrivately(file: string): void {
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

// Two processes opening a new file at once (`relay serve --workers`) both switch it to WAL: that needs
// a lock SQLite refuses at once ("database is locked") rather than wait for with the busy timeout, as
// waiting could deadlock (1 open in 30 failed so in a probe). Tried again, for up to ~1 s.
function writeAhead(db: Database.Database): void {
  for (let attempt = 1; ; attempt += 1) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_BUSY' || attempt >= 50) throw error;
      Atomics.wait(PAUSE, 0, 0, 20);
    }
  }
}
