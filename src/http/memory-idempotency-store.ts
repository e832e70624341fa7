import type { IdempotencyStore, StoredAnswer } from './idempotency-store.js';

/**
 * An {@link IdempotencyStore} in this process's memory, bounded twice: entries expire after their TTL,
 * and past `maxEntries` the oldest are forgotten first. Expired entries are dropped as new ones come,
 * without timers, so an idle store costs nothing.
 *
 * @example
 * ```ts
 * const store = new MemoryIdempotencyStore({ maxEntries: 10_000 });
 * await store.set('ci\nrelease-42', { fingerprint, status: 202, body }, 3_600_000);
 * ```
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #maxEntries: number;
  readonly #now: () => number;
  // A Map iterates in insertion order: the first entries are the oldest, the first to expire or go.
  readonly #entries = new Map<string, { answer: StoredAnswer; expiresAt: number }>();

  constructor(options: { maxEntries: number; now?: () => number }) {
    this.#maxEntries = options.maxEntries;
    this.#now = options.now ?? Date.now;
  }

  /** How many answers are kept now. */
  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<StoredAnswer | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.answer;
  }

  async set(key: string, answer: StoredAnswer, ttlMs: number): Promise<void> {
    const now = this.#now();
    this.#entries.delete(key);
    this.#entries.set(key, { answer, expiresAt: now + ttlMs });
    for (const [oldKey, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxEntries && entry.expiresAt > now) break;
      this.#entries.delete(oldKey);
    }
  }
}
