import type { Counter } from 'prom-client';

/**
 * A prom-client counter whose series can all be removed by the value of one label (a deleted hook's,
 * a removed endpoint's): prom-client removes a series only by its full label set, so the label sets
 * counted under each key are kept, a handful per key.
 *
 * @example
 * ```ts
 * const deliveries = new KeyedCounter(counter, 'endpoint');
 * deliveries.inc({ endpoint: 'wh_1', outcome: 'ok' });
 * deliveries.forget('wh_1'); // every series of wh_1 is gone from /metrics
 * ```
 */
export class KeyedCounter<L extends string> {
  readonly #counter: Counter<L>;
  readonly #key: L;
  readonly #series = new Map<string, Map<string, Record<L, string>>>();

  constructor(counter: Counter<L>, key: NoInfer<L>) {
    this.#counter = counter;
    this.#key = key;
  }

  inc(labels: Record<L, string>): void {
    const key = labels[this.#key];
    const series = this.#series.get(key) ?? new Map<string, Record<L, string>>();
    this.#series.set(key, series.set(JSON.stringify(labels), labels));
    this.#counter.inc(labels);
  }

  /** Removes every series counted with `key` as the value of the key label. */
  forget(key: string): void {
    for (const labels of this.#series.get(key)?.values() ?? []) this.#counter.remove(labels);
    this.#series.delete(key);
  }

  /** The key label's values that have series. */
  keys(): string[] {
    return [...this.#series.keys()];
  }
}
