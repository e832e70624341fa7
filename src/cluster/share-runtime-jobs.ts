import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { RelayLifecycle } from '../relay/relay-lifecycle.js';
import type { Scheduler } from '../schedule/scheduler.js';
import type { RedisLinks } from './redis-links.js';
import { createJobApplier, type SharedJob, toShared } from './shared-job.js';

const JOBS_KEY = 'relaykit:jobs';
const CHANNEL = 'relaykit:jobs';

/**
 * Shares runtime jobs (added over HTTP) and pauses between the nodes of a cluster: each change made on
 * one node is kept in a Redis hash and announced on a channel; the other nodes apply it to their own
 * scheduler and store. A node that starts, or whose Redis comes back, catches up from the hash (and puts
 * back the jobs a Redis restarted empty has lost). Every node then has every job, and slot claims make
 * each slot run once: a runtime job outlives the node that received it.
 *
 * @example
 * ```ts
 * shareRuntimeJobs({ lifecycle: server, scheduler }, links, logger); // mountCluster does it
 * ```
 */
export function shareRuntimeJobs(
  deps: { readonly lifecycle: RelayLifecycle; readonly scheduler: Scheduler },
  links: RedisLinks,
  log: Logger,
): void {
  const { scheduler } = deps;
  const node = randomUUID();
  // Changes this node applies from others must not be announced again.
  const applier = createJobApplier(scheduler, log);

  scheduler.on('change', (change) => {
    if (applier.applying) return;
    const id = change.job.id;
    const shared = JSON.stringify(toShared(change));
    links.client
      .hSet(JOBS_KEY, id, shared)
      .then(() => links.client.publish(CHANNEL, JSON.stringify({ node, id, shared })))
      .catch((error: unknown) =>
        log.warn({ err: (error as Error).message, job: id }, 'job change not shared with the cluster'),
      );
  });

  const reconcile = async () => {
    const all = await links.client.hGetAll(JOBS_KEY);
    for (const [id, text] of Object.entries(all)) applier.apply(id, JSON.parse(text) as SharedJob);
    for (const job of scheduler.list({ nextRunCount: 0 })) {
      if (job.origin === 'api' && !(job.id in all)) {
        await links.client.hSetNX(JOBS_KEY, job.id, JSON.stringify(toShared({ type: 'added', job })));
      }
    }
  };
  const catchUp = () =>
    reconcile().catch((error: unknown) =>
      log.warn({ err: (error as Error).message }, 'could not catch up on the cluster jobs'),
    );

  const subscriber = links.client.duplicate();
  // Announcements missed while Redis was away are in the hash: catch up on every reconnection.
  subscriber.on('ready', () => void catchUp());
  subscriber
    .connect()
    .then(() =>
      subscriber.subscribe(CHANNEL, (text) => {
        // A malformed message must not throw inside the Redis client's reply handling.
        try {
          const message = JSON.parse(text) as { node: string; id: string; shared: string };
          if (message.node !== node) applier.apply(message.id, JSON.parse(message.shared) as SharedJob);
        } catch (error) {
          log.warn({ err: (error as Error).message }, 'malformed cluster job message ignored');
        }
      }),
    )
    .catch((error: unknown) => log.error({ err: error }, 'could not follow the cluster jobs'));
  deps.lifecycle.onListen(async () => {
    scheduler.start(); // idempotent: the cluster's jobs go onto a started scheduler
    // With Redis away, listen() must not wait for it: the catch-up then runs once the subscriber is back.
    if (links.state.ready) await catchUp();
    else void catchUp();
  });
}
