import { createAdapter } from '@socket.io/cluster-adapter';
import { setupWorker } from '@socket.io/sticky';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { IdempotencyStore } from '../http/idempotency-store.js';
import type { RelayIo } from '../relay/relay-io.js';
import type { RelayLifecycle } from '../relay/relay-lifecycle.js';
import type { Scheduler } from '../schedule/scheduler.js';
import type { WebhookDirectory } from '../webhooks/webhook-directory.js';
import { HubClient } from './hub-client.js';
import type { HubChannel } from './hub-messages.js';
import { HubWebhookDirectory } from './hub-webhook-directory.js';
import { shareJobsOverHub } from './share-jobs-over-hub.js';

/** What making a relay one worker of `relay serve --workers` needs of it. */
export interface WorkerClusterDeps {
  readonly io: RelayIo;
  readonly lifecycle: RelayLifecycle;
  readonly scheduler: Scheduler;
  readonly logger: Logger;
  /** This worker's registry, reported to the primary when a scrape asks for every worker's metrics. */
  readonly metricsRegistry: Registry;
  /** The IPC channel to the primary (`cluster.worker`). */
  readonly hub: HubChannel;
  /**
   * With `redisUrl`, the worker is a node of the Redis cluster (mountCluster does the rest) and only the
   * connections come from the primary here.
   */
  readonly settings: { readonly redisUrl?: string | undefined; readonly recoveryWindowMs: number };
}

/**
 * Makes a relay one worker of `relay serve --workers`, whose primary owns the port: `@socket.io/sticky`
 * hands this worker its connections (a polling client's requests all reach the worker of its session),
 * and, without Redis, socket.io's cluster adapter carries broadcasts between workers over IPC while the
 * primary keeps what they share (slot claims, idempotent answers, runtime jobs, webhook endpoints; see
 * PrimaryHub).
 *
 * `/metrics` answers for every worker (the primary sums their registries; see WorkerMetrics), with or
 * without Redis: a scrape reaches whichever worker its connection is handed to.
 *
 * The cluster adapter keeps no replay log, so connection state recovery does not work across workers
 * without Redis: a client that reconnects starts a new session (`socket.recovered` is false).
 *
 * @example
 * ```ts
 * const worker = mountWorkerCluster({ io, lifecycle: server, scheduler, logger, metricsRegistry, hub: cluster.worker, settings: config });
 * mountHttpApi({ ...deps, idempotencyStore: worker.idempotencyStore, scrapeMetrics: worker.scrapeMetrics });
 * ```
 */
export function mountWorkerCluster(deps: WorkerClusterDeps): {
  scrapeMetrics: () => Promise<string>;
  idempotencyStore?: IdempotencyStore;
  webhookDirectory?: WebhookDirectory;
} {
  const { io, settings } = deps;
  setupWorker(io as unknown as Parameters<typeof setupWorker>[0]);
  const hub = new HubClient(deps.hub);
  const scrapeMetrics = hub.shareMetrics(deps.metricsRegistry);
  // Last: calls of closing parts (a job's last claim) still get their answer.
  deps.lifecycle.onClose(() => hub.close());
  if (settings.redisUrl !== undefined) return { scrapeMetrics };
  const log = deps.logger.child({ part: 'workers' });
  io.adapter(createAdapter());
  if (settings.recoveryWindowMs > 0) {
    log.info('connection state recovery needs redisUrl across workers: reconnecting clients start anew');
  }
  deps.scheduler.coordinate(hub.slotClaim());
  shareJobsOverHub({ lifecycle: deps.lifecycle, scheduler: deps.scheduler }, hub, log);
  return {
    scrapeMetrics,
    idempotencyStore: hub.idempotencyStore(),
    webhookDirectory: new HubWebhookDirectory(hub),
  };
}
