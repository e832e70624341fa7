import { MemoryIdempotencyStore } from '../http/memory-idempotency-store.js';
import type { StoredWebhook } from '../webhooks/webhook-directory.js';
import { HUB_SOURCE, type HubCalls, isHubMessage } from './hub-messages.js';
import type { SharedJob } from './shared-job.js';
import { type MetricsWorkers, WorkerMetrics } from './worker-metrics.js';

/** How the hub reaches the workers; the primary of `relay serve --workers` passes node:cluster's. */
export type HubWorkers = MetricsWorkers;

/**
 * What the workers of one machine share, kept in their primary (the analogue of Redis for
 * `relay serve --workers` without `redisUrl`): cron slot claims, so that each slot runs on one worker;
 * idempotent HTTP answers and their claims, so that a retry reaching another worker is not published
 * twice; runtime jobs, so that every worker has every job; webhook endpoints added over the API, so that
 * every worker matches its messages against the same endpoints; and the workers' metrics, so that a
 * scrape reaching any worker answers for all of them (see WorkerMetrics). Everything is bounded: claims expire, answers
 * are bounded by `maxEntries` as in one process.
 *
 * @example
 * ```ts
 * const hub = new PrimaryHub({ workers, maxIdempotencyEntries: 10_000 });
 * cluster.on('message', (worker, message) => hub.receive(worker.id, message));
 * ```
 */
export class PrimaryHub {
  readonly #workers: HubWorkers;
  readonly #answers: MemoryIdempotencyStore;
  readonly #slots: ExpiringKeys;
  readonly #claims: ExpiringKeys;
  readonly #jobs = new Map<string, SharedJob>();
  // Webhook endpoints by id; null: removed, remembered so that a worker's store does not bring it back.
  readonly #webhooks = new Map<string, StoredWebhook | null>();
  readonly #maxRemovedWebhooks: number;
  #removedWebhooks = 0;
  readonly #metrics: WorkerMetrics;

  /** `maxClaims`: slot claims and request claims kept at most (each), the oldest forgotten first. */
  constructor(options: {
    workers: HubWorkers;
    maxIdempotencyEntries: number;
    maxClaims?: number;
    /** Removed webhook endpoints remembered at most, the oldest forgotten first. */
    maxRemovedWebhooks?: number;
    /** How long a scrape waits for each worker's metrics (ms); default 2 s. */
    metricsWaitMs?: number;
  }) {
    this.#workers = options.workers;
    this.#maxRemovedWebhooks = options.maxRemovedWebhooks ?? 10_000;
    this.#slots = new ExpiringKeys(options.maxClaims ?? 100_000);
    this.#claims = new ExpiringKeys(options.maxClaims ?? 100_000);
    this.#answers = new MemoryIdempotencyStore({ maxEntries: options.maxIdempotencyEntries });
    this.#metrics = new WorkerMetrics(options.workers, { waitMs: options.metricsWaitMs });
  }

  /** Handles one message from worker `workerId`; others' messages (sticky, adapter) are ignored. */
  receive(workerId: number, message: unknown): void {
    if (!isHubMessage(message)) return;
    if (message.kind === 'metricsReport') this.#metrics.report(workerId, message);
    if (message.kind !== 'call') return;
    const reply = (result: unknown) =>
      this.#workers.send(workerId, { source: HUB_SOURCE, kind: 'reply', id: message.id, result });
    this.#call(workerId, message.op, message.args).then(reply, (error: unknown) =>
      this.#workers.send(workerId, {
        source: HUB_SOURCE,
        kind: 'reply',
        id: message.id,
        error: (error as Error).message,
      }),
    );
  }

  async #call(workerId: number, op: keyof HubCalls, args: unknown[]): Promise<unknown> {
    const now = Date.now();
    switch (op) {
      case 'claimSlot':
        // A job paused on any worker runs on none, even one that has not applied the pause yet.
        if (this.#jobs.get(String(args[0]).split('\n')[0] as string)?.paused) return false;
        return this.#slots.take(String(args[0]), Number(args[1]), now);
      case 'idempotencyGet':
        return (await this.#answers.get(String(args[0]))) ?? null;
      case 'idempotencySet': {
        const [key, answer, ttlMs] = args as HubCalls['idempotencySet']['args'];
        // The first answer stays the answer, as with Redis' SET NX.
        if (!(await this.#answers.get(key))) await this.#answers.set(key, answer, ttlMs);
        // The claim stays until it expires, as in Redis: a worker waiting for this answer that claims
        // between its last look and now must fail, and then finds the answer.
        return null;
      }
      case 'idempotencyClaim':
        return this.#claims.take(String(args[0]), Number(args[1]), now, workerId);
      case 'idempotencyExtend':
        this.#claims.extend(String(args[0]), Number(args[1]), now, workerId);
        return null;
      case 'idempotencyRelease':
        this.#claims.release(String(args[0]), workerId);
        return null;
      case 'jobs':
        return Object.fromEntries(this.#jobs);
      case 'shareJob': {
        const [id, shared, force] = args as HubCalls['shareJob']['args'];
        if (!force && this.#jobs.has(id)) return null;
        this.#jobs.set(id, shared);
        for (const other of this.#workers.ids()) {
          if (other !== workerId) this.#workers.send(other, { source: HUB_SOURCE, kind: 'job', id, shared });
        }
        return null;
      }
      case 'webhooks': {
        const all: Record<string, StoredWebhook> = {};
        for (const [id, webhook] of this.#webhooks) if (webhook) all[id] = webhook;
        return all;
      }
      case 'shareWebhook': {
        const [id, webhook, ifUnknown, limit] = args as HubCalls['shareWebhook']['args'];
        if (ifUnknown && this.#webhooks.has(id)) return false;
        if (webhook !== null && limit !== undefined && !this.#webhooks.get(id) && this.#kept() >= limit) {
          return false;
        }
        this.#keepWebhook(id, webhook);
        for (const other of this.#workers.ids()) {
          if (other !== workerId) this.#workers.send(other, { source: HUB_SOURCE, kind: 'webhooks' });
        }
        return true;
      }
      case 'metrics':
        return this.#metrics.gather();
      default:
        throw new Error(`unknown hub call ${String(op)}`);
    }
  }

  // Endpoints kept now (removals are remembered as null).
  #kept(): number {
    return this.#webhooks.size - this.#removedWebhooks;
  }

  // Endpoints are bounded by webhooks.maxEndpoints (the limit of each add); removals here, oldest forgotten first.
  #keepWebhook(id: string, webhook: StoredWebhook | null): void {
    if (this.#webhooks.get(id) === null) this.#removedWebhooks -= 1;
    this.#webhooks.delete(id);
    this.#webhooks.set(id, webhook);
    if (webhook === null) this.#removedWebhooks += 1;
    for (const [old, entry] of this.#webhooks) {
      if (this.#removedWebhooks <= this.#maxRemovedWebhooks) break;
      if (entry === null) {
        this.#webhooks.delete(old);
        this.#removedWebhooks -= 1;
      }
    }
  }
}

// Keys taken until they expire, as Redis' SET NX PX: at most `max`, the oldest forgotten first. A key
// taken for an `owner` (a worker) is extended or released by that owner only, so a worker whose claim
// lapsed cannot keep or drop the claim another worker took since.
class ExpiringKeys {
  readonly #max: number;
  readonly #keys = new Map<string, { until: number; owner: number }>();

  constructor(max: number) {
    this.#max = max;
  }

  take(key: string, ttlMs: number, now: number, owner = 0): boolean {
    const taken = this.#keys.get(key);
    if (taken !== undefined && taken.until > now) return false;
    this.#keys.delete(key);
    this.#keys.set(key, { until: now + ttlMs, owner });
    // Mostly one TTL per kind of key: insertion order is nearly expiry order, so this stops early.
    for (const [old, { until }] of this.#keys) {
      if (this.#keys.size <= this.#max && until > now) break;
      this.#keys.delete(old);
    }
    return true;
  }

  // As PEXPIRE on a key still holding the owner's token: kept `ttlMs` more; expired, released or
  // another's, it is left alone.
  extend(key: string, ttlMs: number, now: number, owner: number): void {
    const taken = this.#keys.get(key);
    if (taken === undefined || taken.until <= now || taken.owner !== owner) return;
    this.#keys.delete(key);
    this.#keys.set(key, { until: now + ttlMs, owner });
  }

  release(key: string, owner: number): void {
    if (this.#keys.get(key)?.owner === owner) this.#keys.delete(key);
  }
}
