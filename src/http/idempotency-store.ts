/** The first answer to a request with an `Idempotency-Key`, kept for its retries. */
export interface StoredAnswer {
  /** A hash of what was asked (method, path, body): a key reused for another request is refused. */
  readonly fingerprint: string;
  readonly status: number;
  readonly body: unknown;
}

/**
 * Where idempotent answers are kept. The relay uses {@link MemoryIdempotencyStore}; a shared store (e.g.
 * Redis with `SET key value PX ttl`) lets every node of a cluster answer a retry that reaches another node.
 *
 * @example
 * ```ts
 * const store: IdempotencyStore = {
 *   async get(key) { const text = await redis.get(key); return text ? JSON.parse(text) : undefined; },
 *   async set(key, answer, ttlMs) { await redis.set(key, JSON.stringify(answer), { PX: ttlMs }); },
 * };
 * mountHttpApi(server, { idempotencyStore: store });
 * ```
 */
export interface IdempotencyStore {
  get(key: string): Promise<StoredAnswer | undefined>;
  /** Keeps `answer` under `key` for `ttlMs` milliseconds (a store may forget it sooner when full). */
  set(key: string, answer: StoredAnswer, ttlMs: number): Promise<void>;
  /**
   * For stores shared by several nodes: takes `key` for `ttlMs` while this node runs the request, so that
   * the same request arriving at another node at the same moment waits for its answer instead of running
   * too. Resolves `false` when another node holds it. A store of one process needs none.
   */
  claim?(key: string, ttlMs: number): Promise<boolean>;
  /**
   * Keeps a key this node claimed for `ttlMs` more, while its request still runs (a slow scheduled
   * run): without it, a claim outlived by its request lets a retry on another node run it too.
   */
  extend?(key: string, ttlMs: number): Promise<void>;
  /** Gives a claimed key back when the request left no answer to keep (it failed). */
  release?(key: string): Promise<void>;
}
