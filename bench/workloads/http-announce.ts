import { startLoadWorker } from '../bench-processes.js';
import type { RoundTrips } from '../load/load-protocol.js';
import { summarise } from '../stats.js';
import { connectReceivers, RECEIVER_CPU_METRIC, receiverCpuPerDelivery } from './receivers.js';
import { BARE_SETUP, relaykitSetup, type WorkloadCase } from './workload-case.js';

const TOKEN = 'bench-secret-0123456789';

/**
 * Workload 3, HTTP announcements: `concurrency` keep-alive clients POST /v1/messages as fast as answers
 * come, for the run's duration, while `listeners` socket clients receive every announcement. RelayKit
 * checks a bearer token and keeps each request's Idempotency-Key; the bare handler just calls io.emit.
 */
export function httpCase(listeners: number, concurrency: number): WorkloadCase {
  return {
    id: `http-${listeners}`,
    workload: 'http',
    title: `HTTP announcements: ${concurrency} requests in flight, ${listeners} listening clients`,
    params: { listeners, concurrency },
    metrics: [
      {
        key: 'requestsPerSecond',
        headline: true,
        label: 'requests/s',
        unit: '',
        better: 'higher',
        target: { min: 0.8 },
      },
      { key: 'p50', label: 'request latency p50', unit: 'ms', better: 'lower', digits: 1 },
      { key: 'p99', headline: true, label: 'request latency p99', unit: 'ms', better: 'lower', digits: 1 },
      { key: 'deliveriesPerSecond', label: 'deliveries/s', unit: '', better: 'higher' },
      { key: 'failed', label: 'failed requests', unit: '', better: 'lower' },
      {
        key: 'serverCpuPerRequest',
        label: 'server CPU per request',
        unit: 'µs',
        better: 'lower',
        headline: true,
      },
      RECEIVER_CPU_METRIC,
    ],
    setup: (target) =>
      target === 'bare'
        ? BARE_SETUP
        : relaykitSetup(
            {
              api: {
                tokens: [`bench:${TOKEN}:publish`],
                rateLimit: { burst: 100_000, perSecond: 1_000_000 },
              },
            },
            [
              'RelayKit: bearer token (publish scope) and a fresh Idempotency-Key on every request; the per-token API rate limit (default bursts of 20, 5/s) raised out of the way so that it measures the server, not the limit',
            ],
          ),
    run: async (server, settings) => {
      const receivers = await connectReceivers(
        server.url,
        listeners,
        settings.clientProcs,
        settings.transport,
      );
      const poster = await startLoadWorker();
      try {
        const post = (tag: string, durationMs: number) =>
          poster.call<RoundTrips>({
            cmd: 'http',
            url: server.url,
            token: server.target === 'relaykit' ? TOKEN : undefined,
            concurrency,
            durationMs,
            tag,
            bytes: settings.bytes,
          });
        if (settings.warmupMs > 0) await post('warm', settings.warmupMs);
        await receivers.record('http');
        const before = await server.stats();
        const trips = await post('http', settings.durationMs);
        await receivers.waitFor(trips.samples.length, 5000);
        const after = await server.stats();
        const got = await receivers.collect();
        const cpuMs = after.cpuMs - before.cpuMs;
        const latency = summarise(trips.samples);
        return {
          requestsPerSecond: (trips.samples.length / (trips.endedAt - trips.startedAt)) * 1000,
          p50: latency.p50,
          p99: latency.p99,
          deliveriesPerSecond: (got.count / (got.lastAt - trips.startedAt)) * 1000,
          failed: trips.failed,
          serverCpuPerRequest: (cpuMs * 1000) / Math.max(1, trips.samples.length),
          receiverCpuPerDelivery: receiverCpuPerDelivery(got),
          lost: trips.samples.length * listeners - got.count,
          disconnected: got.disconnected,
        };
      } finally {
        await poster.close();
        await receivers.close();
      }
    },
  };
}
