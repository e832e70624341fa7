import { collectDefaultMetrics, type Metric, Registry } from 'prom-client';

// prom-client's default metrics start observers when they are created (a GC PerformanceObserver, an
// event-loop delay monitor) and have no way to stop them: one set per relay would leak a set for every
// relay a process creates and closes (tests, embedders). So one set is made per process, lazily, and each
// relay's registry lists the same metric objects: they describe the process, whichever relay is scraped.
let processRegistry: Registry | undefined;

// How `relay serve --workers` sums a process metric over its workers (prom-client's aggregation), where
// prom-client's own choice would hide one worker: its event-loop lag is the worst worker's, not the
// average; the start time the newest (when the sums of counters last started over), not left out; the
// file-descriptor limit the lowest, not a sum of every worker's.
const ACROSS_WORKERS: Record<string, 'max' | 'min'> = {
  nodejs_eventloop_lag_seconds: 'max',
  nodejs_eventloop_lag_p50_seconds: 'max',
  nodejs_eventloop_lag_p90_seconds: 'max',
  nodejs_eventloop_lag_p99_seconds: 'max',
  process_start_time_seconds: 'max',
  process_max_fds: 'min',
};

/**
 * Adds Node's default process metrics (`process_*`, `nodejs_*`, but for the three gauges that promtool
 * refuses for their `_total` suffix) to `registry`; returns a function that
 * takes them out again (idempotent). The metrics are made once per process and shared by every relay.
 */
export function addProcessMetrics(registry: Registry): () => void {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
    for (const metric of processRegistry.getMetricsAsArray()) {
      const aggregator = ACROSS_WORKERS[metric.name];
      // The metric's `get()` reports its `aggregator` field, which is all aggregation reads.
      if (aggregator) (metric as unknown as { aggregator: string }).aggregator = aggregator;
    }
  }
  const added = processRegistry.getMetricsAsArray().filter((metric) => {
    // nodejs_active_{handles,requests,resources}_total are gauges named like counters, which
    // `promtool check metrics` refuses; each is the sum of the per-type gauge of the same name without it.
    if (metric.name.endsWith('_total') && String(metric.type) === 'gauge') return false;
    if (registry.getSingleMetric(metric.name) !== undefined) return false;
    // getMetricsAsArray() returns the metric objects themselves, typed only as what it reads of them.
    registry.registerMetric(metric as unknown as Metric);
    return true;
  });
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    for (const metric of added) registry.removeSingleMetric(metric.name);
  };
}
