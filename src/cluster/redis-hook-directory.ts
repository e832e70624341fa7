import type { Hook } from '../hooks/hook.js';
import type { HookDirectory } from '../hooks/hook-directory.js';
import type { RedisLink } from './redis-links.js';
import { whileRedisReachable } from './while-redis-reachable.js';

// Hooks by id (JSON), and hook ids by the SHA-256 of their keys: a delivery is two HGETs.
const HOOKS_KEY = 'relaykit:hooks';
const KEYS_KEY = 'relaykit:hooks:keys';

/**
 * The cluster's hooks, in Redis: every node reads them there at each delivery, so a hook added on one
 * node is reached on all, and a rotated or deleted key stops working on all at once (nothing is cached).
 * Keys are kept as their SHA-256 only, as in the SQLite store; a GitHub hook keeps its signing secret.
 * While Redis is unreachable, lookups and changes are refused with `RELAY_ERR_NOT_READY` (503: the
 * senders retry).
 *
 * @example
 * ```ts
 * mountHooks({ …, directory: new RedisHookDirectory(links.client) });
 * ```
 */
export class RedisHookDirectory implements HookDirectory {
  readonly #redis: RedisLink;

  constructor(redis: RedisLink) {
    this.#redis = redis;
  }

  async byKeyHash(keyHash: string): Promise<Hook | undefined> {
    const id = await this.#call(() => this.#redis.hGet(KEYS_KEY, keyHash));
    const hook = id === null ? undefined : await this.byId(id);
    // A rotation between the two reads: the hook no longer has this key.
    return hook?.keyHash === keyHash ? hook : undefined;
  }

  async byId(id: string): Promise<Hook | undefined> {
    const text = await this.#call(() => this.#redis.hGet(HOOKS_KEY, id));
    return text === null ? undefined : (JSON.parse(text) as Hook);
  }

  async list(): Promise<Hook[]> {
    const all = Object.values(await this.#call(() => this.#redis.hGetAll(HOOKS_KEY))).map(
      (text) => JSON.parse(text) as Hook,
    );
    return all.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async insert(hook: Hook): Promise<void> {
    await this.#call(() =>
      this.#redis
        .multi()
        .hSet(HOOKS_KEY, hook.id, JSON.stringify(hook))
        .hSet(KEYS_KEY, hook.keyHash, hook.id)
        .exec(),
    );
  }

  async rekey(old: Hook, next: Hook): Promise<void> {
    await this.#call(() =>
      this.#redis
        .multi()
        .hDel(KEYS_KEY, old.keyHash)
        .hSet(HOOKS_KEY, next.id, JSON.stringify(next))
        .hSet(KEYS_KEY, next.keyHash, next.id)
        .exec(),
    );
  }

  async remove(hook: Hook): Promise<void> {
    await this.#call(() => this.#redis.multi().hDel(HOOKS_KEY, hook.id).hDel(KEYS_KEY, hook.keyHash).exec());
  }

  // Commands would queue until Redis is back: a sender gets a 503 now instead of waiting, and a 503 too
  // when a command sent fails (the connection cut, Redis LOADING after a restart).
  #call<T>(run: () => Promise<T>): Promise<T> {
    return whileRedisReachable(this.#redis, 'hooks cannot be looked up or changed', run);
  }
}
