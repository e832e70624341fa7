/** Refusals a person's socket has answered within {@link REFUSAL_WINDOW_MS}; the next one drops it. */
export const MAX_REFUSALS = 100;
/** The window {@link MAX_REFUSALS} counts in (ms), from the first refusal of the window. */
export const REFUSAL_WINDOW_MS = 10_000;

/**
 * Counts a socket's refusals in fixed windows of {@link REFUSAL_WINDOW_MS}, so that answering refused
 * input cannot cost the relay more than {@link MAX_REFUSALS} answers a window per socket. Accepted events
 * in between do not reset the count: a flood past the rate limit has one accepted event per refill.
 *
 * @example
 * ```ts
 * if ((connection.refusals ??= new RefusalWindow()).overLimit()) dropForFlooding();
 * ```
 */
export class RefusalWindow {
  #startedAt = 0;
  #count = 0;

  /** Counts one refusal; true when it is past {@link MAX_REFUSALS} in its window. */
  overLimit(now = Date.now()): boolean {
    if (this.#count === 0 || now - this.#startedAt >= REFUSAL_WINDOW_MS) {
      this.#startedAt = now;
      this.#count = 0;
    }
    this.#count += 1;
    return this.#count > MAX_REFUSALS;
  }
}
