import type Database from 'better-sqlite3';
import { RelayError } from '../relay/relay-error.js';
import { openSqliteStore } from '../sqlite/open-sqlite-store.js';
import type { Hook, HookFormat } from './hook.js';

interface HookRow {
  id: string;
  name: string;
  room: string | null;
  format: string;
  key_hash: string;
  signing_secret: string | null;
  allow_channel: number;
  template: string | null;
  created_at: string;
}

/**
 * The hooks added over the HTTP API, in one SQLite file (better-sqlite3): their URL keys as SHA-256
 * hashes only. Writes are synchronous and fully synced, so a hook whose URL was shown survives a crash.
 * Lookups read the file (one indexed row), so processes sharing it (the workers of `--workers`) see each
 * other's changes at once.
 *
 * @example
 * ```ts
 * const store = HookStore.open('.relaykit/hooks.db');
 * store.insert(hook);
 * store.close();
 * ```
 */
export class HookStore {
  readonly #db: Database.Database;
  readonly #byKeyHash: Database.Statement<[string], HookRow>;
  readonly #byId: Database.Statement<[string], HookRow>;
  #closed = false;

  private constructor(db: Database.Database) {
    this.#db = db;
    this.#byKeyHash = db.prepare('SELECT * FROM hooks WHERE key_hash = ?');
    this.#byId = db.prepare('SELECT * FROM hooks WHERE id = ?');
  }

  /**
   * Opens (creating it and its folder if needed) the store at `file`; `:memory:` keeps nothing. Throws
   * `RELAY_ERR_HOOK_STORE`, naming the file, when it cannot.
   */
  static open(file: string): HookStore {
    return openSqliteStore(file, {
      synchronous: 'FULL',
      prepare: (db) => {
        db.exec(`CREATE TABLE IF NOT EXISTS hooks (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      room TEXT,
      format TEXT NOT NULL,
      key_hash TEXT NOT NULL UNIQUE,
      signing_secret TEXT,
      allow_channel INTEGER NOT NULL DEFAULT 0,
      template TEXT,
      created_at TEXT NOT NULL
    )`);
        return new HookStore(db);
      },
      fail: (resolved, error) =>
        new RelayError('RELAY_ERR_HOOK_STORE', `cannot open the hook store ${resolved}: ${error.message}`, {
          cause: error,
        }),
    });
  }

  /** Every stored hook, oldest first. */
  list(): Hook[] {
    const rows = this.#db.prepare('SELECT * FROM hooks ORDER BY created_at, id').all() as HookRow[];
    return rows.map(toHook);
  }

  /** The hook whose key hashes to `keyHash`, if any. */
  byKeyHash(keyHash: string): Hook | undefined {
    const row = this.#byKeyHash.get(keyHash);
    return row === undefined ? undefined : toHook(row);
  }

  byId(id: string): Hook | undefined {
    const row = this.#byId.get(id);
    return row === undefined ? undefined : toHook(row);
  }

  insert(hook: Hook): void {
    this.#db
      .prepare(
        `INSERT INTO hooks (id, name, room, format, key_hash, signing_secret, allow_channel, template, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        hook.id,
        hook.name,
        hook.room,
        hook.format,
        hook.keyHash,
        hook.signingSecret ?? null,
        hook.allowChannel ? 1 : 0,
        hook.template ?? null,
        hook.createdAt,
      );
  }

  /** Replaces a hook's key (rotation): the old URL stops working at once. */
  rekey(id: string, keyHash: string, signingSecret: string | undefined): boolean {
    const result = this.#db
      .prepare('UPDATE hooks SET key_hash = ?, signing_secret = ? WHERE id = ?')
      .run(keyHash, signingSecret ?? null, id);
    return result.changes > 0;
  }

  remove(id: string): boolean {
    return this.#db.prepare('DELETE FROM hooks WHERE id = ?').run(id).changes > 0;
  }

  /** Closes the file. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }
}

function toHook(row: HookRow): Hook {
  return {
    id: row.id,
    name: row.name,
    room: row.room,
    format: row.format as HookFormat,
    keyHash: row.key_hash,
    ...(row.signing_secret === null ? {} : { signingSecret: row.signing_secret }),
    allowChannel: row.allow_channel === 1,
    ...(row.template === null ? {} : { template: row.template }),
    declared: false,
    createdAt: row.created_at,
  };
}
