import { createTask, validateDetailed } from 'node-cron';
import { RelayError } from '../relay/relay-error.js';

/**
 * Checks an IANA time zone name (`Europe/Paris`, `America/New_York`, `UTC`) against the zones this Node.js
 * knows. Returns what is wrong, or `undefined` when the zone is known.
 *
 * @example
 * ```ts
 * checkTimeZone('Europe/Paris'); // undefined
 * checkTimeZone('Mars/Olympus'); // 'unknown time zone "Mars/Olympus" …'
 * ```
 */
export function checkTimeZone(zone: string): string | undefined {
  try {
    // Throws a RangeError for names outside the IANA database node-cron also resolves zones with.
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `unknown time zone "${zone}"; use an IANA name such as "Europe/Paris", "America/New_York" or "UTC"`;
  }
}

const FIELD_NAMES: Readonly<Record<string, string>> = {
  second: 'seconds field',
  minute: 'minutes field',
  hour: 'hours field',
  dayOfMonth: 'day-of-month field',
  month: 'month field',
  dayOfWeek: 'day-of-week field',
};

// node-cron's messages quote the field they refuse, which can be most of the expression.
const shortened = (message: string) => (message.length > 160 ? `${message.slice(0, 159)}…` : message);

/** The longest cron expression a job may have. */
export const MAX_CRON_LENGTH = 1024;

/**
 * The one check of a cron expression, wherever a job comes from (config file, HTTP API, `Scheduler.every`,
 * bots' `bot.every`, the store at start-up): node-cron's own parser (5 fields, or 6 with seconds first,
 * `*\/10 * * * * *`), then its next fire time in `timezone` (default: the process's zone), so that an
 * expression node-cron parses but that never matches a time (`0 0 31 * 1#1`: node-cron fires only when the
 * day of month and the day of week both match) is refused too. Returns what is wrong, naming the cron
 * field, or `undefined` when the expression fires.
 *
 * @example
 * ```ts
 * checkCron('0 9 * * 1-5'); // undefined
 * checkCron('61 * * * *'); // 'minutes field: 61 is a invalid expression for minute'
 * checkCron('0 0 31 * 1#1'); // 'never matches: …'
 * ```
 */
export function checkCron(expression: string, options: { timezone?: string } = {}): string | undefined {
  if (expression.trim() === '') return 'is empty; expected 5 fields, or 6 with seconds first';
  // Longer than any real expression (six lists of every value, by name where names exist, are ~560
  // characters): node-cron's messages repeat what they were given, and parsing is not free.
  if (expression.length > MAX_CRON_LENGTH) return `is longer than ${MAX_CRON_LENGTH} characters`;
  const { valid, errors } = validateDetailed(expression);
  const first = errors[0];
  if (!valid || first) {
    if (!first) return 'is not a cron expression node-cron accepts';
    const field = FIELD_NAMES[first.field];
    return field ? `${field}: ${shortened(first.message)}` : shortened(first.message);
  }
  const { timezone } = options;
  const zoneProblem = timezone === undefined ? undefined : checkTimeZone(timezone);
  if (zoneProblem) return zoneProblem;
  // The detailed validation and task creation are separate code paths in node-cron; only an expression
  // both accept can be scheduled.
  let task: ReturnType<typeof createTask>;
  try {
    task = createTask(expression, () => undefined, timezone === undefined ? {} : { timezone });
  } catch (error) {
    return shortened((error as Error).message);
  }
  try {
    // node-cron searches 100 years ahead and throws when no time matches: a task started on such an
    // expression throws from its timer, a listing of its next runs throws.
    task.getNextRuns(1);
    return undefined;
  } catch {
    return `never matches: no time in the next 100 years${timezone === undefined ? '' : ` (in ${timezone})`} fits every field; node-cron fires only when the day of month and the day of week both match`;
  } finally {
    task.destroy();
  }
}

/**
 * The next `count` times `cron` fires after now, in `timezone` (default: the process's zone), computed by
 * node-cron itself so that they are the times a job would really run, daylight-saving changes included.
 * Throws `RELAY_ERR_INVALID_SCHEDULE` for a bad expression or zone.
 *
 * @example
 * ```ts
 * nextRuns('0 9 * * 1-5', { timezone: 'Europe/Paris', count: 3 }); // three Dates, 09:00 Paris time
 * ```
 */
export function nextRuns(
  cron: string,
  options: { timezone?: string | undefined; count?: number } = {},
): Date[] {
  const zoneProblem = options.timezone === undefined ? undefined : checkTimeZone(options.timezone);
  if (zoneProblem) throw new RelayError('RELAY_ERR_INVALID_SCHEDULE', `timezone: ${zoneProblem}`);
  const cronProblem = checkCron(cron, options.timezone === undefined ? {} : { timezone: options.timezone });
  if (cronProblem) throw new RelayError('RELAY_ERR_INVALID_SCHEDULE', `cron "${cron}": ${cronProblem}`);
  const task = createTask(cron, () => undefined, options.timezone ? { timezone: options.timezone } : {});
  try {
    return task.getNextRuns(options.count ?? 5);
  } finally {
    task.destroy();
  }
}

/**
 * What {@link lastSlot} needs of a node-cron task: whether a given second is one of its slots, and
 * node-cron's own walk to the next slot after a date (its task's `timeMatcher`, node-cron 4).
 */
export interface SlotMatcher {
  match(date: Date): boolean;
  readonly timeMatcher?: { readonly timezone?: string; getNextMatch(date: Date): Date };
}

// The zone's UTC offset at `ms`, e.g. `GMT+01:00`.
// One formatter a zone, made once: making one costs more than using it, twice a job at every start.
const offsetFormats = new Map<string | undefined, Intl.DateTimeFormat>();
function offsetAt(zone: string | undefined, ms: number): string {
  let format = offsetFormats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    offsetFormats.set(zone, format);
  }
  return format.formatToParts(ms).find((part) => part.type === 'timeZoneName')?.value ?? '';
}

// Seconds looked at one by one before walking slot to slot: a job that fires every few seconds is
// found there, and one that fires rarely (a daily stand-up) costs a few checks, not one per second.
const RECENT_SECONDS = 5;

/**
 * The latest cron slot `s` with `after < s <= until` (epoch ms), or `undefined`. Used for the missed-run
 * policy at start, for every job: the last few seconds are checked one by one, then node-cron walks from
 * `after` slot to slot, so a daily job costs ~6 checks and an every-minute job in an hour's window 60,
 * instead of one check per second of the window (3 600 for an hour, ~20 µs each, for every job), near a
 * change of the zone's offset (daylight-saving time) too.
 *
 * @example
 * ```ts
 * lastSlot(task, Date.now() - 60_000, Date.now()); // the last slot of the past minute, if any
 * ```
 */
export function lastSlot(matcher: SlotMatcher, after: number, until: number): Date | undefined {
  const top = Math.floor(until / 1000) * 1000;
  const scanned = Math.max(after, top - RECENT_SECONDS * 1000);
  for (let second = top; second > scanned; second -= 1000) {
    const date = new Date(second);
    if (matcher.match(date)) return date;
  }
  if (scanned === after) return undefined;
  const walker = matcher.timeMatcher;
  if (walker === undefined) {
    for (let second = scanned; second > after; second -= 1000) {
      const date = new Date(second);
      if (matcher.match(date)) return date;
    }
    return undefined;
  }
  // node-cron walks local times and turns each into an instant: a local time of a repeated hour (clocks
  // going back) into one of its two instants (which one varies), one of a skipped hour into some other
  // time, and a local time already passed before the clocks went back is not walked again. Near a
  // change of the zone's offset, the walk starts one change earlier, and each slot it gives is checked,
  // with the other instant its local time may have, one change earlier or later.
  const zone = walker.timezone;
  const before = offsetMs(zone, after - 3_600_000);
  const changes = before !== offsetMs(zone, until + 3_600_000);
  const back = Math.max(0, before - offsetMs(zone, until + 3_600_000));
  let found: number | undefined;
  const consider = (ms: number) => {
    if (ms > after && ms <= scanned && (found === undefined || ms > found) && matcher.match(new Date(ms))) {
      found = ms;
    }
  };
  // Slots in (after, scanned]: the last of them. Bounded by the seconds of the window, as a scan was.
  let cursor = new Date(after - back);
  for (let steps = (scanned - after + back) / 1000 + 1; steps > 0; steps -= 1) {
    const slot = walker.getNextMatch(cursor);
    const ms = slot.getTime();
    if (ms <= cursor.getTime()) break;
    if (!changes) {
      if (ms > scanned) break;
      found = ms;
    } else {
      if (back > 0) consider(ms - back);
      if (ms > scanned + back) break;
      consider(ms);
      if (back > 0) consider(ms + back);
    }
    cursor = slot;
  }
  return found === undefined ? undefined : new Date(found);
}

// The zone's UTC offset at `ms`, in ms (`GMT+05:30` is 19 800 000).
function offsetMs(zone: string | undefined, ms: number): number {
  const match = /GMT([+-])(\d\d):(\d\d)/.exec(offsetAt(zone, ms));
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return (match[1] === '-' ? -minutes : minutes) * 60_000;
}

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
