/**
 * What the webhook dispatcher keeps per endpoint, in memory so that a match costs no count in SQLite:
 * attempts in flight, deliveries waiting or in flight, and the failures of an episode (logged at its
 * first, and when it recovers).
 *
 * @example
 * ```ts
 * counts.started(id); // … counts.finished(id) when the attempt ends
 * ```
 */
export class EndpointCounts {
  readonly #inFlight = new Map<string, number>();
  readonly #queued = new Map<string, number>();
  readonly #failing = new Map<string, number>();

  inFlight(id: string): number {
    return this.#inFlight.get(id) ?? 0;
  }

  started(id: string): void {
    this.#inFlight.set(id, this.inFlight(id) + 1);
  }

  finished(id: string): void {
    this.#inFlight.set(id, Math.max(0, this.inFlight(id) - 1));
  }

  queued(id: string): number {
    return this.#queued.get(id) ?? 0;
  }

  addQueued(id: string, count: number): void {
    this.#queued.set(id, Math.max(0, this.queued(id) + count));
  }

  /** Counts a failure; returns how many this episode has now (1: it has just begun). */
  failed(id: string): number {
    const failures = (this.#failing.get(id) ?? 0) + 1;
    this.#failing.set(id, failures);
    return failures;
  }

  /** Ends an episode of failures; returns how many it had, or undefined when there was none. */
  recovered(id: string): number | undefined {
    const failures = this.#failing.get(id);
    this.#failing.delete(id);
    return failures;
  }

  /**
   * Forgets endpoints that are gone once nothing of theirs runs, so that adding and removing endpoints
   * over the API (or a cluster's reloads) does not grow what is kept; `forgotten` is told each id.
   */
  forgetRemoved(endpoints: readonly { readonly id: string }[], forgotten: (id: string) => void): void {
    if (this.#queued.size + this.#failing.size + this.#inFlight.size <= endpoints.length * 3) return;
    const known = new Set(endpoints.map((endpoint) => endpoint.id));
    for (const map of [this.#queued, this.#failing]) {
      for (const id of map.keys()) if (!known.has(id)) map.delete(id);
    }
    for (const [id, running] of this.#inFlight) {
      if (known.has(id) || running > 0) continue;
      this.#inFlight.delete(id);
      forgotten(id);
    }
  }
}
