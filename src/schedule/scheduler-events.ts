import type { SkippedRun } from './job-executor.js';
import type { JobRun } from './job-run.js';
import type { ScheduleView } from './schedule-view.js';

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
