import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { MessageContent, MessageMeta } from '../relay/events.js';
import type { Relay } from '../relay/relay.js';
import type { DeliveryListener, DeliverySettings } from './delivery-settings.js';
import { EarliestTimer } from './earliest-timer.js';
import { EndpointCounts } from './endpoint-counts.js';
import { type AttemptResult, postWebhook, WebhookAgents } from './post-webhook.js';
import { retryDelay } from './retry-delay.js';
import { WebhookAnswers } from './webhook-answer.js';
import type { WebhookEndpoint } from './webhook-endpoint.js';
import type { WebhookRegistry } from './webhook-registry.js';
import { signWebhook } from './webhook-signature.js';
import type { StoredDelivery, WebhookStore } from './webhook-store.js';

/** Longest wait, when the relay closes, for webhook attempts in flight to finish (ms). */
export const STOP_GRACE_MS = 2000;

/**
 * Sends matching messages to their endpoints through the durable queue, and publishes endpoints' answers.
 * Work in memory is bounded: at most `concurrency` attempts per endpoint are in flight, every other
 * delivery waits on disk, so a slow endpoint holds only its own slots and never the publish path.
 */
export class WebhookDispatcher {
  readonly #relay: Pick<Relay, 'observe' | 'publish'>;
  readonly #log: Logger;
  readonly #store: WebhookStore;
  readonly #registry: WebhookRegistry;
  readonly #settings: DeliverySettings;
  readonly #listener: DeliveryListener;
  readonly #agents: WebhookAgents;
  readonly #abort = new AbortController();
  readonly #counts = new EndpointCounts();
  readonly #running = new Set<Promise<void>>();
  readonly #answers: WebhookAnswers;
  readonly #stopObserving: () => void;
  readonly #timer = new EarliestTimer(() => this.#pump());
  #pumpQueued = false;
  #storeFailing = false;
  #started = false;
  #stopped = false;

  constructor(options: {
    readonly relay: Pick<Relay, 'observe' | 'publish'>;
    readonly logger: Logger;
    readonly store: WebhookStore;
    readonly registry: WebhookRegistry;
    readonly settings: DeliverySettings;
    readonly botRateLimit: { burst: number; perSecond: number } | false;
    readonly listener?: DeliveryListener;
  }) {
    this.#relay = options.relay;
    this.#log = options.logger;
    this.#store = options.store;
    this.#registry = options.registry;
    this.#settings = options.settings;
    this.#answers = new WebhookAnswers(options.relay, options.botRateLimit);
    // Each attempt in flight listens to the close signal: endpoints × concurrency, past Node's warning
    // threshold of 10 with three busy endpoints. (A DOM AbortSignal, as under happy-dom, has none.)
    try {
      setMaxListeners(0, this.#abort.signal);
    } catch {}
    this.#listener = options.listener ?? {};
    this.#agents = new WebhookAgents(options.settings.allowPrivateNetworks);
    for (const row of this.#store.depths()) {
      if (row.state !== 'dead') this.#counts.addQueued(row.endpointId, row.count);
    }
    this.#stopObserving = this.#relay.observe({
      published: (meta, content) => this.#published(meta, content),
    });
  }

  /** Starts sending: what the queue holds from before, then what comes. */
  start(): void {
    this.#started = true;
    this.#schedulePump();
  }

  /**
   * Stops taking deliveries off the queue and gives the attempts in flight up to `timeoutMs`, at most
   * {@link STOP_GRACE_MS}, to finish, so that an endpoint that answers is not sent the same delivery
   * again at the next start; attempts still running then are cut and go again at the next start (with
   * the same `webhook-id`). Messages published meanwhile are still queued, on disk. Idempotent.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    // Still observing: what bots and people publish while the relay closes is queued for the next start.
    this.#timer.clear();
    let grace: NodeJS.Timeout | undefined;
    const cut = new Promise<void>((resolve) => {
      grace = setTimeout(
        () => {
          this.#abort.abort();
          resolve();
        },
        Math.min(this.#settings.timeoutMs, STOP_GRACE_MS),
      );
    });
    await Promise.race([Promise.all([...this.#running]), cut]);
    clearTimeout(grace);
    await Promise.all([...this.#running]);
  }

  /** Stops at once: attempts in flight are cut and go again at the next start. Idempotent. */
  async close(): Promise<void> {
    this.#stopObserving();
    this.#abort.abort();
    await this.stop();
    this.#agents.close();
  }

  /** One signed attempt of a test message to `endpoint`, outside the queue; its answer is not published. */
  test(endpoint: WebhookEndpoint): Promise<AttemptResult> {
    const meta = {
      id: randomUUID(),
      from: { id: 'relaykit', name: 'relaykit', kind: 'system' },
      room: endpoint.rooms[0],
      at: new Date().toISOString(),
    };
    return this.#attempt(
      endpoint,
      `msg_${randomUUID()}`,
      JSON.stringify({ content: 'RelayKit webhook test', meta, test: true }),
    );
  }

  /** Queues the dead deliveries of `endpointId` again. */
  replay(endpointId: string): number {
    const count = this.#store.replay(endpointId, Date.now());
    this.#counts.addQueued(endpointId, count);
    this.#schedulePump();
    return count;
  }

  #published(meta: MessageMeta, content: MessageContent): void {
    // A private message (meta.to) is its user's only; its room is context, not an audience. A greeting
    // (the relay's own notice of a connection) is not the room's conversation, and the history does not
    // keep it either: posted, a client reconnecting in a loop would cost a delivery each time.
    if (meta.room === null || meta.to !== undefined || meta.from.kind === 'system') return;
    const endpoints = this.#registry.watching(meta.room);
    if (endpoints === undefined) return;
    let body: string | undefined;
    for (const endpoint of endpoints) {
      // An endpoint never hears its own answers; other bots' it does, and the hop limit ends their chains.
      if (meta.from.id === endpoint.botId || !endpoint.matches(content)) continue;
      body ??= JSON.stringify({ content, meta });
      this.#enqueue(endpoint, meta, body);
    }
  }

  #enqueue(endpoint: WebhookEndpoint, meta: MessageMeta, body: string): void {
    try {
      if (this.#counts.queued(endpoint.id) >= this.#settings.maxQueued) {
        this.#listener.delivery?.(endpoint.id, 'dropped');
        this.#noteFailure(
          endpoint,
          `queue full (webhooks.maxQueued: ${this.#settings.maxQueued}); message ${meta.id} dropped`,
        );
        return;
      }
      this.#store.enqueue({
        id: `msg_${randomUUID()}`,
        endpointId: endpoint.id,
        body,
        messageId: meta.id,
        room: meta.room,
        hops: meta.hops ?? 0,
        nextAt: Date.now(),
        createdAt: new Date().toISOString(),
      });
      this.#counts.addQueued(endpoint.id, 1);
    } catch (error) {
      // The message is out already: the publish path must not fail for a webhook.
      this.#noteFailure(endpoint, `queueing message ${meta.id} failed: ${(error as Error).message}`);
      return;
    }
    this.#schedulePump();
  }

  // Coalesced: a burst of messages takes deliveries off the queue once.
  #schedulePump(): void {
    if (this.#pumpQueued || !this.#started || this.#stopped) return;
    this.#pumpQueued = true;
    setImmediate(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  // Runs from timers: a store that fails (disk full, file gone) is logged once, and the next message or
  // timer tries again; it never throws into the event loop.
  #pump(): void {
    if (this.#stopped) return;
    try {
      const now = Date.now();
      const endpoints = this.#registry.list();
      for (const endpoint of endpoints) {
        const free = this.#settings.concurrency - this.#counts.inFlight(endpoint.id);
        if (free <= 0) continue;
        for (const delivery of this.#store.takeDue(endpoint.id, now, free)) this.#run(endpoint, delivery);
      }
      this.#counts.forgetRemoved(endpoints, (id) => this.#answers.forget(id));
      this.#armTimer();
      this.#storeFailing = false;
    } catch (error) {
      if (!this.#storeFailing) this.#log.error({ err: error }, 'webhook queue unreadable; deliveries wait');
      this.#storeFailing = true;
    }
  }

  // Only endpoints that can take a delivery count: a saturated one is pumped again as a slot frees, and
  // rows of endpoints no longer registered are never taken. Counting them armed a 0 ms timer that
  // found nothing to take and armed itself again, for as long as the backlog lasted.
  #armTimer(): void {
    let next: number | undefined;
    for (const endpoint of this.#registry.list()) {
      if (this.#counts.inFlight(endpoint.id) >= this.#settings.concurrency) continue;
      const at = this.#store.nextDueAt(endpoint.id);
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    if (next !== undefined) this.#timer.at(next);
  }

  #run(endpoint: WebhookEndpoint, delivery: StoredDelivery): void {
    this.#counts.started(endpoint.id);
    const running = this.#attempt(endpoint, delivery.id, delivery.body)
      .then((result) => this.#settle(endpoint, delivery, result))
      .catch((error: unknown) =>
        this.#log.error({ err: error, endpoint: endpoint.id }, 'webhook delivery failed'),
      )
      .finally(() => {
        this.#running.delete(running);
        this.#counts.finished(endpoint.id);
        this.#schedulePump();
      });
    this.#running.add(running);
  }

  #attempt(endpoint: WebhookEndpoint, id: string, body: string): Promise<AttemptResult> {
    return postWebhook({
      url: endpoint.url,
      body,
      headers: signWebhook({ secret: endpoint.secret, id, timestamp: new Date(), body }),
      limits: this.#settings,
      agents: this.#agents,
      signal: this.#abort.signal,
    });
  }

  #settle(endpoint: WebhookEndpoint, delivery: StoredDelivery, result: AttemptResult): void {
    if (this.#abort.signal.aborted && result.outcome !== 'delivered') {
      this.#store.release(delivery.id);
      return;
    }
    if (result.outcome === 'delivered') {
      // Marked delivered before the answer is published: a crash in between loses the answer rather than
      // sending the endpoint the same delivery twice.
      this.#store.delivered(delivery.id);
      this.#counts.addQueued(endpoint.id, -1);
      this.#listener.delivery?.(endpoint.id, 'ok');
      const failures = this.#counts.recovered(endpoint.id);
      if (failures !== undefined) {
        this.#log.info({ endpoint: endpoint.id, failures }, 'webhook endpoint recovered');
      }
      // An endpoint removed while its attempt ran no longer speaks in the relay.
      if (!this.#registry.has(endpoint.id)) return;
      const answered = this.#answers.publish(endpoint, delivery, result);
      if (answered) this.#listener.answer?.(endpoint.id, answered);
      return;
    }
    const attempts = delivery.attempts + 1;
    const dead = result.outcome === 'permanent' || attempts >= this.#settings.maxAttempts;
    const forgotten = this.#store.failed(
      delivery.id,
      result.error,
      dead ? undefined : Date.now() + retryDelay(attempts, this.#settings),
      this.#settings.maxDeadLetters,
    );
    for (let i = 0; i < forgotten; i++) this.#listener.delivery?.(endpoint.id, 'dead-letter-deleted');
    if (dead) this.#counts.addQueued(endpoint.id, -1);
    this.#listener.delivery?.(endpoint.id, dead ? 'dead-lettered' : 'failed');
    this.#noteFailure(
      endpoint,
      `${dead ? 'dead-lettered' : 'will retry'} after attempt ${attempts}: ${result.error}`,
    );
  }

  #noteFailure(endpoint: WebhookEndpoint, error: string): void {
    if (this.#counts.failed(endpoint.id) !== 1) return;
    // The origin only: a path or query can hold a credential (Slack-style URLs, ?token=).
    const url = URL.canParse(endpoint.url) ? new URL(endpoint.url).origin : '(not a URL)';
    this.#log.warn({ endpoint: endpoint.id, url, err: error }, 'webhook delivery failed');
  }
}
