import { randomUUID } from 'node:crypto';
import type { IdempotencyStore, StoredAnswer } from '../http/idempotency-store.js';
import { whileRedisReachable } from './while-redis-reachable.js';

// A claim is extended or deleted only by the node whose token it still holds: one whose claim lapsed
// (Redis away longer than the claim) must not keep or drop the claim another node took since.
const EXTEND_OWN = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
const DELETE_OWN = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/** What {@link RedisIdempotencyStore} needs of a node-redis client. */
export interface IdempotencyRedis {
  /** When given and false, the store refuses at once instead of queueing commands until Redis is back. */
  readonly isReady?: boolean;
  get(key: string): Promise<string | null>;
  sendCommand(args: string[]): Promise<unknown>;
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
  // The token of each claim this node holds now, by key: only the holder extends or releases a claim.
  readonly #tokens = new Map<string, string>();

  constructor(redis: IdempotencyRedis, options: { prefix?: string } = {}) {
    this.#redis = redis;
    this.#prefix = options.prefix ?? 'relaykit:idempotency:';
  }

  async get(key: string): Promise<StoredAnswer | undefined> {
    const text = await this.#call(() => this.#redis.get(this.#prefix + key));
    return text === null ? undefined : (JSON.parse(text) as StoredAnswer);
  }

  async set(key: string, answer: StoredAnswer, ttlMs: number): Promise<void> {
    // The claim stays until it expires (a node that looked before the answer must fail to claim), but
    // this node is done with it.
    this.#tokens.delete(key);
    await this.#call(() =>
      this.#redis.set(this.#prefix + key, JSON.stringify(answer), {
        condition: 'NX',
        expiration: { type: 'PX', value: ttlMs },
      }),
    );
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const token = randomUUID();
    const reply = await this.#call(() =>
      this.#redis.set(this.#claimKey(key), token, {
        condition: 'NX',
        expiration: { type: 'PX', value: ttlMs },
      }),
    );
    if (reply !== 'OK') return false;
    this.#tokens.set(key, token);
    return true;
  }

  async extend(key: string, ttlMs: number): Promise<void> {
    const token = this.#tokens.get(key);
    if (token === undefined) return;
    const kept = await this.#call(() =>
      this.#redis.sendCommand(['EVAL', EXTEND_OWN, '1', this.#claimKey(key), token, String(ttlMs)]),
    );
    // Lapsed (Redis was away too long): another node may hold it now, and this one no longer does.
    if (kept !== 1) this.#tokens.delete(key);
  }

  async release(key: string): Promise<void> {
    const token = this.#tokens.get(key);
    this.#tokens.delete(key);
    if (token === undefined) return;
    await this.#call(() => this.#redis.sendCommand(['EVAL', DELETE_OWN, '1', this.#claimKey(key), token]));
  }

  #claimKey(key: string): string {
    return `${this.#prefix}claim:${key}`;
  }

  // While Redis is away, node-redis queues commands until it is back: a request with a key would hang for
  // the whole outage, where one without gets RELAY_ERR_NOT_READY at once. Refused the same way, and so is
  // a command that fails once sent (the connection cut, Redis LOADING after a restart).
  #call<T>(run: () => Promise<T>): Promise<T> {
    return whileRedisReachable(this.#redis, 'Idempotency-Key cannot be checked', run);
  }
}
