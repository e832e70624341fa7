import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import type { HistoryPage, HistoryQuery, LoggedMessage, MessageLog } from '../relay/message-log.js';
import { RelayError } from '../relay/relay-error.js';
import { openSqliteStore } from '../sqlite/open-sqlite-store.js';
import { SQLITE_UNAVAILABLE, StoreAvailability, type StoreWording } from '../sqlite/store-availability.js';
import {
  cursorSeq,
  type HistoryRow,
  type HistoryStatements,
  prepareHistoryStatements,
  rowMessage,
} from './history-statements.js';
import { mergePage } from './merge-sorted.js';
import { migrateHistoryStore } from './migrate-history-store.js';
import { RoomTrims } from './room-trims.js';
import { type PendingAppend, refuseAppends, TurnBatch } from './turn-batch.js';
import { WalCheckpointer } from './wal-checkpointer.js';

/** What the history keeps and for how long; the `history` setting when it is not `false`. */
export interface HistorySettings {
  /** SQLite file, relative to the working directory; `:memory:` keeps nothing past the process. */
  readonly store: string;
  /** Messages kept per room (relay-wide announcements count as one room of their own). */
  readonly maxMessagesPerRoom: number;
  /** How long a message is kept (ms). */
  readonly maxAgeMs: number;
}

const WORDING: StoreWording = {
  name: 'history store',
  refused: 'new messages are refused',
  notDone: 'the message was not kept, nor delivered',
};
// Age trims delete in bounded slices, so that a long backlog (a relay restarted after weeks) never
// holds the event loop for long; the rest waits for the next tick.
const TRIM_SLICE = 1000;
const TRIM_SLICES_PER_TICK = 10;
const RECHECK_MS = 1000;

/**
 * The history of a relay in one SQLite file (better-sqlite3, WAL). Appends made during one event-loop
 * turn are written in one transaction (group commit) at the next turn, and their promises resolve only
 * after it committed: acknowledged messages survive `kill -9` (WAL with `synchronous = NORMAL` loses
 * nothing on a process crash; a power loss may lose the last commits). A room is trimmed to its newest
 * `maxMessagesPerRoom` once every 1 % of that many of its messages (see {@link RoomTrims}); messages
 * older than `maxAgeMs` are never read and are deleted in bounded slices by a timer. Reads and trims use
 * indexes, never a full scan. WAL checkpoints run on a worker thread (see {@link WalCheckpointer}), not
 * in the commit that happens to fill the WAL.
 *
 * A file that cannot take writes (deleted, replaced, read-only, disk full) refuses appends with
 * `RELAY_ERR_STORE_UNAVAILABLE`, logged once per episode; {@link health} tells `/readyz`.
 *
 * @example
 * ```ts
 * const log = SqliteMessageLog.open({ store: '.relaykit/history.db', maxMessagesPerRoom: 1000, maxAgeMs: 2_592_000_000 });
 * relay.logWith(log);
 * ```
 */
export class SqliteMessageLog implements MessageLog {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #settings: HistorySettings;
  readonly #availability: StoreAvailability | undefined;
  readonly #now: () => number;
  readonly #statements: HistoryStatements;
  readonly #timer: NodeJS.Timeout;
  readonly #batch = new TurnBatch((batch) => this.#commit(batch));
  #unavailable: string | undefined;
  #checkedAt = 0;
  #closed = false;
  readonly #listeners = new Set<(rooms: ReadonlySet<string | null>) => void>();
  readonly #trims: RoomTrims;
  readonly #checkpoints: WalCheckpointer | undefined;
  /** Messages kept since the log opened. */
  appended = 0;
  /** Appends refused because the store could not keep them. */
  refused = 0;

  private constructor(
    file: string,
    db: Database.Database,
    settings: HistorySettings,
    options: Parameters<typeof SqliteMessageLog.open>[1] & {},
  ) {
    this.path = file;
    this.#db = db;
    this.#settings = settings;
    this.#now = options.now ?? Date.now;
    this.#availability =
      file === ':memory:' ? undefined : new StoreAvailability(file, options.logger, WORDING);
    this.#statements = prepareHistoryStatements(db);
    this.#trims = new RoomTrims(settings.maxMessagesPerRoom);
    this.#checkpoints =
      file === ':memory:' ? undefined : new WalCheckpointer(db, file, options.checkpointEvery);
    this.trimExpired();
    this.#timer = setInterval(() => this.trimExpired(), Math.min(settings.maxAgeMs, 60_000));
    this.#timer.unref();
  }

  /**
   * Opens (creating it and its folder when needed) the store `settings.store`. Throws
   * `RELAY_ERR_HISTORY_STORE` naming the file when it cannot be opened or is not a history store; an
   * existing file is never wiped. `now`: the clock of age retention, `checkpointEvery`: commits between
   * two WAL checkpoints off the event loop (see {@link WalCheckpointer}; tests).
   */
  static open(
    settings: HistorySettings,
    options: { logger?: Logger; now?: () => number; checkpointEvery?: number } = {},
  ): SqliteMessageLog {
    return openSqliteStore(settings.store, {
      synchronous: 'NORMAL',
      prepare: (db, file) => {
        migrateHistoryStore(db);
        return new SqliteMessageLog(file, db, settings, options);
      },
      fail: (file, error) =>
        new RelayError(
          'RELAY_ERR_HISTORY_STORE',
          `cannot open the history store ${file}: ${error.message}; the file was left as it is`,
          { cause: error },
        ),
    });
  }

  assertWritable(): void {
    if (this.#closed) throw new RelayError('RELAY_ERR_SHUTTING_DOWN', 'the relay is shutting down');
    const problem = this.#problem();
    if (problem !== undefined) throw this.#refuse(problem);
  }

  // Why writes are refused now, if they are. After a failed write, the file is looked at again at most
  // once a second; once it looks writable, the next write tries (and /readyz says ready again without
  // waiting for one: a node out of its load balancer's rotation would get none).
  #problem(): string | undefined {
    if (this.#unavailable === undefined) return undefined;
    const now = Date.now();
    if (now - this.#checkedAt >= RECHECK_MS) {
      this.#checkedAt = now;
      this.#unavailable = this.#availability?.check();
    }
    return this.#unavailable;
  }

  append(entries: readonly LoggedMessage[]): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new RelayError('RELAY_ERR_SHUTTING_DOWN', 'the relay is shutting down'));
    }
    return this.#batch.add(entries);
  }

  read(query: HistoryQuery): HistoryPage {
    const { room, limit } = query;
    const forward = query.after !== undefined;
    const statement = forward ? this.#statements.newer : this.#statements.older;
    const since = this.#now() - this.#settings.maxAgeMs;
    const cursor = cursorSeq(this.#statements, query);
    const mine = statement.all(room, cursor, since, limit + 1) as HistoryRow[];
    const everyone = statement.all(null, cursor, since, limit + 1) as HistoryRow[];
    const { rows, more } = mergePage(mine, everyone, limit, forward);
    return { messages: rows.map(rowMessage), more };
  }

  /** The kept message with id `id`, if any. */
  get(id: string): LoggedMessage | undefined {
    const row = this.#statements.byId.get(id, this.#now() - this.#settings.maxAgeMs) as
      | HistoryRow
      | undefined;
    return row === undefined ? undefined : rowMessage(row);
  }

  /**
   * Deletes the message `id`; answers its room (`null`: a relay-wide announcement), or `undefined` when
   * it is not kept. Throws `RELAY_ERR_STORE_UNAVAILABLE` when the store cannot be written.
   */
  redact(id: string): { room: string | null } | undefined {
    const problem = this.#availability?.check();
    if (problem !== undefined) throw this.#refuse(problem);
    try {
      const since = this.#now() - this.#settings.maxAgeMs;
      return this.#statements.redact.get(id, since) as { room: string | null } | undefined;
    } catch (error) {
      throw this.#refuse(`SQLite could not write (${(error as Error).message})`, error);
    }
  }

  /**
   * Deletes messages past `maxAgeMs`, walking at most 10 000 of the oldest a call; answers how many. Run by
   * a timer. The walk ends at a slice with nothing expired: what follows was published later still. After
   * the clock was set back, a few young messages among the old are stepped over; 1 000 or more of them in
   * a row hold the deletion of older ones behind them until they expire too (reads check `at`, so those
   * are never read meanwhile, and count trims still bound every room).
   */
  trimExpired(): number {
    if (this.#closed) return 0;
    let deleted = 0;
    try {
      const before = this.#now() - this.#settings.maxAgeMs;
      const s = this.#statements;
      let from = 0;
      for (let slice = 0; slice < TRIM_SLICES_PER_TICK; slice += 1) {
        const end = (s.sliceEnd.get(from, TRIM_SLICE - 1) as { seq: number } | undefined)?.seq;
        const { changes } = s.expire.run(from, end ?? Number.MAX_SAFE_INTEGER, before);
        deleted += changes;
        if (changes === 0 || end === undefined) break;
        from = end;
      }
    } catch {
      // An unwritable store is reported by appends and /readyz; expired rows are never read anyway.
    }
    return deleted;
  }

  /** Whether a write would last now: `ok: false`, with why, while the file cannot be written. */
  health(): { ok: boolean; detail?: string } {
    if (this.#closed) return { ok: true };
    const problem = this.#availability?.check() ?? this.#problem();
    // Found here first, it starts the episode's one log line: the only place that names the file.
    if (problem !== undefined) this.#availability?.refuse(problem);
    return problem === undefined ? { ok: true } : { ok: false, detail: problem };
  }

  /** Writes what is pending, closes the file; resolves once the checkpoint thread is gone. Idempotent. */
  close(): Promise<void> {
    if (this.#closed) return this.#checkpoints?.close() ?? Promise.resolve();
    this.#batch.flush();
    this.#closed = true;
    clearInterval(this.#timer);
    const exited = this.#checkpoints?.close() ?? Promise.resolve();
    this.#db.close();
    return exited;
  }

  #commit(batch: readonly PendingAppend[]): void {
    const problem = this.#availability?.check();
    if (problem !== undefined) {
      this.#fail(batch, this.#refuse(problem));
      return;
    }
    let rooms: ReadonlySet<string | null>;
    try {
      rooms = this.#statements.write(batch, this.#settings.maxMessagesPerRoom, this.#trims);
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? '');
      const why = SQLITE_UNAVAILABLE.test(code) ? `SQLite answered ${code}` : (error as Error).message;
      this.#fail(batch, this.#refuse(why, error));
      return;
    }
    this.#availability?.recovered();
    this.#unavailable = undefined;
    const appended = this.appended;
    for (const pending of batch) {
      this.appended += pending.entries.length;
      pending.resolve();
    }
    this.#checkpoints?.committed(this.appended - appended);
    for (const listener of this.#listeners) listener(rooms);
  }

  /**
   * Calls `listener` after each commit with the rooms it wrote to (`null`: relay-wide), so that
   * readers following the log (Server-Sent Events) read on; returns the function that stops it.
   */
  onAppended(listener: (rooms: ReadonlySet<string | null>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #fail(batch: readonly PendingAppend[], error: RelayError): void {
    this.refused += refuseAppends(batch, error);
  }

  #refuse(problem: string, cause?: unknown): RelayError {
    this.#unavailable = problem;
    this.#checkedAt = Date.now();
    return this.#availability === undefined
      ? new RelayError('RELAY_ERR_STORE_UNAVAILABLE', `history store: ${problem}`, { cause })
      : this.#availability.refuse(problem, cause);
  }
}
