import { setTimeout as delay } from 'node:timers/promises';
import { connectReceivers } from './receivers.js';
import { BARE_SETUP, relaykitSetup, type WorkloadCase } from './workload-case.js';

/**
 * Workload 5, idle connections: the server's RSS (after a full GC) with `clients` connected minus its RSS
 * before any connected, per client. Heap growth per client is reported too.
 */
export function idleCase(clients: number, maxRounds?: number): WorkloadCase {
  return {
    id: `idle-${clients}`,
    workload: 'idle',
    title: `Idle connections: ${clients} clients`,
    params: { clients },
    ...(maxRounds ? { maxRounds } : {}),
    metrics: [
      {
        key: 'rssPerClient',
        headline: true,
        label: 'RSS per client',
        unit: 'KiB',
        better: 'lower',
        target: { max: 1.15 },
        digits: 1,
      },
      {
        key: 'heapPerClient',
        headline: true,
        label: 'JS heap per client',
        unit: 'KiB',
        better: 'lower',
        digits: 1,
      },
      { key: 'connectPerSecond', label: 'connections/s while connecting', unit: '', better: 'higher' },
    ],
    setup: (target) => (target === 'bare' ? BARE_SETUP : relaykitSetup({})),
    run: async (server, settings) => {
      await delay(300);
      const before = await server.stats();
      const receivers = await connectReceivers(server.url, clients, settings.clientProcs, settings.transport);
      try {
        await delay(1000);
        const after = await server.stats();
        return {
          rssPerClient: (after.rssBytes - before.rssBytes) / clients / 1024,
          heapPerClient: (after.heapUsedBytes - before.heapUsedBytes) / clients / 1024,
          connectPerSecond: (clients / receivers.connectMs) * 1000,
        };
      } finally {
        await receivers.close();
      }
    },
  };
}
