import type { IdempotencyStore, StoredAnswer } from './idempotency-store.js';

/** Bytes of answers (their JSON text) a {@link MemoryIdempotencyStore} keeps by default: 32 MiB. */
export const IDEMPOTENCY_MAX_BYTES = 32 * 1024 * 1024;

/**
 * An {@link IdempotencyStore} in this process's memory, bounded three times: entries expire after their
 * TTL, and past `maxEntries` entries or `maxBytes` of answers the oldest are forgotten first. Answers are
 * kept as their JSON text, measured as such: a batch answer of 1 000 messages kept as live objects was
 * ~590 KB, so 10 000 keys of such batches could take gigabytes and end the process. Expired entries are
 * dropped as new ones come, without timers, so an idle store costs nothing.
 *
 * @example
 * ```ts
 * const store = new MemoryIdempotencyStore({ maxEntries: 10_000 });
 * await store.set('ci\nrelease-42', { fingerprint, status: 202, body }, 3_600_000);
 * ```
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  readonly #maxEntries: number;
  readonly #maxBytes: number;
  readonly #now: () => number;
  // A Map iterates in insertion order: the first entries are the oldest, the first to expire or go.
  readonly #entries = new Map<string, { text: string; bytes: number; expiresAt: number }>();
  #bytes = 0;

  constructor(options: { maxEntries: number; maxBytes?: number; now?: () => number }) {
    this.#maxEntries = options.maxEntries;
    this.#maxBytes = options.maxBytes ?? IDEMPOTENCY_MAX_BYTES;
    this.#now = options.now ?? Date.now;
  }

  /** How many answers are kept now. */
  get size(): number {
    return this.#entries.size;
  }

  /** How many bytes of answers' JSON (UTF-8) are kept now: what `maxBytes` bounds. */
  get bytes(): number {
    return this.#bytes;
  }

  async get(key: string): Promise<StoredAnswer | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#delete(key);
      return undefined;
    }
    return JSON.parse(entry.text) as StoredAnswer;
  }

  async set(key: string, answer: StoredAnswer, ttlMs: number): Promise<void> {
    const now = this.#now();
    const text = JSON.stringify(answer);
    // UTF-8 bytes: at least what V8 keeps (one or two bytes a character), whatever the content's script.
    const bytes = Buffer.byteLength(text);
    this.#delete(key);
    // An answer larger than the whole store is not kept: its retries run again, as after expiry.
    if (bytes > this.#maxBytes) return;
    this.#entries.set(key, { text, bytes, expiresAt: now + ttlMs });
    this.#bytes += bytes;
    for (const [oldKey, entry] of this.#entries) {
      const full = this.#entries.size > this.#maxEntries || this.#bytes > this.#maxBytes;
      if (!full && entry.expiresAt > now) break;
      this.#delete(oldKey);
    }
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    this.#bytes -= entry.bytes;
    this.#entries.delete(key);
  }
}
