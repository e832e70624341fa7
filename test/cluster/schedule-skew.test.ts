import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from 'redis';
import { describe, expect, it, vi } from 'vitest';
import { redisSlotClaim, type SlotClaimRedis } from '../../src/cluster/redis-slot-claim.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { recordRuns } from '../support/record-runs.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

describe.runIf(HAS_REDIS)('scheduled slots across nodes whose clocks differ', () => {
  it('runs each slot once cluster-wide when one node reaches every slot later', async () => {
    const redis = await startRedis();
    const options = { redisUrl: redis.url, greeting: 'none', scheduler: { store: ':memory:' } } as const;
    const a = await startRelay(options);
    const late = await startRelay(options);
    // The late node's clock is 1.2 s behind: it reaches each slot (same cron time) in the next second, so
    // only the slot itself, not the time of asking, can tell that both mean the same run. Slots are 2 s
    // apart, so the wait never holds the job past its next slot (which would skip that as an overlap).
    const client = track(createClient({ url: redis.url }), (c) => c.close());
    await client.connect();
    const claim = redisSlotClaim(client as unknown as SlotClaimRedis);
    // What the late node decided for each slot, once it decided.
    const decided: Array<{ slot: string; won: boolean }> = [];
    late.server.scheduler.coordinate(async (jobId, slot, keepMs) => {
      await delay(1200);
      const won = await claim(jobId, slot, keepMs);
      decided.push({ slot: slot.toISOString(), won });
      return won;
    });
    const listener = await connectClient(late.url);
    const heard: string[] = [];
    listener.on('sendMessageFromBack', (content) => heard.push(String(content)));
    const record = recordRuns([a.server, late.server], 'tick');
    // Each node has the same job (as from one config file); it announces the slot it runs for.
    for (const node of [a, late]) {
      node.server.scheduler.every('tick', '*/2 * * * * *', ({ scheduledFor, publish }) => {
        publish(`slot ${scheduledFor?.toISOString()}`);
      });
    }
    // Three decisions of the late node: by the third, whatever it did about the first two is done.
    await vi.waitUntil(() => decided.length >= 3, { timeout: 12_000, interval: 20 });
    const slots = decided.slice(0, 2).map((decision) => decision.slot);
    // The late node asked for each slot after the other node had claimed it, and was refused.
    expect(decided.slice(0, 2).map((decision) => decision.won)).toEqual([false, false]);
    for (const slot of slots) {
      expect(
        record.runsOf(slot).map((run) => run.node),
        `runs of slot ${slot}`,
      ).toEqual([0]);
      expect(heard.filter((content) => content === `slot ${slot}`)).toHaveLength(1);
    }
    // And none skipped: consecutive seconds.
    expect(slots.map((slot) => Date.parse(slot) - Date.parse(slots[0] as string))).toEqual([0, 2000]);
  });
});
