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
