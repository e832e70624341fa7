import { describe, expect, it, vi } from 'vitest';
import type { MessageMeta, RelayServerOptions } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;
const TOKEN = 'ci:ci-s3cr3t:publish';

const announce = (url: string, key: string, content: string) =>
  fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer ci-s3cr3t',
      'content-type': 'application/json',
      'idempotency-key': key,
    },
    body: JSON.stringify({ content }),
  });

describe.runIf(HAS_REDIS)('state shared by the nodes through Redis', () => {
  it('answers a retry sent to another node from the shared idempotency store, without publishing again', async () => {
    const redis = await startRedis();
    const options: RelayServerOptions = { redisUrl: redis.url, greeting: 'none', api: { tokens: [TOKEN] } };
    const a = await startRelay(options);
    const b = await startRelay(options);
    const listener = await connectClient(b.url);

    const heard = waitForEvent<[string, MessageMeta]>(listener, 'sendMessageFromBack', { timeoutMs: 5000 });
    const first = await announce(a.url, 'release-42', 'v42 is out');
    expect(first.status).toBe(202);
    const firstBody = await first.json();
    const [content, meta] = await heard;
    expect(content).toBe('v42 is out');

    const more = collectEvents<[string, MessageMeta]>(listener, 'sendMessageFromBack', 1500);
    const retry = await announce(b.url, 'release-42', 'v42 is out');
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(firstBody);
    expect(JSON.stringify(firstBody)).toContain(meta.id);
    expect(await more).toEqual([]); // not broadcast twice

    // The same key for another request is refused on any node.
    expect((await announce(b.url, 'release-42', 'something else')).status).toBe(422);
  });

  it("runs a request sent to two nodes at the same moment once: one node waits for the other's answer", async () => {
    const redis = await startRedis();
    const options: RelayServerOptions = { redisUrl: redis.url, greeting: 'none', api: { tokens: [TOKEN] } };
    const a = await startRelay(options);
    const b = await startRelay(options);
    const listener = await connectClient(a.url);
    const heard: string[] = [];
    listener.on('sendMessageFromBack', (content) => heard.push(String(content)));

    for (let round = 1; round <= 5; round += 1) {
      const key = `deploy-${round}`;
      const answers = await Promise.all([
        announce(a.url, key, `deploy ${round}`),
        announce(b.url, key, `deploy ${round}`),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([202, 202]);
      const replayed = answers.map((answer) => answer.headers.get('idempotent-replayed'));
      expect(replayed.filter((value) => value === 'true')).toHaveLength(1);
      const [first, second] = await Promise.all(answers.map((answer) => answer.json()));
      expect(first).toEqual(second);
    }
    await vi.waitUntil(() => heard.length >= 5, { timeout: 5000, interval: 20 });
    await collectEvents(listener, 'sendMessageFromBack', 300); // quiet window: a duplicate would show now
    expect(heard).toEqual([1, 2, 3, 4, 5].map((round) => `deploy ${round}`));
  });
});
