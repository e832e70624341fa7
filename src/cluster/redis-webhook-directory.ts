import type { Logger } from 'pino';
import type { StoredWebhook, WebhookDirectory } from '../webhooks/webhook-directory.js';
import type { RedisLinks } from './redis-links.js';
import { whileRedisReachable } from './while-redis-reachable.js';

// Endpoints by id (JSON of { spec, createdAt }), and the channel that says they changed.
const WEBHOOKS_KEY = 'relaykit:webhooks';
const CHANNEL = 'relaykit:webhooks';
// A new endpoint is written only while the hash holds fewer than the limit: one step for every node.
const PUT_WITHIN_LIMIT = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1`;

/**
 * The cluster's outgoing-webhook endpoints, in Redis: a change made on one node is written to a hash and
 * announced on a channel, and every node lists the hash again (also when its Redis connection comes back,
 * for announcements it missed), so every node matches its own publishes against the same endpoints and
 * a message triggers each endpoint once, on the node it was published on. The endpoints' secrets are in
 * the hash (they sign every delivery). While Redis is unreachable, changes are refused with
 * `RELAY_ERR_NOT_READY` (503) and every node keeps matching against the endpoints it last listed.
 *
 * @example
 * ```ts
 * mountWebhooks({ …, directory: new RedisWebhookDirectory(links, logger) });
 * ```
 */
export class RedisWebhookDirectory implements WebhookDirectory {
  readonly #links: RedisLinks;
  readonly #log: Logger;

  constructor(links: RedisLinks, log: Logger) {
    this.#links = links;
    this.#log = log;
  }

  async list(): Promise<{ spec: unknown; createdAt: string }[]> {
    const all = await this.#call(() => this.#links.client.hGetAll(WEBHOOKS_KEY));
    const listed: { spec: unknown; createdAt: string }[] = [];
    for (const text of Object.values(all)) {
      // An entry that is not ours (written by hand) is skipped; the registry checks the others' specs.
      try {
        const entry = JSON.parse(text) as { spec?: unknown; createdAt?: unknown };
        if (typeof entry.createdAt === 'string')
          listed.push({ spec: entry.spec, createdAt: entry.createdAt });
      } catch {}
    }
    return listed.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async put(webhook: StoredWebhook, limit: number): Promise<boolean> {
    const { id } = webhook.spec;
    const kept: unknown = await this.#call(() =>
      this.#links.client.sendCommand([
        'EVAL',
        PUT_WITHIN_LIMIT,
        '1',
        WEBHOOKS_KEY,
        id,
        JSON.stringify(webhook),
        String(limit),
      ]),
    );
    if (kept !== 1) return false;
    await this.#call(() => this.#links.client.publish(CHANNEL, id));
    return true;
  }

  async remove(id: string): Promise<void> {
    await this.#call(() => this.#links.client.hDel(WEBHOOKS_KEY, id));
    await this.#call(() => this.#links.client.publish(CHANNEL, id));
  }

  follow(changed: () => void): () => void {
    const subscriber = this.#links.client.duplicate();
    // Announcements missed while Redis was away are in the hash: list again on every reconnection, of
    // the subscriber (it missed them) and of the main client (the listing runs on it, and is refused
    // until it is back).
    subscriber.on('ready', changed);
    this.#links.client.on('ready', changed);
    subscriber
      .connect()
      .then(() => subscriber.subscribe(CHANNEL, () => changed()))
      .then(changed)
      .catch((error: unknown) => {
        if (subscriber.isOpen) this.#log.error({ err: error }, 'could not follow the cluster webhooks');
      });
    return () => {
      this.#links.client.off('ready', changed);
      subscriber.destroy();
    };
  }

  // Commands would queue until Redis is back: a change is refused now instead of waiting, and refused
  // too when a command sent fails (the connection cut, Redis LOADING after a restart).
  #call<T>(run: () => Promise<T>): Promise<T> {
    return whileRedisReachable(this.#links.client, 'webhook endpoints cannot be listed or changed', run);
  }
}
