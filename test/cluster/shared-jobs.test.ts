import { describe, expect, it } from 'vitest';
import type { MessageMeta, RelayServerOptions } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents } from '../support/wait-for-event.js';

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
    const heard = await collectEvents<[string, MessageMeta]>(listener, 'sendMessageFromBack', 3500);
    expect(heard.length).toBeGreaterThanOrEqual(2);
    const seconds = heard.map(([, meta]) => meta.at.slice(0, 19));
    expect(new Set(seconds).size).toBe(seconds.length);

    // Removed on one node, gone from all; a node started afterwards does not bring it back.
    c.server.scheduler.remove('standup');
    await expect.poll(() => jobIds(b), { timeout: 5000 }).toEqual([]);
    const d = await startRelay(options);
    expect(jobIds(d)).toEqual([]);
  });
});
