import type { WebhookEndpointSpec } from './webhook-endpoint.js';
import type { WebhookStore } from './webhook-store.js';

/** An endpoint added over the API, as a directory keeps it. */
export interface StoredWebhook {
  readonly spec: WebhookEndpointSpec;
  readonly createdAt: string;
}

/**
 * Where the endpoints added over the API live: this node's SQLite store ({@link LocalWebhookDirectory}),
 * or one every node of a cluster (Redis) or every worker of `relay serve --workers` (their primary)
 * shares, so that an endpoint added or removed anywhere is so everywhere. Each node matches its own
 * publishes against its copy, so a message triggers each endpoint once, on the node it was published on.
 */
export interface WebhookDirectory {
  /** Every endpoint kept here (`spec` as stored: the registry checks it again). */
  list(): Promise<{ spec: unknown; createdAt: string }[]>;
  /**
   * Keeps `webhook`, replacing one with the same id, unless it is new and the directory holds `limit`
   * endpoints already: answers whether it was kept. The count and the write are one step for every node
   * sharing the directory, so concurrent adds on several nodes cannot go past the limit together.
   */
  put(webhook: StoredWebhook, limit: number): Promise<boolean>;
  remove(id: string): Promise<void>;
  /**
   * Calls `changed` whenever the endpoints may have changed elsewhere (another node, a reconnection):
   * the registry then lists them again. Returns a function that stops following.
   */
  follow(changed: () => void): () => void;
  /**
   * Offers the endpoints this node's own store holds (its copy of the shared ones) at start, for a
   * directory that forgets them when all its nodes stop (the primary of `--workers`): each is kept
   * unless the directory knows its id already, removed ones included.
   */
  adopt?(own: readonly { spec: unknown; createdAt: string }[]): Promise<void>;
}

/** The endpoints of one node, in its webhook store; nothing changes them but this node. */
export class LocalWebhookDirectory implements WebhookDirectory {
  readonly #store: WebhookStore;

  constructor(store: WebhookStore) {
    this.#store = store;
  }

  async list(): Promise<{ spec: unknown; createdAt: string }[]> {
    return this.#store.listEndpoints();
  }

  async put(webhook: StoredWebhook, limit: number): Promise<boolean> {
    const kept = this.#store.listEndpoints();
    const known = kept.some(({ spec }) => (spec as { id?: unknown } | null)?.id === webhook.spec.id);
    if (!known && kept.length >= limit) return false;
    this.#store.addEndpoint(webhook.spec, webhook.createdAt);
    return true;
  }

  async remove(id: string): Promise<void> {
    this.#store.removeEndpoint(id);
  }

  follow(): () => void {
    return () => {};
  }
}
