import { accessSync, constants, statSync } from 'node:fs';
import type { Logger } from 'pino';
import { RelayError } from '../relay/relay-error.js';

/**
 * SQLite's answers that mean the file cannot be used now (read-only, I/O error, disk full, locked by
 * another process, damaged or overwritten while the relay ran), as opposed to a bug or a constraint.
 */
export const SQLITE_UNAVAILABLE = /^SQLITE_(READONLY|IOERR|FULL|CANTOPEN|BUSY|CORRUPT|NOTADB)/;

/** How a store is named in the lines and errors of {@link StoreAvailability}. */
export interface StoreWording {
  /** e.g. `schedule store` */
  readonly name: string;
  /** What is refused during an episode, e.g. `changes to jobs are refused`. */
  readonly refused: string;
  /** What the error says of the refused write, e.g. `the change was not made`. */
  readonly notDone: string;
}

/**
 * Whether the file of an open SQLite store can still take writes that last, which SQLite does not
 * notice by itself: an open connection keeps writing to the file it opened, so a file deleted or
 * replaced while the relay runs loses every later write at the next start, and one made read-only
 * (`chmod`, `chattr +i`, a read-only remount) takes writes into its write-ahead log until the next start
 * fails. {@link check} compares the path with the file opened (device and inode) and asks for write
 * access: a few microseconds, done before each write and by `/readyz`.
 *
 * An episode of unavailability (from the first refused write until a write succeeds again) is logged
 * once at error and its end once at info, so that a failing store cannot flood the log.
 *
 * @example
 * ```ts
 * const wording = { name: 'schedule store', refused: 'changes to jobs are refused', notDone: 'the change was not made' };
 * const availability = new StoreAvailability('/srv/relay/schedules.db', logger, wording); // right after opening
 * const problem = availability.check(); // undefined, or e.g. 'the file was deleted while the relay ran'
 * if (problem) throw availability.refuse(problem);
 * ```
 */
export class StoreAvailability {
  readonly #path: string;
  readonly #wording: StoreWording;
  readonly #log: Logger | undefined;
  readonly #dev: number;
  readonly #ino: number;
  #unavailable: string | undefined;

  /**
   * Remembers which file `file` is now: make it right after the database opened the file. `wording`
   * names the store in its log lines and errors.
   */
  constructor(file: string, logger: Logger | undefined, wording: StoreWording) {
    const stat = statSync(file);
    this.#path = file;
    this.#wording = wording;
    this.#log = logger;
    this.#dev = stat.dev;
    this.#ino = stat.ino;
  }

  /** What keeps a write to the store from lasting now, or `undefined` when nothing does. */
  check(): string | undefined {
    let stat: ReturnType<typeof statSync>;
    try {
      stat = statSync(this.#path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return code === 'ENOENT'
        ? 'the file was deleted while the relay ran'
        : `the file cannot be looked up (${code})`;
    }
    if (stat.dev !== this.#dev || stat.ino !== this.#ino) {
      return 'the file was replaced by another while the relay ran';
    }
    try {
      // Also refuses root on an immutable file (chattr +i) or a read-only mount, which chmod does not.
      accessSync(this.#path, constants.W_OK);
    } catch (error) {
      return `the file is not writable (${(error as NodeJS.ErrnoException).code})`;
    }
    return undefined;
  }

  /** The error that refuses a write for `problem`; starts an episode (logged) if none is going on. */
  refuse(problem: string, cause?: unknown): RelayError {
    if (this.#unavailable === undefined) {
      this.#unavailable = problem;
      this.#log?.error(
        { code: 'RELAY_ERR_STORE_UNAVAILABLE', store: this.#path, problem },
        `${this.#wording.name} unavailable: ${this.#wording.refused} until it can be written again`,
      );
    }
    return new RelayError(
      'RELAY_ERR_STORE_UNAVAILABLE',
      // The path is in the log line above, not in what callers are told (a publish token, say).
      `${this.#wording.name}: ${problem}; ${this.#wording.notDone}`,
      cause === undefined ? undefined : { cause },
    );
  }

  /**
   * Runs a read or a write of the store: a write is refused first when the file cannot take it, and
   * ends the episode going on when it succeeds. An answer of SQLite that means the file cannot be used
   * ({@link SQLITE_UNAVAILABLE}) starts an episode and is thrown as `RELAY_ERR_STORE_UNAVAILABLE`;
   * other errors are thrown as they are.
   */
  guard<T>(kind: 'read' | 'write', work: () => T): T {
    const problem = kind === 'write' ? this.check() : undefined;
    if (problem !== undefined) throw this.refuse(problem);
    let result: T;
    try {
      result = work();
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? '');
      if (!SQLITE_UNAVAILABLE.test(code)) throw error;
      throw this.refuse(`SQLite answered ${code} (${(error as Error).message})`, error);
    }
    if (kind === 'write') this.recovered();
    return result;
  }

  /**
   * For `/readyz`: what keeps the store from being used now, if anything. The file may look fine and
   * still be unusable (overwritten in place, damaged): `read`, a cheap read, tells, whether or not a
   * write has failed yet; and not "until a write succeeds", since a node out of its load balancer's
   * rotation would get none. Unauthenticated callers read the answer: the path is only in the
   * episode's log line, which starts here when this finds the problem first.
   */
  health(read: () => unknown): string | undefined {
    let problem = this.check();
    if (problem === undefined) {
      try {
        read();
      } catch (error) {
        problem = `SQLite answered ${String((error as { code?: unknown }).code ?? (error as Error).message)}`;
      }
    }
    if (problem !== undefined) this.refuse(problem);
    return problem;
  }

  /** A write succeeded: ends the episode going on, if any. */
  recovered(): void {
    if (this.#unavailable === undefined) return;
    this.#log?.info({ store: this.#path, was: this.#unavailable }, `${this.#wording.name} writable again`);
    this.#unavailable = undefined;
  }
}
