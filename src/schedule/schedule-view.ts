import type { MessageContent } from '../relay/events.js';
import type { JobRun } from './job-run.js';

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
