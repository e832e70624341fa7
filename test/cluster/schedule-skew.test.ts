import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { redisSlotClaim, type SlotClaimRedis } from '../../src/cluster/redis-slot-claim.js';
import type { MessageMeta } from '../../src/index.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents } from '../support/wait-for-event.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

describe.runIf(HAS_REDIS)('scheduled slots across nodes whose clocks differ', () => {
  it('runs each slot once cluster-wide when one node reaches every slot a second later', async () => {
    const redis = await startRedis();
    const options = { redisUrl: redis.url, greeting: 'none', scheduler: { store: ':memory:' } } as const;
    const a = await startRelay(options);
    const late = await startRelay(options);
    // The late node's clock is a second behind: it reaches each slot (same cron time) a second after.
    const client = track(createClient({ url: redis.url }), (c) => c.close());
    await client.connect();
    const claim = redisSlotClaim(client as unknown as SlotClaimRedis);
    late.server.scheduler.coordinate(async (jobId, slot) => {
      await delay(1000);
      return claim(jobId, slot);
    });
    // Each node has the same job (as from one config file); it announces the slot it runs for.
    for (const node of [a, late]) {
      node.server.scheduler.every('tick', '* * * * * *', ({ scheduledFor, publish }) => {
        publish(`slot ${scheduledFor?.toISOString()}`);
      });
    }
    const listener = await connectClient(late.url);
    const heard = await collectEvents<[string, MessageMeta]>(listener, 'sendMessageFromBack', 4500);
    const slots = heard.map(([content]) => content);
    expect(slots.length).toBeGreaterThanOrEqual(3);
    expect(new Set(slots).size).toBe(slots.length); // no slot announced twice
    // And none skipped: consecutive seconds.
    const seconds = slots.map((slot) => Date.parse(slot.slice(5)) / 1000).sort((x, y) => x - y);
    expect((seconds.at(-1) ?? 0) - (seconds[0] ?? 0)).toBe(seconds.length - 1);
    // The late node asked, and was refused every time (the other node had claimed the slot).
    expect(late.server.scheduler.get('tick').runs).toBe(0);
    expect(a.server.scheduler.get('tick').runs).toBeGreaterThanOrEqual(3);
  });
});
