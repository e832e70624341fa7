import type { Logger } from 'pino';
import type { Relay } from '../relay/relay.js';
import type { ScheduleSpec } from './schedule-spec.js';

/** Settings of a {@link Scheduler}; `createRelayServer` passes the relay's. */
export interface SchedulerOptions {
  readonly relay: Pick<Relay, 'publish'>;
  readonly logger: Logger;
  /** SQLite file of the runtime jobs and last-run records; `:memory:` keeps nothing. */
  readonly store: string;
  /** Missed-run policy: a slot missed while the relay was down runs once at start if this recent (ms). */
  readonly missedRunGraceMs: number;
  readonly maxContentBytes: number;
  /** Jobs from the config file's `schedules`. */
  readonly declared?: readonly ScheduleSpec[];
}
