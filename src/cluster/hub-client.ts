import type { Registry } from 'prom-client';
import type { IdempotencyStore, StoredAnswer } from '../http/idempotency-store.js';
import { RelayError } from '../relay/relay-error.js';
import type { SlotClaim } from '../schedule/schedule-types.js';
import { HUB_SOURCE, type HubCalls, type HubChannel, type HubOp, isHubMessage } from './hub-messages.js';
import type { SharedJob } from './shared-job.js';

// The primary answers from memory at once; a call this late means it is gone or stuck.
const CALL_TIMEOUT_MS = 5000;

/**
 * A worker's side of the {@link PrimaryHub}: calls answered by the primary over the IPC channel, and the
 * job changes it relays from the other workers. `close()` stops listening and fails calls still waiting.
 *
 * @example
 * ```ts
 * const hub = new HubClient(cluster.worker);
 * scheduler.coordinate(hub.slotClaim());
 * ```
 */
export class HubClient {
  readonly #channel: HubChannel;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #jobListeners = new Set<(id: string, shared: SharedJob) => void>();
  readonly #webhookListeners = new Set<() => void>();
  readonly #listener = (message: unknown) => this.#receive(message);
  #registry: Pick<Registry, 'getMetricsAsJSON'> | undefined;
  #nextId = 0;
  #closed = false;

  constructor(channel: HubChannel) {
    this.#channel = channel;
    channel.on('message', this.#listener);
  }

  /** Asks the primary; rejects with `RELAY_ERR_NOT_READY` when it does not answer in time. */
  call<Op extends HubOp>(op: Op, ...args: HubCalls[Op]['args']): Promise<HubCalls[Op]['result']> {
    if (this.#closed) {
      return Promise.reject(new RelayError('RELAY_ERR_SHUTTING_DOWN', 'this worker is closing'));
    }
    const id = ++this.#nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new RelayError('RELAY_ERR_NOT_READY', `the primary process did not answer ${op} in time`));
      }, CALL_TIMEOUT_MS);
      timer.unref();
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as HubCalls[Op]['result']);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.#channel.send({ source: HUB_SOURCE, kind: 'call', id, op, args });
    });
  }

  /** Calls `listener` with each job change another worker made. */
  onJob(listener: (id: string, shared: SharedJob) => void): void {
    this.#jobListeners.add(listener);
  }

  /** Calls `listener` whenever another worker changed the webhook endpoints; returns how to stop. */
  onWebhooks(listener: () => void): () => void {
    this.#webhookListeners.add(listener);
    return () => this.#webhookListeners.delete(listener);
  }

  /** Each cron slot runs on the first worker to claim it in the primary, which keeps it `keepMs`. */
  slotClaim(): SlotClaim {
    return (jobId, slot, keepMs) => this.call('claimSlot', `${jobId}\n${slot.getTime()}`, keepMs);
  }

  /** Idempotent HTTP answers kept in the primary: a retry reaching another worker gets the first answer. */
  idempotencyStore(): IdempotencyStore {
    return {
      get: async (key): Promise<StoredAnswer | undefined> =>
        (await this.call('idempotencyGet', key)) ?? undefined,
      set: async (key, answer, ttlMs) => {
        await this.call('idempotencySet', key, answer, ttlMs);
      },
      claim: (key, ttlMs) => this.call('idempotencyClaim', key, ttlMs),
      extend: async (key, ttlMs) => {
        await this.call('idempotencyExtend', key, ttlMs);
      },
      release: async (key) => {
        await this.call('idempotencyRelease', key);
      },
    };
  }

  /**
   * Answers the primary's asks for this worker's metrics with `registry`'s, and answers `/metrics` for every
   * worker: the text the primary sums from all of them.
   */
  shareMetrics(registry: Pick<Registry, 'getMetricsAsJSON'>): () => Promise<string> {
    this.#registry = registry;
    return () => this.call('metrics');
  }

  /** Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#channel.off('message', this.#listener);
    for (const waiter of this.#pending.values()) {
      waiter.reject(new RelayError('RELAY_ERR_SHUTTING_DOWN', 'this worker is closing'));
    }
    this.#pending.clear();
  }

  #receive(message: unknown): void {
    if (!isHubMessage(message)) return;
    if (message.kind === 'reply') {
      const waiter = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.error === undefined) waiter?.resolve(message.result);
      else waiter?.reject(new Error(message.error));
    } else if (message.kind === 'job') {
      for (const listener of this.#jobListeners) listener(message.id, message.shared);
    } else if (message.kind === 'webhooks') {
      for (const listener of this.#webhookListeners) listener();
    } else if (message.kind === 'metricsAsk') {
      this.#reportMetrics(message.id);
    }
  }

  #reportMetrics(id: number): void {
    const registry = this.#registry;
    if (registry === undefined) return;
    const send = (report: { metrics?: unknown; error?: string }) => {
      if (this.#closed) return;
      try {
        this.#channel.send({ source: HUB_SOURCE, kind: 'metricsReport', id, ...report });
      } catch {
        // The channel closed as the worker exits: the primary counts it as unanswered.
      }
    };
    registry.getMetricsAsJSON().then(
      (metrics) => send({ metrics }),
      (error: unknown) => send({ error: error instanceof Error ? error.message : String(error) }),
    );
  }
}
