// Relay nodes of a cluster (shared Redis) all have the config file's jobs: each slot is announced once.
import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents } from '../support/wait-for-event.js';
import { tempStore } from './temp-store.js';

type Heard = [unknown, MessageMeta];
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
    const [heardOnA, heardOnB] = await Promise.all([
      collectEvents<Heard>(onA, 'sendMessageFromBack', 3500),
      collectEvents<Heard>(onB, 'sendMessageFromBack', 3500),
    ]);
    for (const heard of [heardOnA, heardOnB]) {
      expect(heard.length).toBeGreaterThanOrEqual(2);
      // One message per slot: without the claim each node would announce every second.
      const seconds = heard.map(([, meta]) => meta.at.slice(0, 19));
      expect(new Set(seconds).size).toBe(seconds.length);
    }
    const ids = (heard: Heard[]) => heard.map(([, meta]) => meta.id);
    expect(ids(heardOnA).filter((id) => ids(heardOnB).includes(id)).length).toBeGreaterThanOrEqual(2);
    // Every slot ran somewhere, recorded by the node that claimed it.
    const runs = () => nodes.map((node) => node.server.scheduler.get('tick').runs);
    expect(runs().reduce((sum, count) => sum + count, 0)).toBeGreaterThanOrEqual(3);
  });
});
