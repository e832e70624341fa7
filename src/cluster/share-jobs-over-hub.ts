import type { Logger } from 'pino';
import type { RelayLifecycle } from '../relay/relay-lifecycle.js';
import type { Scheduler } from '../schedule/scheduler.js';
import type { HubClient } from './hub-client.js';
import { createJobApplier, toShared } from './shared-job.js';

/**
 * Shares runtime jobs (added over HTTP) and pauses between the workers of `relay serve --workers`, as
 * `shareRuntimeJobs` does between Redis nodes: each change is recorded in the primary and relayed to the
 * other workers; a worker that starts catches up from the primary, and adds what its own store holds
 * that the primary does not know (the worker with the store file, after a restart of them all): its
 * runtime jobs, and its paused config and code jobs.
 *
 * @example
 * ```ts
 * shareJobsOverHub({ lifecycle: server, scheduler }, hub, logger); // mountWorkerCluster does it
 * ```
 */
export function shareJobsOverHub(
  deps: { readonly lifecycle: RelayLifecycle; readonly scheduler: Scheduler },
  hub: HubClient,
  log: Logger,
): void {
  const { scheduler } = deps;
  const applier = createJobApplier(scheduler, log);
  const warn = (id: string) => (error: unknown) =>
    log.warn({ err: (error as Error).message, job: id }, 'job change not shared with the other workers');
  scheduler.on('change', (change) => {
    if (applier.applying) return;
    const { id } = change.job;
    hub.call('shareJob', id, toShared(change), true).catch(warn(id));
  });
  hub.onJob((id, shared) => applier.apply(id, shared));
  deps.lifecycle.onListen(async () => {
    scheduler.start(); // idempotent: the shared jobs go onto a started scheduler
    const all = await hub.call('jobs');
    for (const [id, shared] of Object.entries(all)) applier.apply(id, shared);
    // The worker with the store file knows what the primary forgot in a restart of them all: runtime jobs,
    // and pauses of config and code jobs (the other workers start with those unpaused).
    for (const job of scheduler.list({ nextRunCount: 0 })) {
      if (job.id in all || (job.origin !== 'api' && !job.paused)) continue;
      const type = job.origin === 'api' ? 'added' : 'paused';
      await hub.call('shareJob', job.id, toShared({ type, job }), false);
    }
  });
}
