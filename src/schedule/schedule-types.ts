import type { Logger } from 'pino';
import type { MessageContent } from '../relay/events.js';
import type { Relay } from '../relay/relay.js';
import type { ScheduleSpec } from './schedule-spec.js';

/** Why a job ran: its cron slot, a catch-up after downtime (see the missed-run policy), or run-now. */
export type RunReason = 'scheduled' | 'catch-up' | 'manual';

/**
 * The record of one run of a job; the last one of each job is kept in the schedule store and shown by
 * `GET /v1/schedules`.
 */
export interface JobRun {
  readonly jobId: string;
  readonly reason: RunReason;
  /** The cron slot the run was for (ISO 8601); `null` for a manual run. */
  readonly scheduledFor: string | null;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly outcome: 'ok' | 'failed';
  /** Id of the published message, when the run published one. */
  readonly messageId?: string;
  /** Why the run failed: a RelayError code (e.g. `RELAY_ERR_SHUTTING_DOWN`) and message. */
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * Where a job comes from: the config file's `schedules` (`config`), `POST /v1/schedules` (`api`, kept in the
 * store), or code such as a bot's `bot.every(...)` (`code`, lives as long as its owner).
 */
export type JobOrigin = 'config' | 'api' | 'code';

/** A job as `GET /v1/schedules` and `Scheduler.list()` show it. */
export interface ScheduleView {
  readonly id: string;
  readonly cron: string;
  /** IANA zone of the expression; `null`: the relay process's zone. */
  readonly timezone: string | null;
  /** Room the job announces to; `null`: every client (or, for code jobs, wherever their code sends). */
  readonly room: string | null;
  /** What the job publishes; `null` for code jobs, whose handler decides. */
  readonly content: MessageContent | null;
  readonly origin: JobOrigin;
  /** The bot or component that owns a code job. */
  readonly owner: string | null;
  readonly paused: boolean;
  /** True while a run is in progress (runs never overlap). */
  readonly running: boolean;
  /** The next fire times (ISO 8601); empty while paused or broken. */
  readonly nextRuns: string[];
  readonly lastRun: JobRun | null;
  readonly runs: number;
  readonly failures: number;
  /**
   * Why a stored job cannot be scheduled (its cron never fires, it is garbled, its content is not JSON);
   * `null` for every job that can. A broken job never runs; delete it and add it again, corrected.
   */
  readonly broken: string | null;
}

/** Events of a {@link Scheduler}: the metrics and observability hook. */
export interface SchedulerEvents {
  run: [run: JobRun];
  skipped: [skipped: SkippedRun];
  change: [change: ScheduleChange];
}

/** A job added, removed, paused or resumed through this scheduler: what the nodes of a cluster share. */
export interface ScheduleChange {
  readonly type: 'added' | 'removed' | 'paused' | 'resumed';
  readonly job: ScheduleView;
}

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
  /** Jobs of the config file, already checked (parseRelayConfig does it). */
  readonly declared?: readonly ScheduleSpec[];
}

/**
 * Decides whether this node runs a cron slot of a job; `true` for exactly one node of a cluster (see
 * {@link Scheduler.coordinate}). `keepMs`: how long the claim must be remembered, from now. A node that
 * was down at the slot may still claim it for its catch-up as late as `missedRunGraceMs` after it, so a
 * claim forgotten sooner would let that node announce the slot a second time.
 */
export type SlotClaim = (jobId: string, slot: Date, keepMs: number) => Promise<boolean>;

/** A run the scheduler did not start: its previous run was still going, so runs never overlap. */
export interface SkippedRun {
  readonly jobId: string;
  readonly scheduledFor: string;
  readonly reason: 'overlap';
}
