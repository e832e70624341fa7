import type { StoredWebhook, WebhookDirectory } from '../webhooks/webhook-directory.js';
import type { HubClient } from './hub-client.js';

/**
 * The webhook endpoints the workers of `relay serve --workers` share, kept in their primary (as Redis
 * keeps them for a cluster): a change made on one worker is recorded there and the other workers list
 * the endpoints again. The primary keeps them in memory; each worker keeps a copy in its webhook store,
 * and the one whose store is a file (the lead) gives them back to a primary that restarted empty.
 *
 * @example
 * ```ts
 * mountWebhooks({ …, directory: new HubWebhookDirectory(hub) }); // mountWorkerCluster makes it
 * ```
 */
export class HubWebhookDirectory implements WebhookDirectory {
  readonly #hub: HubClient;

  constructor(hub: HubClient) {
    this.#hub = hub;
  }

  async list(): Promise<{ spec: unknown; createdAt: string }[]> {
    return Object.values(await this.#hub.call('webhooks'));
  }

  async put(webhook: StoredWebhook, limit: number): Promise<boolean> {
    return this.#hub.call('shareWebhook', webhook.spec.id, webhook, false, limit);
  }

  async remove(id: string): Promise<void> {
    await this.#hub.call('shareWebhook', id, null, false);
  }

  follow(changed: () => void): () => void {
    return this.#hub.onWebhooks(changed);
  }

  async adopt(own: readonly { spec: unknown; createdAt: string }[]): Promise<void> {
    for (const { spec, createdAt } of own) {
      const id = (spec as { id?: unknown } | null)?.id;
      // The registry checks the spec when it lists it; only the id matters here.
      if (typeof id === 'string') {
        // Endpoints this worker kept already counted against the limit when they were added.
        await this.#hub.call('shareWebhook', id, { spec, createdAt } as StoredWebhook, true);
      }
    }
  }
}
