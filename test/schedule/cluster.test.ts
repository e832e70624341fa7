// Relay nodes of a cluster (shared Redis) all have the config file's jobs: each slot is announced once.
import { createClient } from 'redis';
import { describe, expect, it, vi } from 'vitest';
import { track } from '../support/cleanup.js';
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

  // A claim expired after 10 minutes while a node down at the slot could still catch it up for as long
  // as missedRunGraceMs (up to an hour): restarting 10 to 60 minutes later, it announced the slot again.
  it("keeps each slot's claim for as long as a node may still catch the slot up", async () => {
    const redis = await startRedis();
    const grace = 3_600_000;
    const node = await startRelay({
      redisUrl: redis.url,
      greeting: 'none',
      schedules: [{ id: 'tick', cron: '* * * * * *', content: 'tick' }],
      scheduler: { store: await tempStore(), missedRunGraceMs: grace },
    });
    await vi.waitUntil(() => node.logs.some((line) => line.msg === 'job ran'), {
      timeout: 5000,
      interval: 20,
    });
    const client = track(createClient({ url: redis.url }), (c) => c.close());
    await client.connect();
    const keys = await client.keys('relaykit:schedule:tick:*');
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await client.pTTL(key)).toBeGreaterThan(grace);
  });

  // The slot's claim waited in node-redis's offline queue until Redis came back: the slot went out late,
  // and every later slot of the job was skipped as "still running".
  it('does not hold a slot while Redis is away: the claim fails at once and the run is refused', {
    timeout: 30_000,
  }, async () => {
    const redis = await startRedis();
    const schedules = [{ id: 'tick', cron: '* * * * * *', content: 'tick' }];
    const node = await startRelay({ redisUrl: redis.url, greeting: 'none', schedules });
    const lines = (msg: string) => node.logs.filter((line) => line.msg === msg);
    await vi.waitUntil(() => lines('job ran').length >= 1, { timeout: 5000, interval: 20 });

    await redis.stop('SIGKILL');
    // Each slot is tried, and refused as Redis is away; none waits behind another.
    await vi.waitUntil(() => lines('job run failed').length >= 3, { timeout: 6000, interval: 20 });
    expect(lines('job run failed').every((line) => line.code === 'RELAY_ERR_NOT_READY')).toBe(true);
    expect(lines('slot skipped: the previous run is still going')).toEqual([]);

    await redis.start();
    await vi.waitUntil(() => node.server.checkReadiness().ready, { timeout: 15_000, interval: 50 });
    const ranBefore = lines('job ran').length;
    await vi.waitUntil(() => lines('job ran').length > ranBefore, { timeout: 5000, interval: 20 });
  });
});
