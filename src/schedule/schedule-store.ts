import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { RelayError } from '../relay/relay-error.js';
import { openSqliteStore } from '../sqlite/open-sqlite-store.js';
import { StoreAvailability, type StoreWording } from '../sqlite/store-availability.js';
import { migrateScheduleStore } from './migrate-schedule-store.js';
import type { ScheduleSpec } from './schedule-spec.js';
import type { JobRun } from './schedule-types.js';

/**
 * A runtime job (added over HTTP) as the store keeps it: its fields as read, to be checked again (the
 * file may come from an older RelayKit or have been edited), and `problem` when its content is not JSON.
 */
export interface StoredJob {
  readonly fields: {
    readonly id: string;
    readonly cron: string;
    readonly timezone?: string;
    readonly content: unknown;
    readonly room?: string;
  };
  readonly createdAt: string;
  readonly problem?: string;
}

/** What the store knows of any job, runtime, declared or code: pause flag, counters and last run. */
export interface JobState {
  readonly paused: boolean;
  /** Epoch ms up to which the job's cron slots are accounted for (run, skipped or not yet due). */
  readonly handledUntil: number | null;
  readonly runs: number;
  readonly failures: number;
  readonly lastRun: JobRun | null;
}

const EMPTY_STATE: JobState = { paused: false, handledUntil: null, runs: 0, failures: 0, lastRun: null };

interface JobRow {
  id: string;
  cron: string;
  timezone: string | null;
  content: string;
  room: string | null;
  created_at: string;
}
interface StateRow {
  paused: number;
  handled_until: number | null;
  runs: number;
  failures: number;
  last_run: string | null;
}

const WORDING: StoreWording = {
  name: 'schedule store',
  refused: 'changes to jobs are refused',
  notDone: 'the change was not made',
};

/**
 * The scheduler's durable store: one SQLite file (better-sqlite3) with the runtime jobs, and the pause
 * flag and last-run record of every job. Writes are synchronous and fully synced, so a job acknowledged
 * by `POST /v1/schedules` survives a crash; `:memory:` keeps nothing (tests, throwaway relays).
 *
 * A write that could not last is refused with `RELAY_ERR_STORE_UNAVAILABLE` rather than
 * acknowledged: the file deleted, replaced or made read-only since it was opened (see
 * {@link StoreAvailability}), or SQLite unable to use it (full, damaged, overwritten): reads then fail
 * the same way. Each such episode is logged once, at error, and once more when a write succeeds again;
 * {@link ScheduleStore.health} tells `/readyz`, unready until then.
 *
 * @example
 * ```ts
 * const store = ScheduleStore.open('.relaykit/schedules.db');
 * store.listJobs();
 * store.close();
 * ```
 */
export class ScheduleStore {
  readonly path: string;
  readonly #db: Database.Database;
  readonly #availability: StoreAvailability | undefined;
  #closed = false;

  private constructor(file: string, db: Database.Database, availability: StoreAvailability | undefined) {
    this.path = file;
    this.#db = db;
    this.#availability = availability;
  }

  /**
   * Opens (creating it and its folder when needed) the store at `file`; throws `RELAY_ERR_SCHEDULE_STORE`.
   * `logger` gets the store's episodes of unavailability.
   */
  static open(file: string, options: { logger?: Logger } = {}): ScheduleStore {
    return openSqliteStore(file, {
      synchronous: 'FULL',
      prepare: (db, resolved) => {
        migrateScheduleStore(db);
        const availability =
          resolved === ':memory:' ? undefined : new StoreAvailability(resolved, options.logger, WORDING);
        return new ScheduleStore(resolved, db, availability);
      },
      fail: (resolved, error) =>
        new RelayError(
          'RELAY_ERR_SCHEDULE_STORE',
          `cannot open the schedule store ${resolved}: ${error.message}`,
          {
            cause: error,
          },
        ),
    });
  }

  /** The runtime jobs, oldest first, as stored: the scheduler checks them again. */
  listJobs(): StoredJob[] {
    const rows = this.#run(() =>
      this.#db.prepare('SELECT * FROM jobs ORDER BY created_at, id').all(),
    ) as JobRow[];
    return rows.map((row) => {
      let content: unknown = null;
      let problem: string | undefined;
      try {
        content = JSON.parse(row.content);
      } catch {
        problem = `job "${row.id}": its content in the store is not JSON`;
      }
      return {
        createdAt: row.created_at,
        fields: {
          id: String(row.id),
          cron: String(row.cron),
          ...(row.timezone === null ? {} : { timezone: row.timezone }),
          content,
          ...(row.room === null ? {} : { room: row.room }),
        },
        ...(problem ? { problem } : {}),
      };
    });
  }

  /** Whether a write would last now: `ok: false`, with why, while the file is deleted, replaced or not writable. */
  health(): { ok: boolean; detail?: string } {
    const read = () => this.#db.prepare('SELECT 1 FROM jobs LIMIT 1').get();
    const problem = this.#closed ? undefined : this.#availability?.health(read);
    return problem === undefined ? { ok: true } : { ok: false, detail: problem };
  }

  /** Adds a runtime job and starts its state afresh; `false` when a job with that id is already stored. */
  insertJob(spec: ScheduleSpec, now: Date): boolean {
    return this.#write(() =>
      this.#db.transaction(() => {
        const inserted = this.#db
          .prepare(
            'INSERT OR IGNORE INTO jobs (id, cron, timezone, content, room, created_at) VALUES (?, ?, ?, ?, ?, ?)',
          )
          .run(
            spec.id,
            spec.cron,
            spec.timezone ?? null,
            JSON.stringify(spec.content),
            spec.room ?? null,
            now.toISOString(),
          );
        if (inserted.changes === 0) return false;
        // A job of the same id removed earlier must not lend this one its history.
        this.#db.prepare('DELETE FROM job_state WHERE id = ?').run(spec.id);
        this.#db
          .prepare('INSERT INTO job_state (id, handled_until) VALUES (?, ?)')
          .run(spec.id, now.getTime());
        return true;
      })(),
    );
  }

  /** Removes a runtime job and its state; `false` when there was none. */
  deleteJob(id: string): boolean {
    return this.#write(() =>
      this.#db.transaction(() => {
        const deleted = this.#db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
        if (deleted.changes > 0) this.#db.prepare('DELETE FROM job_state WHERE id = ?').run(id);
        return deleted.changes > 0;
      })(),
    );
  }

  /**
   * {@link getState}, or `undefined` while the file cannot be read (the episode is logged once): for
   * listings, which go on without the last run, which only the store knows.
   */
  stateIfReadable(id: string): JobState | undefined {
    try {
      return this.getState(id);
    } catch (error) {
      if ((error as RelayError).code === 'RELAY_ERR_STORE_UNAVAILABLE') return undefined;
      throw error;
    }
  }

  /** The state of a job; a job the store has never seen has an empty one. */
  getState(id: string): JobState {
    const row = this.#run(() => this.#db.prepare('SELECT * FROM job_state WHERE id = ?').get(id)) as
      | StateRow
      | undefined;
    if (!row) return EMPTY_STATE;
    return {
      paused: row.paused === 1,
      handledUntil: row.handled_until,
      runs: row.runs,
      failures: row.failures,
      lastRun: readLastRun(row.last_run),
    };
  }

  /** Starts the state of a job the store has not seen, its slots accounted for up to `now`. */
  ensureState(id: string, now: Date): void {
    this.#write(() =>
      this.#db
        .prepare('INSERT OR IGNORE INTO job_state (id, handled_until) VALUES (?, ?)')
        .run(id, now.getTime()),
    );
  }

  /** Pauses or resumes a job. Resuming accounts for the slots up to `now`: a pause is not downtime. */
  setPaused(id: string, paused: boolean, now: Date): void {
    this.ensureState(id, now);
    this.#write(() =>
      paused
        ? this.#db.prepare('UPDATE job_state SET paused = 1 WHERE id = ?').run(id)
        : this.#db
            .prepare('UPDATE job_state SET paused = 0, handled_until = ? WHERE id = ?')
            .run(now.getTime(), id),
    );
  }

  /** Marks the slots of a job up to `until` as accounted for (run or skipped). */
  markHandled(id: string, until: Date): void {
    this.#write(() =>
      this.#db
        .prepare('UPDATE job_state SET handled_until = max(coalesce(handled_until, 0), ?) WHERE id = ?')
        .run(until.getTime(), id),
    );
  }

  /** Records a finished run as the job's last one and counts it. */
  recordRun(run: JobRun, now: Date): void {
    this.ensureState(run.jobId, now);
    const failed = run.outcome === 'failed' ? 1 : 0;
    const slot = run.scheduledFor === null ? 0 : Date.parse(run.scheduledFor);
    this.#write(() =>
      this.#db
        .prepare(
          `UPDATE job_state SET last_run = ?, runs = runs + 1, failures = failures + ?,
             handled_until = max(coalesce(handled_until, 0), ?) WHERE id = ?`,
        )
        .run(JSON.stringify(run), failed, slot, run.jobId),
    );
  }

  /** Closes the database; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#db.close();
  }

  // A file SQLite cannot use any more starts an episode of unavailability, for a read as for a write.
  #run<T>(work: () => T, kind: 'read' | 'write' = 'read'): T {
    try {
      return this.#availability ? this.#availability.guard(kind, work) : work();
    } catch (error) {
      throw error instanceof RelayError ? error : this.#failure(error);
    }
  }

  #write<T>(work: () => T): T {
    return this.#run(work, 'write');
  }

  // Not the path: API callers are told this (the episode's log line names the file).
  #failure(error: unknown): RelayError {
    return new RelayError('RELAY_ERR_SCHEDULE_STORE', `schedule store: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

// A run record the store cannot read (edited by hand, damaged) is forgotten rather than keeping the
// relay from starting: it only says how the job's last run went.
function readLastRun(text: string | null): JobRun | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as JobRun;
  } catch {
    return null;
  }
}
