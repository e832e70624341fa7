/**
 * Signed deliveries accepted in the last `windowMs`, by their verified signature (an HMAC of the body:
 * GitHub's `X-GitHub-Delivery` id is not signed, so a replay could change it), so that a captured,
 * validly signed delivery cannot be posted again. At most `maxEntries` are kept (oldest forgotten first),
 * so a flood of ids cannot grow memory.
 *
 * @example
 * ```ts
 * const seen = new SeenDeliveries({ windowMs: 86_400_000 });
 * if (seen.has(hook.id, id)) refuse(); else seen.add(hook.id, id);
 * ```
 */
export class SeenDeliveries {
  readonly #windowMs: number;
  readonly #maxEntries: number;
  // Insertion order is time order: expired entries are at the front.
  readonly #until = new Map<string, number>();

  constructor(options: { windowMs: number; maxEntries?: number }) {
    this.#windowMs = options.windowMs;
    this.#maxEntries = options.maxEntries ?? 10_000;
  }

  has(hookId: string, deliveryId: string, now = Date.now()): boolean {
    this.#expire(now);
    return this.#until.has(`${hookId}\n${deliveryId}`);
  }

  add(hookId: string, deliveryId: string, now = Date.now()): void {
    const key = `${hookId}\n${deliveryId}`;
    this.#until.delete(key);
    this.#until.set(key, now + this.#windowMs);
    while (this.#until.size > this.#maxEntries) {
      const oldest = this.#until.keys().next();
      if (oldest.done) break;
      this.#until.delete(oldest.value);
    }
  }

  /** Forgets an id: its delivery failed after all, so a retry must be taken. */
  delete(hookId: string, deliveryId: string): void {
    this.#until.delete(`${hookId}\n${deliveryId}`);
  }

  #expire(now: number): void {
    for (const [key, until] of this.#until) {
      if (until > now) return;
      this.#until.delete(key);
    }
  }
}
