/** What {@link UpcomingRuns} needs of a node-cron task: its next fire times after now. */
export interface NextRunSource {
  getNextRuns(count: number): Date[];
}

/**
 * The next fire times of one job, computed by node-cron once and kept. node-cron walks the calendar day by
 * day for each time (about 50 µs for a daily job, 1 ms for `0 0 29 2 1`, which fires every 28 years), so
 * listing 3 000 jobs with 50 times each took seconds at every request. The times still ahead are the
 * next ones whenever they are read; they are computed again only when fewer remain than asked for, that
 * is once the job has fired (or a longer list is asked for).
 *
 * @example
 * ```ts
 * const upcoming = new UpcomingRuns(task);
 * upcoming.next(3); // computed
 * upcoming.next(3); // the same Dates, from the cache, until the first of them has passed
 * ```
 */
export class UpcomingRuns {
  readonly #source: NextRunSource;
  #runs: Date[] = [];

  constructor(source: NextRunSource) {
    this.#source = source;
  }

  /** The next `count` fire times after `now` (epoch ms, default the clock). */
  next(count: number, now = Date.now()): Date[] {
    if (count <= 0) return [];
    const ahead = this.#runs.findIndex((run) => run.getTime() > now);
    if (ahead !== 0) this.#runs = ahead < 0 ? [] : this.#runs.slice(ahead);
    if (this.#runs.length < count) this.#runs = this.#source.getNextRuns(count);
    return this.#runs.slice(0, count);
  }
}
