import type { Logger } from 'pino';
import { checkScheduleSpec, type ScheduleSpec } from './schedule-spec.js';
import type { StoredJob } from './schedule-store.js';
import { createBrokenJob, type ScheduledJob } from './scheduled-job.js';

/**
 * The store's runtime jobs as the scheduler runs them, each checked again like a new job (the file may
 * come from an older RelayKit, or have been edited). One that cannot be scheduled becomes a broken job
 * instead of failing the start: all of them are logged in one line. A stored job whose id a config-file or
 * code job has is left out (that one wins), and logged.
 *
 * @example
 * ```ts
 * for (const job of loadStoredJobs(store.listJobs(), { taken: jobs, make, log })) jobs.set(job.id, job);
 * ```
 */
export function loadStoredJobs(
  stored: readonly StoredJob[],
  options: {
    taken: ReadonlyMap<string, ScheduledJob>;
    make: (spec: ScheduleSpec) => ScheduledJob;
    log: Logger;
  },
): ScheduledJob[] {
  const { taken, make, log } = options;
  const jobs: ScheduledJob[] = [];
  for (const { fields, problem } of stored) {
    const present = taken.get(fields.id);
    if (present) {
      // A job added before start() is in the map already and is this one.
      if (present.origin !== 'api') {
        log.warn(
          { job: fields.id, origin: present.origin },
          'a job added over HTTP has the id of a job declared in the config file or by code; that one wins, the stored job stays inactive',
        );
      }
      continue;
    }
    const checked = problem === undefined ? checkScheduleSpec(fields) : undefined;
    jobs.push(
      checked?.ok ? make(checked.spec) : createBrokenJob(fields, checked?.problem ?? (problem as string)),
    );
  }
  const broken = jobs.filter((job) => job.broken !== undefined).map((job) => job.id);
  if (broken.length > 0) {
    log.warn(
      { jobs: broken.slice(0, 20), count: broken.length },
      'stored jobs that cannot be scheduled are listed as broken and never run: delete them and add them again, corrected',
    );
  }
  return jobs;
}
