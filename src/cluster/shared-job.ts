import type { Logger } from 'pino';
import type { ScheduleChange, ScheduleView } from '../schedule/schedule-types.js';
import type { Scheduler } from '../schedule/scheduler.js';

/**
 * What the processes of a cluster keep of a job, by id: a runtime job's definition (config and code jobs
 * come from each process's own config file and code), whether it is paused, or that it was removed (so
 * that a process that was down when it happened does not bring it back).
 */
export interface SharedJob {
  readonly spec?: { id: string; cron: string; timezone?: string; room?: string; content: unknown };
  readonly paused: boolean;
  readonly removed?: true;
}

/** The shared form of a change made through this process's scheduler. */
export function toShared(change: ScheduleChange): SharedJob {
  const { job } = change;
  if (change.type === 'removed') return { paused: false, removed: true };
  if (job.origin !== 'api') return { paused: job.paused };
  return {
    spec: {
      id: job.id,
      cron: job.cron,
      ...(job.timezone === null ? {} : { timezone: job.timezone }),
      ...(job.room === null ? {} : { room: job.room }),
      content: job.content,
    },
    paused: job.paused,
  };
}

/**
 * Applies other processes' job changes to `scheduler`. `applying` is true meanwhile: the scheduler's own
 * `change` events for them must not be shared again.
 *
 * @example
 * ```ts
 * const applier = createJobApplier(scheduler, log);
 * scheduler.on('change', (change) => { if (!applier.applying) share(change); });
 * ```
 */
export function createJobApplier(
  scheduler: Scheduler,
  log: Logger,
): { apply(id: string, shared: SharedJob): void; readonly applying: boolean } {
  let applying = false;
  const find = (id: string): ScheduleView | undefined =>
    scheduler.list({ nextRunCount: 0 }).find((job) => job.id === id);
  return {
    get applying() {
      return applying;
    },
    apply(id, shared) {
      applying = true;
      try {
        const local = find(id);
        if (shared.removed) {
          if (local?.origin === 'api') scheduler.remove(id);
          return;
        }
        if (!local && shared.spec) scheduler.add(shared.spec);
        const current = find(id);
        if (current && current.paused !== shared.paused) {
          if (shared.paused) scheduler.pause(id);
          else scheduler.resume(id);
        }
      } catch (error) {
        log.warn({ err: (error as Error).message, job: id }, 'shared job change not applied');
      } finally {
        applying = false;
      }
    },
  };
}
