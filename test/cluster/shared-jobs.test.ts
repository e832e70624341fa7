import { describe, expect, it, vi } from 'vitest';
import type { RelayServerOptions } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { recordRuns } from '../support/record-runs.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

const jobIds = (node: { server: { scheduler: { list(): { id: string; paused: boolean }[] } } }) =>
  node.server.scheduler.list().map((job) => `${job.id}${job.paused ? ' (paused)' : ''}`);

describe.runIf(HAS_REDIS)('runtime jobs in a cluster', () => {
  it('reach every node, late ones included, outlive the node that got them, and still run once a slot', async () => {
    const redis = await startRedis();
    const options: RelayServerOptions = {
      redisUrl: redis.url,
      greeting: 'none',
      scheduler: { store: ':memory:' },
    };
    const a = await startRelay(options);
    const b = await startRelay(options);

    a.server.scheduler.add({ id: 'standup', cron: '* * * * * *', content: 'stand-up' });
    await expect.poll(() => jobIds(b), { timeout: 5000 }).toEqual(['standup']);

    // A node that starts later gets the job from Redis.
    const c = await startRelay(options);
    expect(jobIds(c)).toEqual(['standup']);

    // Pausing on one node pauses it everywhere; so does resuming.
    b.server.scheduler.pause('standup');
    await expect
      .poll(() => [jobIds(a), jobIds(c)], { timeout: 5000 })
      .toEqual([['standup (paused)'], ['standup (paused)']]);
    c.server.scheduler.resume('standup');
    await expect.poll(() => [jobIds(a), jobIds(b)], { timeout: 5000 }).toEqual([['standup'], ['standup']]);

    // The node that received the job goes away; the others go on announcing it, once a slot.
    await a.server.close();
    const listener = await connectClient(b.url);
    const heard: string[] = [];
    listener.on('sendMessageFromBack', (_content, meta) => heard.push(meta.id));
    const record = recordRuns([b.server, c.server], 'standup');
    // Three slots run: by the third, a second run of the first two would have happened.
    for (const slot of (await record.untilSlots(3, 10_000)).slice(0, 2)) {
      const runs = record.runsOf(slot);
      expect(runs, `runs of slot ${slot}`).toHaveLength(1);
      const id = runs[0]?.messageId as string;
      await vi.waitUntil(() => heard.includes(id), { timeout: 3000, interval: 20 });
    }

    // Removed on one node, gone from all; a node started afterwards does not bring it back.
    c.server.scheduler.remove('standup');
    await expect.poll(() => jobIds(b), { timeout: 5000 }).toEqual([]);
    const d = await startRelay(options);
    expect(jobIds(d)).toEqual([]);
  });
});
