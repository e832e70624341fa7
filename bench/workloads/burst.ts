import { startLoadWorker } from '../bench-processes.js';
import type { SendResult } from '../load/load-protocol.js';
import { connectReceivers } from './receivers.js';
import { BARE_SETUP, senderRateLimit, type WorkloadCase } from './workload-case.js';

/**
 * Workload 2, burst: one sender emits `messages` messages back to back to `clients` receivers; measures
 * the time from the first send until every receiver has every message.
 */
export function burstCase(clients: number, messages: number): WorkloadCase {
  return {
    id: `burst-${clients}x${messages}`,
    workload: 'burst',
    title: `Burst: ${messages} messages at once to ${clients} clients`,
    params: { clients, messages },
    metrics: [
      {
        key: 'allDeliveredMs',
        headline: true,
        label: 'time until all delivered',
        unit: 'ms',
        better: 'lower',
      },
      { key: 'deliveriesPerSecond', label: 'deliveries/s', unit: '', better: 'higher' },
      { key: 'lost', label: 'not delivered within the drain deadline', unit: '', better: 'lower' },
      { key: 'serverCpuMs', headline: true, label: 'server CPU time', unit: 'ms', better: 'lower' },
    ],
    setup: (target) => (target === 'bare' ? BARE_SETUP : senderRateLimit(messages, messages)),
    run: async (server, settings) => {
      const receivers = await connectReceivers(server.url, clients, settings.clientProcs, settings.transport);
      const sender = await startLoadWorker();
      try {
        const burst = (tag: string, count: number) =>
          sender.call<SendResult>({
            cmd: 'burst',
            url: server.url,
            transport: settings.transport,
            tag,
            count,
            bytes: settings.bytes,
            kind: settings.kind,
          });
        await receivers.record('burst');
        const before = await server.stats();
        const sent = await burst('burst', messages);
        await receivers.waitFor(messages, 30_000);
        const after = await server.stats();
        const got = await receivers.collect();
        const allDeliveredMs = got.lastAt - sent.startedAt;
        return {
          allDeliveredMs,
          deliveriesPerSecond: (got.count / allDeliveredMs) * 1000,
          lost: messages * clients - got.count,
          refused: sent.refused,
          disconnected: got.disconnected,
          serverCpuMs: after.cpuMs - before.cpuMs,
        };
      } finally {
        await sender.close();
        await receivers.close();
      }
    },
  };
}
