import type { Logger } from 'pino';
import type { ScheduledJob } from './scheduled-job.js';

/**
 * Destroys a job's node-cron task for good. node-cron's `destroy()` may return a promise (background
 * tasks) that rejects: the failure is logged, never an unhandled rejection (which ends Node 20).
 *
 * @example
 * ```ts
 * destroyTask(job, log); // the job's slots stop now
 * ```
 */
export function destroyTask(job: ScheduledJob, log: Logger): void {
  if (!job.task) return;
  Promise.resolve(job.task.destroy()).catch((error: unknown) =>
    log.warn({ job: job.id, err: error }, 'stopping the job timer failed'),
  );
}
