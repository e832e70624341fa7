import type { Logger } from 'pino';
import type { Relay } from '../relay/relay.js';
import type { ScheduleSpec } from './schedule-spec.js';

/** The default of `scheduler.maxJobs`: how many jobs may be added over the API (kept in the store). */
export const DEFAULT_MAX_JOBS = 500;

/** Settings of a {@link Scheduler}; `createRelayServer` passes the relay's. */
export interface SchedulerOptions {
  readonly relay: Pick<Relay, 'publish'>;
  readonly logger: Logger;
  /** SQLite file of the runtime jobs and last-run records; `:memory:` keeps nothing. */
  readonly store: string;
  /** Missed-run policy: a slot missed while the relay was down runs once at start if this recent (ms). */
  readonly missedRunGraceMs: number;
  readonly maxContentBytes: number;
  /**
   * Most runtime jobs (added with `add`, over HTTP, kept in the store) at once; one more is
   * `RELAY_ERR_TOO_MANY_SCHEDULES`. Config-file and code jobs do not count. Default {@link DEFAULT_MAX_JOBS}.
   */
  readonly maxJobs?: number;
  /** Jobs from the config file's `schedules`. */
  readonly declared?: readonly ScheduleSpec[];
}
