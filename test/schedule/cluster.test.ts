// Relay nodes of a cluster (shared Redis) all have the config file's jobs: each slot is announced once.
import { describe, expect, it, vi } from 'vitest';
import { connectClient } from '../support/connect-client.js';
import { recordRuns } from '../support/record-runs.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';
import { tempStore } from './temp-store.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

describe.runIf(HAS_REDIS)('schedules in a cluster', () => {
  it('runs each slot of a declared job on one node only, claimed in Redis', async () => {
    const redis = await startRedis();
    const schedules = [{ id: 'tick', cron: '* * * * * *', content: 'once per second, cluster-wide' }];
    const nodes = await Promise.all(
      [1, 2].map(async () =>
        startRelay({
          redisUrl: redis.url,
          greeting: 'none',
          schedules,
          scheduler: { store: await tempStore() },
        }),
      ),
    );
    const [a, b] = nodes;
    if (!a || !b) throw new Error('two nodes expected');
    const onA = await connectClient(a.url);
    const onB = await connectClient(b.url);
    const heard = [onA, onB].map((client) => {
      const ids: string[] = [];
      client.on('sendMessageFromBack', (_content, meta) => ids.push(meta.id));
      return ids;
    });
    const record = recordRuns(
      nodes.map((node) => node.server),
      'tick',
    );
    // Four slots run: by the fourth, any second run of the first three would have happened.
    const slots = (await record.untilSlots(4, 10_000)).slice(0, 3);
    for (const slot of slots) {
      // One run per slot, cluster-wide: without the claim each node would run every slot.
      const runs = record.runsOf(slot);
      expect(runs, `runs of slot ${slot}`).toHaveLength(1);
      // Its message reaches the clients of both nodes, once each.
      const id = runs[0]?.messageId as string;
      await vi.waitUntil(() => heard.every((ids) => ids.includes(id)), { timeout: 3000, interval: 20 });
      for (const ids of heard) expect(ids.filter((seen) => seen === id)).toHaveLength(1);
    }
  });
});
