import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { STREAM_READER_DEADLINE_MS } from '../../src/cluster/stream-order.js';
import type { MessageMeta } from '../../src/index.js';
import { track } from '../support/cleanup.js';
import { connectClient, type TestClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;
const STREAM = 'relaykit:messages';
const PER_NODE = 300;

interface Heard {
  id: string;
  offset: string;
}

// What a client gets, in order: each message's id and the stream offset socket.io appends for recovery.
function hear(client: TestClient): Heard[] {
  const heard: Heard[] = [];
  client.on('sendMessageFromBack', (...args: unknown[]) => {
    heard.push({ id: (args[1] as MessageMeta).id, offset: args[2] as string });
  });
  return heard;
}

async function until(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const offsetParts = (offset: string) => offset.split('-').map(Number) as [number, number];
const before = (a: string, b: string) => {
  const [ma, sa] = offsetParts(a);
  const [mb, sb] = offsetParts(b);
  return ma < mb || (ma === mb && sa < sb);
};

describe.runIf(HAS_REDIS)("the order of a node's clients", () => {
  it("is the stream order, for the node's own messages and the others' alike, so recovery offsets only go forward", {
    timeout: 30_000,
  }, async () => {
    const redis = await startRedis();
    const a = await startRelay({ redisUrl: redis.url, greeting: 'none' });
    const b = await startRelay({ redisUrl: redis.url, greeting: 'none' });
    const onA = hear(await connectClient(a.url, { transports: ['websocket'] }));
    const onB = hear(await connectClient(b.url, { transports: ['websocket'] }));

    // Both nodes publish at once, so Redis interleaves their appends.
    const committed: Promise<void>[] = [];
    for (let i = 0; i < PER_NODE; i += 1) {
      for (const [node, name] of [
        [a, 'a'],
        [b, 'b'],
      ] as const) {
        const published = node.server.relay.publish(`${name}${i}`, {
          from: { id: name, name, kind: 'http' },
        });
        if (published.committed) committed.push(published.committed);
      }
    }
    await Promise.all(committed);
    await until(
      () => onA.length >= 2 * PER_NODE && onB.length >= 2 * PER_NODE,
      'every message on both nodes',
    );

    const reader = track(createClient({ url: redis.url }), (c) => c.close());
    await reader.connect();
    const entries = await reader.xRange(STREAM, '-', '+');
    const streamIds = entries.flatMap(({ message }) => {
      const packet = JSON.parse(message.data as string).packet as { data: unknown[] };
      return packet.data[0] === 'sendMessageFromBack' ? [(packet.data[2] as MessageMeta).id] : [];
    });
    expect(streamIds).toHaveLength(2 * PER_NODE);
    for (const heard of [onA, onB]) {
      expect(heard.map(({ id }) => id)).toEqual(streamIds);
      const backwards = heard.filter((h, i) => i > 0 && !before((heard[i - 1] as Heard).offset, h.offset));
      expect(backwards).toEqual([]);
    }
  });

  it("still delivers a node's own messages, once, when its stream reader stalls: at the deadline, with one warn line", {
    timeout: 30_000,
  }, async () => {
    const redis = await startRedis();
    const proxy = await startTcpProxy(redis.port);
    const a = await startRelay({ redisUrl: `redis://127.0.0.1:${proxy.port}`, greeting: 'none' });
    const b = await startRelay({ redisUrl: redis.url, greeting: 'none' });
    const onA = hear(await connectClient(a.url, { transports: ['websocket'] }));
    const onB = hear(await connectClient(b.url, { transports: ['websocket'] }));
    const from = { id: 'a', name: 'a', kind: 'http' } as const;

    expect(proxy.stallWhereSent('XREAD')).toBe(1); // node A's stream reader, and only it
    const startedAt = Date.now();
    const late = ['late 1', 'late 2', 'late 3'].map((text) => a.server.relay.publish(text, { from }));
    await Promise.all(late.map(({ committed }) => committed));
    const ids = late.map(({ id }) => id);
    await until(() => onA.length >= 3, 'the late messages on node A');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1900); // held for the deadline, not lost
    expect(onA.map(({ id }) => id)).toEqual(ids);
    const warned = () => a.logs.filter((line) => line.msg?.startsWith('stream reader is late'));
    expect(warned()).toHaveLength(1);

    proxy.resume();
    const after = a.server.relay.publish('after', { from });
    await after.committed;
    await until(() => onA.length >= 4 && onB.length >= 4, 'the next message on both nodes');
    // The reader got to the late ones too, and skipped them: each exactly once.
    expect(onA.map(({ id }) => id)).toEqual([...ids, after.id]);
    expect(onB.map(({ id }) => id)).toEqual([...ids, after.id]);
    // One episode: it ends, with one info line, once the reader has been on time for 10 s.
    expect(warned()).toHaveLength(1);
  });

  // A broadcast outside a publish whose append answer was lost was delivered at once, and again by the
  // reader when Redis had taken it.
  it('delivers a broadcast whose append answer was lost once, when Redis took it', {
    timeout: 20_000,
  }, async () => {
    const redis = await startRedis();
    const proxy = await startTcpProxy(redis.port);
    const a = await startRelay({
      redisUrl: `redis://127.0.0.1:${proxy.port}`,
      greeting: 'none',
      history: false,
    });
    const client = await connectClient(a.url, { transports: ['websocket'] });
    const probes: unknown[] = [];
    client.on('probe' as never, (value: unknown) => {
      probes.push(value);
    });
    const onA = hear(client);

    proxy.cutAfterNext('"probe"', 'XREAD'); // the probe's XADD, on the main connection
    (a.server.io as unknown as { emit(event: string, value: string): void }).emit('probe', 'once');
    await until(() => probes.length > 0, 'the probe');
    await until(() => a.server.checkReadiness().ready, 'the node to reconnect');
    // In stream order, after the probe: once it is here, the reader went past the probe.
    const later = a.server.relay.publish('later', { from: { id: 'a', name: 'a', kind: 'http' } });
    await later.committed;
    await until(() => onA.some(({ id }) => id === later.id), 'the later message');
    expect(probes).toEqual(['once']);
  });

  // Sockets closing broadcast their leave after the reader stopped: each waited 2 s for it, and then
  // warned that the reader was late, after "relay closed".
  it('settles what waits for the reader when the node closes, without a late-reader warning', async () => {
    const redis = await startRedis();
    const a = await startRelay({ redisUrl: redis.url, greeting: 'none' });
    for (const name of ['ann', 'bob', 'cid']) {
      await connectClient(a.url, { transports: ['websocket'], auth: { name, watchPresence: true } });
    }
    await a.server.close();
    // Long enough for a wait on the reader to have reached its deadline.
    await new Promise((resolve) => setTimeout(resolve, STREAM_READER_DEADLINE_MS + 500));
    expect(a.logs.filter((line) => line.msg?.startsWith('stream reader is late'))).toEqual([]);
  });
});
