import { Counter, Gauge, type Registry } from 'prom-client';
import type { JobRun } from './job-run.js';
import type { Scheduler, SkippedRun } from './scheduler.js';

/**
 * Adds the scheduler's Prometheus metrics to `registry` (the relay's `/metrics`):
 * `relay_schedule_runs_total{job,reason,outcome}`, `relay_schedule_skipped_total{job}` (overlap) and
 * `relay_schedule_jobs{origin,state}`. Returns the function that stops observing.
 *
 * @example
 * ```ts
 * const stop = observeScheduleMetrics(server.scheduler, api.metrics.registry);
 * ```
 */
export function observeScheduleMetrics(scheduler: Scheduler, registry: Registry): () => void {
  const runs = new Counter({
    name: 'relay_schedule_runs_total',
    help: 'Scheduled job runs, by job, reason (scheduled, catch-up, manual) and outcome (ok, failed).',
    labelNames: ['job', 'reason', 'outcome'],
    registers: [registry],
  });
  const skipped = new Counter({
    name: 'relay_schedule_skipped_total',
    help: 'Job slots skipped because the previous run of the job was still going, by job.',
    labelNames: ['job'],
    registers: [registry],
  });
  new Gauge({
    name: 'relay_schedule_jobs',
    help: 'Scheduled jobs, by origin (config, api, code) and state (active, paused, broken).',
    labelNames: ['origin', 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const job of scheduler.list({ nextRunCount: 0 })) {
        this.inc({ origin: job.origin, state: job.broken ? 'broken' : job.paused ? 'paused' : 'active' });
      }
    },
  });
  const onRun = (run: JobRun) => runs.inc({ job: run.jobId, reason: run.reason, outcome: run.outcome });
  const onSkipped = (skip: SkippedRun) => skipped.inc({ job: skip.jobId });
  scheduler.on('run', onRun);
  scheduler.on('skipped', onSkipped);
  return () => {
    scheduler.off('run', onRun);
    scheduler.off('skipped', onSkipped);
  };
}
