/** Latency summary of one run, in milliseconds. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Summarises latency samples (ms): count, p50, p99 and max. Sorts a copy; nearest-rank percentiles.
 *
 * @example
 * ```ts
 * summarise(new Float64Array([1, 2, 3])); // { count: 3, p50: 2, p99: 3, max: 3 }
 * ```
 */
export function summarise(samples: Float64Array | readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const count = sorted.length;
  if (count === 0) return { count: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const at = (q: number) => sorted[Math.min(count - 1, Math.max(0, Math.ceil(q * count) - 1))] ?? Number.NaN;
  return { count, p50: at(0.5), p99: at(0.99), max: sorted[count - 1] ?? Number.NaN };
}

/** Median of some numbers (NaN when there are none); how rounds are combined. */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1
    ? (finite[middle] ?? Number.NaN)
    : ((finite[middle - 1] ?? 0) + (finite[middle] ?? 0)) / 2;
}

/** Concatenates sample arrays from several load workers. */
export function concatSamples(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes on one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
