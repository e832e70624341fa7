import { RelayError } from './relay-error.js';

/**
 * A token bucket: `burst` tokens at most, refilled continuously at `perSecond` tokens a second.
 * O(1) per call and no timers, so one per socket costs a few numbers.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket({ burst: 20, perSecond: 10 });
 * if (!bucket.take()) reject();
 * ```
 */
export class TokenBucket {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(options: { burst: number; perSecond: number; now?: () => number }) {
    this.#burst = options.burst;
    this.#perMs = options.perSecond / 1000;
    this.#now = options.now ?? Date.now;
    this.#tokens = options.burst;
    this.#last = this.#now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /**
   * Takes `count` more tokens for work already done (a large answer): the bucket may go below empty,
   * down to minus one burst, and the next events wait until it has refilled past one.
   */
  charge(count: number): void {
    this.#refill();
    this.#tokens = Math.max(-this.#burst, this.#tokens - count);
  }

  /**
   * The refusal of what `who` sent while the bucket is empty: `RELAY_ERR_RATE_LIMITED`, saying when the
   * next `what` (an event, a message) is allowed, also as `retryAfterMs` for a client to wait on.
   */
  refusal(who: string, what: string): RelayError {
    const retryAfterMs = this.msUntilNext();
    const detail = `${who} is over its rate limit; next ${what} allowed in ${retryAfterMs} ms`;
    return new RelayError('RELAY_ERR_RATE_LIMITED', detail, { retryAfterMs });
  }

  /** True when the bucket holds its whole burst again: nothing was taken lately. */
  get full(): boolean {
    this.#refill();
    return this.#tokens >= this.#burst;
  }

  /** True when charges (work already done) took the bucket below empty: nothing more until it refills. */
  get overdrawn(): boolean {
    this.#refill();
    return this.#tokens < 0;
  }

  /** Milliseconds until the next token, 0 when one is available. */
  msUntilNext(): number {
    this.#refill();
    const missing = 1 - this.#tokens;
    return missing <= 0 ? 0 : Math.ceil(missing / this.#perMs);
  }

  #refill(): void {
    const now = this.#now();
    const elapsed = now - this.#last;
    if (elapsed > 0) {
      this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#perMs);
      this.#last = now;
    }
  }
}

/**
 * Token buckets by key (a hook, an endpoint), each made on first use. A full bucket is the same as a new
 * one, so once more than `sweepAbove` are kept, the full ones are forgotten: the map holds the keys used
 * lately, not every key ever seen (hooks added and deleted over the API, for one).
 *
 * @example
 * ```ts
 * const buckets = new TokenBuckets({ burst: 30, perSecond: 1 });
 * if (!buckets.get(hook.id).take()) refuse();
 * ```
 */
export class TokenBuckets {
  readonly #options: ConstructorParameters<typeof TokenBucket>[0];
  readonly #sweepAbove: number;
  readonly #buckets = new Map<string, TokenBucket>();
  #nextSweep: number;

  constructor(options: ConstructorParameters<typeof TokenBucket>[0], sweepAbove = 1000) {
    this.#options = options;
    this.#sweepAbove = sweepAbove;
    this.#nextSweep = sweepAbove;
  }

  /** The bucket of `key`, new (full) if it had none. */
  get(key: string): TokenBucket {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      if (this.#buckets.size >= this.#nextSweep) this.#sweep();
      bucket = new TokenBucket(this.#options);
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  /** Forgets the bucket of `key` (an endpoint that is gone). */
  delete(key: string): void {
    this.#buckets.delete(key);
  }

  /** Buckets kept now. */
  get size(): number {
    return this.#buckets.size;
  }

  // Amortised: while most buckets are in use, the next sweep waits until the map has doubled.
  #sweep(): void {
    for (const [key, bucket] of this.#buckets) if (bucket.full) this.#buckets.delete(key);
    this.#nextSweep = Math.max(this.#sweepAbove, this.#buckets.size * 2);
  }
}
