import { setTimeout as delay } from 'node:timers/promises';

/**
 * The promises of work accepted and not finished yet, so that a close sequence can wait for them: the
 * publish path's stores and commits, whose acks are owed even while the relay closes.
 *
 * @example
 * ```ts
 * const inFlight = new InFlight();
 * return inFlight.track(log.append(entries));
 * await inFlight.drain(10_000); // at close
 * ```
 */
export class InFlight {
  readonly #pending = new Set<Promise<unknown>>();

  /** Follows `pending` until it settles; answers it, with its rejection handled here. */
  track<T>(pending: Promise<T>): Promise<T> {
    this.#pending.add(pending);
    const settled = () => this.#pending.delete(pending);
    pending.then(settled, settled);
    return pending;
  }

  /**
   * Resolves once everything tracked so far has settled (and what that started, in the next turn), or
   * after `timeoutMs`.
   */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#pending.size > 0 && Date.now() < deadline) {
      const timer = delay(Math.max(0, deadline - Date.now()), undefined, { ref: false });
      await Promise.race([Promise.allSettled([...this.#pending]), timer]);
    }
    // Callbacks of those promises (a socket's ack, an HTTP answer) run after them.
    await new Promise((resolve) => setImmediate(resolve));
  }
}
