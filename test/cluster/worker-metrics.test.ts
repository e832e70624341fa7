// /metrics of `relay serve --workers`: the primary sums every worker's registry. A real PrimaryHub and
// real HubClients over in-memory channels that copy each message as IPC does, with real prom-client
// registries (two relays' among them).
import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRelayServer } from '../../src/index.js';
import { checkMetrics, metricValue, promtool } from '../support/check-metrics.js';
import { track } from '../support/cleanup.js';
import { hubWithWorkers } from '../support/hub-with-workers.js';
import { IN_MEMORY_STORES } from '../support/start-relay.js';

// A worker's registry: a counter it has counted `count` times and a gauge read the way the relay's
// store-availability gauge is (the least of the workers).
function workerRegistry(count: number, available: 0 | 1): Registry {
  const registry = new Registry();
  new Counter({ name: 'relay_test_total', help: 'test', registers: [registry] }).inc(count);
  new Gauge({ name: 'relay_test_available', help: 'test', aggregator: 'min', registers: [registry] }).set(
    available,
  );
  new Gauge({ name: 'relay_test_sockets', help: 'test', registers: [registry] }).set(count * 10);
  return registry;
}

describe('the workers’ metrics, gathered by the primary', () => {
  it('sums counters and plain gauges, takes each gauge’s own aggregator, from whichever worker is asked', async () => {
    const { clients } = hubWithWorkers(2);
    const scrapes = clients.map((client, index) =>
      client.shareMetrics(workerRegistry(index + 3, index === 0 ? 1 : 0)),
    );
    for (const scrape of scrapes) {
      const text = await (scrape as () => Promise<string>)();
      expect(metricValue(text, 'relay_test_total')).toBe(7);
      expect(metricValue(text, 'relay_test_sockets')).toBe(70);
      expect(metricValue(text, 'relay_test_available')).toBe(0);
      expect(metricValue(text, 'relay_workers_scraped')).toBe(2);
      expect(metricValue(text, 'relay_workers_unanswered')).toBe(0);
    }
  });

  it('answers without a worker that does not report, and counts it as unanswered', async () => {
    const { clients } = hubWithWorkers(3, { metricsWaitMs: 300 });
    // Worker 3 never shares its registry: it hears the ask and never answers, as a stuck worker.
    const [first] = [0, 1].map((index) => clients[index]?.shareMetrics(workerRegistry(index + 1, 1)));
    const startedAt = Date.now();
    const text = await (first as () => Promise<string>)();
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(250);
    expect(metricValue(text, 'relay_test_total')).toBe(3);
    expect(metricValue(text, 'relay_workers_scraped')).toBe(2);
    expect(metricValue(text, 'relay_workers_unanswered')).toBe(1);
  });

  // Left out, a worker's share of every counter would drop and come back: two resets to Prometheus.
  it('keeps the last answer of a worker that stops answering, and drops a worker that exited', async () => {
    const { clients, ids } = hubWithWorkers(2, { metricsWaitMs: 300 });
    const scrape = clients[0]?.shareMetrics(workerRegistry(3, 1)) as () => Promise<string>;
    clients[1]?.shareMetrics(workerRegistry(4, 1));
    expect(metricValue(await scrape(), 'relay_test_total')).toBe(7);
    // Worker 2 stalls: it hears nothing more.
    clients[1]?.close();
    const stalled = await scrape();
    expect(metricValue(stalled, 'relay_test_total')).toBe(7);
    expect(metricValue(stalled, 'relay_workers_scraped')).toBe(1);
    expect(metricValue(stalled, 'relay_workers_unanswered')).toBe(1);
    // Worker 2 exits: what it counted goes with it.
    ids.splice(ids.indexOf(2), 1);
    const exited = await scrape();
    expect(metricValue(exited, 'relay_test_total')).toBe(3);
    expect(metricValue(exited, 'relay_workers_unanswered')).toBe(0);
  });

  it('counts a worker whose registry fails as unanswered, without waiting for it', async () => {
    const { clients } = hubWithWorkers(2, { metricsWaitMs: 60_000 });
    const scrape = clients[0]?.shareMetrics(workerRegistry(5, 1)) as () => Promise<string>;
    clients[1]?.shareMetrics({
      getMetricsAsJSON: () => Promise.reject(new Error('a collect() threw')),
    });
    // Within the test's 5 s, far under the 60 s wait: the failure is an answer.
    const text = await scrape();
    expect(metricValue(text, 'relay_test_total')).toBe(5);
    expect(metricValue(text, 'relay_workers_unanswered')).toBe(1);
  });

  it('sums two relays’ own registries into text that promtool accepts, once per series', async () => {
    const relays = await Promise.all(
      [0, 1].map(async () => {
        const server = track(createRelayServer({ ...IN_MEMORY_STORES, port: 0, logLevel: 'silent' }), (s) =>
          s.close(),
        );
        await server.listen();
        return server;
      }),
    );
    const { clients } = hubWithWorkers(2);
    const scrape = clients[0]?.shareMetrics(relays[0]?.metricsRegistry as Registry) as () => Promise<string>;
    clients[1]?.shareMetrics(relays[1]?.metricsRegistry as Registry);
    const alone = await relays[0]?.metricsRegistry.metrics();
    const text = await scrape();
    // Every metric of one relay is in the sum once, with its HELP and TYPE.
    const names = (body: string) => body.split('\n').filter((line) => line.startsWith('# TYPE '));
    expect(names(text)).toEqual(expect.arrayContaining(names(alone as string)));
    // The two relays share this process: a sum would double what is not summed across workers. (Not the
    // event-loop lag, also the worst worker's: it is measured anew at each scrape, so two scrapes differ.)
    const value = (body: string | undefined, series: string) => metricValue(body as string, series);
    for (const series of ['process_start_time_seconds', 'process_max_fds']) {
      expect(value(text, series), series).toBe(value(alone, series));
    }
    expect(names(text)).toHaveLength(new Set(names(text)).size);
    // Both relays' stores can keep messages: the least is 1, not a sum of 2.
    expect(metricValue(text, 'relay_history_store_available')).toBe(1);
    if (promtool) expect(await checkMetrics(promtool, text)).toEqual({ code: 0, output: '' });
  });
});
