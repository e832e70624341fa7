import { AggregatorRegistry, Gauge } from 'prom-client';
import { HUB_SOURCE, type HubMessage } from './hub-messages.js';

// A worker answers from memory; one this late is stuck or dying, and a scrape must not wait on it
// (Prometheus' own scrape timeout is 10 s by default).
const REPORT_WAIT_MS = 2000;

type Report = Extract<HubMessage, { kind: 'metricsReport' }>;

interface Asked {
  readonly reports: Map<number, object[]>;
  waiting: Set<number>;
  readonly done: () => void;
}

/** How the primary reaches the workers whose metrics it sums. */
export interface MetricsWorkers {
  send(workerId: number, message: HubMessage): void;
  /** Every worker alive, by id. */
  ids(): number[];
  /** The workers that have finished starting (default: every one): only those are asked. */
  ready?(): number[];
}

/**
 * The metrics of `relay serve --workers`, gathered in the primary: a scrape reaches one worker (the one
 * its connection is handed to), which asks the primary; the primary asks every worker for its registry
 * and sums them with prom-client's `AggregatorRegistry.aggregate` (counters and histograms summed,
 * gauges by their `aggregator`), so that every scrape answers for the whole relay. A worker that does not
 * answer within 2 s is counted in `relay_workers_unanswered`, and its last answer stands in for it: left
 * out, its share of every counter would drop and come back, which Prometheus reads as two resets (an
 * `increase()` as large as all the other workers' counts). A worker that exited leaves the sums.
 *
 * @example
 * ```ts
 * const metrics = new WorkerMetrics({ send: (id, m) => cluster.workers?.[id]?.send(m), ids: () => [1, 2] });
 * const text = await metrics.gather(); // Prometheus text for both workers
 * ```
 */
export class WorkerMetrics {
  readonly #workers: MetricsWorkers;
  readonly #waitMs: number;
  readonly #asked = new Map<number, Asked>();
  // Each worker's last answer, by worker id.
  readonly #last = new Map<number, object[]>();
  #nextId = 0;

  constructor(workers: MetricsWorkers, options: { waitMs?: number } = {}) {
    this.#workers = workers;
    this.#waitMs = options.waitMs ?? REPORT_WAIT_MS;
  }

  /** Asks every worker and answers the sum of what came back in time, as Prometheus text. */
  async gather(): Promise<string> {
    const id = ++this.#nextId;
    const ids = this.#workers.ready?.() ?? this.#workers.ids();
    const reports = new Map<number, object[]>();
    let timer: NodeJS.Timeout | undefined;
    const waiting = new Set(ids);
    await new Promise<void>((resolve) => {
      this.#asked.set(id, { reports, waiting, done: resolve });
      timer = setTimeout(resolve, this.#waitMs);
      for (const workerId of ids)
        this.#workers.send(workerId, { source: HUB_SOURCE, kind: 'metricsAsk', id });
      if (waiting.size === 0) resolve();
    });
    clearTimeout(timer);
    this.#asked.delete(id);
    const alive = new Set(this.#workers.ids());
    for (const workerId of this.#last.keys()) if (!alive.has(workerId)) this.#last.delete(workerId);
    for (const [workerId, metrics] of reports) this.#last.set(workerId, metrics);
    const registry = AggregatorRegistry.aggregate([...this.#last.values()]);
    new Gauge({
      name: 'relay_workers_scraped',
      help: 'Workers of relay serve --workers that answered this scrape.',
      registers: [registry],
    }).set(reports.size);
    new Gauge({
      name: 'relay_workers_unanswered',
      help: `Workers that did not answer this scrape within ${this.#waitMs} ms: their last answer stands in.`,
      registers: [registry],
    }).set(ids.length - reports.size);
    return registry.metrics();
  }

  /** Takes a worker's report; one that comes after its scrape was answered is dropped. */
  report(workerId: number, message: Report): void {
    const asked = this.#asked.get(message.id);
    if (asked === undefined || !asked.waiting.delete(workerId)) return;
    // A worker whose registry failed to answer counts as unanswered.
    if (message.error === undefined && Array.isArray(message.metrics)) {
      asked.reports.set(workerId, message.metrics as object[]);
    }
    if (asked.waiting.size === 0) asked.done();
  }
}
