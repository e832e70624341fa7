import type { Registry } from 'prom-client';

/** One line of a histogram as prom-client's registry formats it. */
export interface HistogramSample {
  readonly metricName: string;
  readonly labels: { readonly le?: number | string };
  readonly value: number;
}

/**
 * A Prometheus histogram without labels for the publish path: `observe` is a short loop over the bucket
 * bounds and two additions (prom-client's own `Histogram#observe` costs several times as much: label
 * checks and hashing on every call), and the text is made only when the registry is scraped.
 */
export class LatencyHistogram {
  readonly name: string;
  readonly help: string;
  // prom-client's registry reads these when it formats and aggregates metrics.
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly #bounds: Float64Array;
  readonly #counts: Float64Array;
  #sum = 0;
  #count = 0;

  /** `bounds`: the buckets' upper bounds in seconds, ascending. Registers itself in `registry`. */
  constructor(options: { name: string; help: string; bounds: readonly number[]; registry: Registry }) {
    this.name = options.name;
    this.help = options.help;
    this.#bounds = Float64Array.from(options.bounds);
    this.#counts = new Float64Array(options.bounds.length);
    // The registry only reads name, help, type, aggregator and get().
    options.registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** Counts one observation of `seconds`. */
  observe(seconds: number): void {
    this.#sum += seconds;
    this.#count += 1;
    const bounds = this.#bounds;
    for (let i = 0; i < bounds.length; i += 1) {
      if (seconds <= (bounds[i] as number)) {
        this.#counts[i] = (this.#counts[i] as number) + 1;
        return;
      }
    }
  }

  /** The histogram in prom-client's form: cumulative buckets, `+Inf`, `_sum` and `_count`. */
  get(): { name: string; help: string; type: 'histogram'; aggregator: 'sum'; values: HistogramSample[] } {
    const values: HistogramSample[] = [];
    let cumulative = 0;
    this.#bounds.forEach((bound, i) => {
      cumulative += this.#counts[i] as number;
      values.push({ metricName: `${this.name}_bucket`, labels: { le: bound }, value: cumulative });
    });
    values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: this.#count });
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.#sum });
    values.push({ metricName: `${this.name}_count`, labels: {}, value: this.#count });
    return { name: this.name, help: this.help, type: 'histogram', aggregator: 'sum', values };
  }
}
