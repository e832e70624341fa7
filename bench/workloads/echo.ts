import { startLoadWorker } from '../bench-processes.js';
import type { RoundTrips, SendResult } from '../load/load-protocol.js';
import { summarise } from '../stats.js';
import { connectReceivers } from './receivers.js';
import { BARE_SETUP, senderRateLimit, type WorkloadCase } from './workload-case.js';

/**
 * Workload 4, echo under load: one client sends a message every `intervalMs` and waits for it to come
 * back through the broadcast, while a background sender fans out to `background` clients at an offered
 * `backgroundDeliveries` a second. Measures the round trip.
 */
export function echoCase(background: number, backgroundDeliveries: number, intervalMs: number): WorkloadCase {
  const rate = Math.max(1, Math.round(backgroundDeliveries / Math.max(1, background)));
  const probeRate = 1000 / intervalMs;
  return {
    id: `echo-${background}`,
    workload: 'echo',
    title: `Echo round trip under load: ${background} background clients at ${rate} msg/s`,
    params: { background, backgroundRate: rate, intervalMs },
    metrics: [
      { key: 'p50', headline: true, label: 'round trip p50', unit: 'ms', better: 'lower', digits: 2 },
      { key: 'p99', headline: true, label: 'round trip p99', unit: 'ms', better: 'lower', digits: 2 },
      { key: 'failed', label: 'lost round trips', unit: '', better: 'lower' },
    ],
    setup: (target) => (target === 'bare' ? BARE_SETUP : senderRateLimit(Math.max(rate, probeRate))),
    run: async (server, settings) => {
      const receivers = await connectReceivers(
        server.url,
        background,
        settings.clientProcs,
        settings.transport,
      );
      const [sender, prober] = await Promise.all([startLoadWorker(), startLoadWorker()]);
      try {
        const common = {
          url: server.url,
          transport: settings.transport,
          bytes: settings.bytes,
          kind: settings.kind,
        };
        const load = sender.call<SendResult>({
          cmd: 'send',
          ...common,
          tag: 'bg',
          rate,
          durationMs: settings.warmupMs + settings.durationMs + 500,
        });
        await new Promise((resolve) => setTimeout(resolve, settings.warmupMs));
        const trips = await prober.call<RoundTrips>({
          cmd: 'echo',
          ...common,
          count: Math.max(10, Math.floor(settings.durationMs / intervalMs)),
          intervalMs,
        });
        await load;
        const latency = summarise(trips.samples);
        return { p50: latency.p50, p99: latency.p99, failed: trips.failed };
      } finally {
        await Promise.all([sender.close(), prober.close()]);
        await receivers.close();
      }
    },
  };
}
