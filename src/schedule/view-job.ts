import type { JobState } from './schedule-store.js';
import type { ScheduleView } from './schedule-view.js';
import type { ScheduledJob } from './scheduled-job.js';

/**
 * A job as the API shows it, from its stored state (`undefined`: none, or the store is closing) and
 * with its next `nextRunCount` fire times unless paused, broken or `closing`.
 *
 * @example
 * ```ts
 * const view = viewJob(job, store.getState(job.id), { nextRunCount: 3, closing: false });
 * ```
 */
export function viewJob(
  job: ScheduledJob,
  state: JobState | undefined,
  options: { nextRunCount: number; closing: boolean },
): ScheduleView {
  const paused = state?.paused ?? false;
  return {
    id: job.id,
    cron: job.cron,
    timezone: job.timezone ?? null,
    room: job.room ?? null,
    content: job.content ?? null,
    origin: job.origin,
    owner: job.owner ?? null,
    paused,
    running: job.running !== undefined,
    nextRuns:
      paused || options.closing || !job.upcoming
        ? []
        : job.upcoming.next(options.nextRunCount).map((date) => date.toISOString()),
    lastRun: state?.lastRun ?? null,
    runs: state?.runs ?? 0,
    failures: state?.failures ?? 0,
    broken: job.broken ?? null,
  };
}
