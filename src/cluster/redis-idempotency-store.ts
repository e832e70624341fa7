import type { IdempotencyStore, StoredAnswer } from '../http/idempotency-store.js';
import { RelayError } from '../relay/relay-error.js';

/** What {@link RedisIdempotencyStore} needs of a node-redis client. */
export interface IdempotencyRedis {
  /** When given and false, the store refuses at once instead of queueing commands until Redis is back. */
  readonly isReady?: boolean;
  get(key: string): Promise<string | null>;
  del(key: string): Promise<number>;
  pExpire(key: string, ms: number): Promise<number>;
  set(
    key: string,
    value: string,
    options: { condition: 'NX'; expiration: { type: 'PX'; value: number } },
  ): Promise<string | null>;
}

/**
 * The HTTP API's idempotency store in Redis, shared by every node of a cluster: a retry with the same
 * `Idempotency-Key` that reaches another node gets the first answer back instead of publishing again.
 * Answers are written with `SET NX PX`, so the first answer stays the answer and expires with the window;
 * a node running a request claims its key (`SET NX PX` too), so the same request reaching two nodes at
 * once runs on one and the other waits for its answer.
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
    this.#assertReady();
    const text = await this.#redis.get(this.#prefix + key);
    return text === null ? undefined : (JSON.parse(text) as StoredAnswer);
  }

  async set(key: string, answer: StoredAnswer, ttlMs: number): Promise<void> {
    await this.#redis.set(this.#prefix + key, JSON.stringify(answer), {
      condition: 'NX',
      expiration: { type: 'PX', value: ttlMs },
    });
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    this.#assertReady();
    const reply = await this.#redis.set(`${this.#prefix}claim:${key}`, '1', {
      condition: 'NX',
      expiration: { type: 'PX', value: ttlMs },
    });
    return reply === 'OK';
  }

  async extend(key: string, ttlMs: number): Promise<void> {
    this.#assertReady();
    await this.#redis.pExpire(`${this.#prefix}claim:${key}`, ttlMs);
  }

  async release(key: string): Promise<void> {
    this.#assertReady();
    await this.#redis.del(`${this.#prefix}claim:${key}`);
  }

  // While Redis is away, node-redis queues commands until it is back: a request with a key would hang for
  // the whole outage, where one without gets RELAY_ERR_NOT_READY at once. Refuse it the same way.
  #assertReady(): void {
    if (this.#redis.isReady === false) {
      throw new RelayError(
        'RELAY_ERR_NOT_READY',
        'Redis is unreachable, so Idempotency-Key cannot be checked',
      );
    }
  }
}
