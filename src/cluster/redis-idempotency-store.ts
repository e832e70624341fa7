import type { IdempotencyStore, StoredAnswer } from '../http/idempotency-store.js';

/** What {@link RedisIdempotencyStore} needs of a node-redis client. */
export interface IdempotencyRedis {
  get(key: string): Promise<string | null>;
  set(
    key: string,
    value: string,
    options: { condition: 'NX'; expiration: { type: 'PX'; value: number } },
  ): Promise<string | null>;
}

/**
 * The HTTP API's idempotency store in Redis, shared by every node of a cluster: a retry with the same
 * `Idempotency-Key` that reaches another node gets the first answer back instead of publishing again.
 * Answers are written with `SET NX PX`, so the first answer stays the answer and expires with the window.
 *
 * @example
 * ```ts
 * mountHttpApi(server, { idempotencyStore: new RedisIdempotencyStore(redisClient) });
 * ```
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  readonly #redis: IdempotencyRedis;
  readonly #prefix: string;

  constructor(redis: IdempotencyRedis, options: { prefix?: string } = {}) {
    this.#redis = redis;
    this.#prefix = options.prefix ?? 'relaykit:idempotency:';
  }

  async get(key: string): Promise<StoredAnswer | undefined> {
    const text = await this.#redis.get(this.#prefix + key);
    return text === null ? undefined : (JSON.parse(text) as StoredAnswer);
  }

  async set(key: string, answer: StoredAnswer, ttlMs: number): Promise<void> {
    await this.#redis.set(this.#prefix + key, JSON.stringify(answer), {
      condition: 'NX',
      expiration: { type: 'PX', value: ttlMs },
    });
  }
}
