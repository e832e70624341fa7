import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** Commits between two checkpoints by the thread: ~1 000 pages of one-message commits, SQLite's default. */
export const COMMITS_PER_CHECKPOINT = 200;
// Or messages, whichever comes first: big commits (a flood's group commits) fill the WAL faster.
const MESSAGES_PER_CHECKPOINT = 1000;
// The writer's own automatic checkpoint stays, as a bound should the thread fall behind (a flood of
// commits) or fail: 4 000 pages, ~16 MiB of WAL. What the thread copied already, it does not copy again.
const FALLBACK_PAGES = 4000;

// The thread: its own connection to the file, passive checkpoints (they never wait for the writer) on
// request. A pass copies the frames that were there when it began; it runs again while the writer added
// more, since only a WAL checkpointed to its end starts over from its beginning. Plain CommonJS, so that
// it runs the same under tsx, vitest and built code.
const THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
parentPort.on('message', (request) => {
  if (request === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    let frames = -1;
    for (let pass = 0; pass < 4; pass += 1) {
      const [{ log }] = db.pragma('wal_checkpoint(PASSIVE)');
      if (log === frames) break;
      frames = log;
    }
  } catch {
    // The writer's automatic checkpoint is the fallback; a file that cannot be written is reported by appends.
  }
});
`;

/**
 * Moves the WAL checkpoints of a SQLite file off the event loop. A checkpoint copies the WAL into the
 * database and, with `synchronous = NORMAL`, fsyncs both: milliseconds on a shared disk, which SQLite's
 * automatic checkpoint spends inside the commit that crosses 1 000 pages, so one message in ~200 waited
 * that long before it was delivered and acknowledged. Here a worker thread with its own connection runs
 * passive checkpoints every `every` commits (or 1 000 messages) while the writer goes on appending; the writer is left the
 * one fsync SQLite makes when the WAL starts over. Durability does not change: a commit is in the WAL
 * (written, not fsynced, as before) when it returns; checkpoints only bound the WAL's size. The thread
 * starts at the first checkpoint, so a store that sees few commits never has one.
 *
 * @example
 * ```ts
 * const checkpoints = new WalCheckpointer(db, '/srv/relay/history.db');
 * checkpoints.committed(64); // after each commit, with how many messages it wrote
 * const exited = checkpoints.close(); // before db.close(); resolves once the thread is gone
 * ```
 */
export class WalCheckpointer {
  readonly #file: string;
  readonly #every: number;
  #worker: Worker | undefined;
  #commits = 0;
  #messages = 0;
  #closed = false;
  #exited: Promise<void> = Promise.resolve();

  /** Takes over the checkpoints of `db`, open on `file` in WAL mode. */
  constructor(db: Database.Database, file: string, every = COMMITS_PER_CHECKPOINT) {
    this.#file = file;
    this.#every = every;
    db.pragma(`wal_autocheckpoint = ${FALLBACK_PAGES}`);
  }

  /** Counts a commit of `messages`; every `every`th, or every 1 000 messages, asks for a checkpoint. */
  committed(messages: number): void {
    if (this.#closed) return;
    this.#commits += 1;
    this.#messages += messages;
    if (this.#commits < this.#every && this.#messages < MESSAGES_PER_CHECKPOINT) return;
    this.#commits = 0;
    this.#messages = 0;
    this.#thread().postMessage('checkpoint');
  }

  /**
   * Ends the thread (it closes its connection first) and resolves once it has exited, so that nothing
   * writes the store's files after: a folder removed right after closing (tests, a reset) could fail
   * with ENOTEMPTY while the thread's last checkpoint still wrote. Idempotent.
   */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      const worker = this.#worker;
      this.#exited = worker === undefined ? Promise.resolve() : once(worker, 'exit').then(() => undefined);
      worker?.postMessage('close');
    }
    return this.#exited;
  }

  #thread(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    // No inherited flags: the thread needs no TypeScript loader or profiler, and starts in ~15 ms.
    const worker = new Worker(THREAD, {
      eval: true,
      execArgv: [],
      workerData: { driver, file: this.#file },
    });
    // A thread that failed leaves the checkpoints to the writer (FALLBACK_PAGES), never ends the process.
    worker.on('error', () => {});
    worker.unref();
    this.#worker = worker;
    return worker;
  }
}
