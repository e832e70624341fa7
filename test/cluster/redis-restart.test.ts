import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import type { LogLine } from '../support/capture-logs.js';
import { connectClient, type TestClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

// Every message id a client heard, with how many times.
function tally(client: TestClient): Map<string, number> {
  const seen = new Map<string, number>();
  client.on('sendMessageFromBack', (_content, meta: MessageMeta) => {
    seen.set(meta.id, (seen.get(meta.id) ?? 0) + 1);
  });
  return seen;
}

const readiness = async (url: string) => {
  const response = await fetch(`${url}/readyz`);
  const body = (await response.json()) as { code?: string; detail?: string; status?: string };
  return { status: response.status, code: body.code };
};

const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
};

const logged = (logs: LogLine[], msg: string) => logs.some((line) => line.msg === msg);

describe.runIf(HAS_REDIS)('a Redis restart', () => {
  it('makes nodes log and report not ready, then resume on their own; nothing acknowledged is lost or doubled', async () => {
    const redis = await startRedis();
    const a = await startRelay({ redisUrl: redis.url, greeting: 'none' });
    const b = await startRelay({ redisUrl: redis.url, greeting: 'none' });
    const alice = await connectClient(a.url, { auth: { name: 'alice' } });
    const bob = await connectClient(b.url, { auth: { name: 'bob' } });
    const heardByAlice = tally(alice);
    const heardByBob = tally(bob);
    const acknowledged: string[] = [];
    const send = async (text: string) => {
      const ack = await alice.emitWithAck('sendMessage', text);
      if (!ack.ok) throw new Error(`refused: ${ack.error.code}`);
      acknowledged.push(ack.id);
    };

    await send('before');
    await expect.poll(() => heardByBob.size, { timeout: 5000 }).toBe(1);
    expect(await readiness(a.url)).toEqual({ status: 200, code: undefined });
    expect(await metric(a.url, 'relay_redis_up')).toBe(1);

    await redis.stop();
    for (const node of [a, b]) {
      await expect
        .poll(() => readiness(node.url), { timeout: 10_000 })
        .toEqual({
          status: 503,
          code: 'RELAY_ERR_NOT_READY',
        });
      await expect.poll(() => logged(node.logs, 'Redis connection lost; reconnecting')).toBe(true);
    }
    expect(await metric(a.url, 'relay_redis_up')).toBe(0);
    expect(await metric(a.url, 'relay_adapter_errors_total')).toBeGreaterThan(0);

    // Clients stay connected to their nodes; what they send meanwhile is refused (typed, retryable), and
    // the refusals are logged once for the outage, not once each.
    for (const text of ['during 1', 'during 2']) {
      expect(await alice.emitWithAck('sendMessage', text)).toMatchObject({
        ok: false,
        error: { code: 'RELAY_ERR_NOT_READY' },
      });
    }
    const refusalLines = a.logs.filter(
      (line) => line.msg === 'input refused' && line.code === 'RELAY_ERR_NOT_READY',
    );
    expect(refusalLines).toHaveLength(1);

    await redis.start(); // same port, empty: no stream, no sessions
    for (const node of [a, b]) {
      await expect
        .poll(() => readiness(node.url), { timeout: 15_000 })
        .toEqual({ status: 200, code: undefined });
      expect(logged(node.logs, 'Redis connection back')).toBe(true);
    }
    await send('after');

    await expect.poll(() => heardByBob.size, { timeout: 10_000 }).toBe(acknowledged.length);
    await expect.poll(() => heardByAlice.size, { timeout: 10_000 }).toBe(acknowledged.length);
    for (const heard of [heardByAlice, heardByBob]) {
      expect([...heard.keys()].sort()).toEqual([...acknowledged].sort());
      expect([...heard.values()].every((count) => count === 1)).toBe(true);
    }
    expect(alice.connected && bob.connected).toBe(true);
  });

  // listen() waits 5 s for Redis before going on, and reconnection backs off up to 2 s.
  // socket.io waits for the adapter's restore without a limit, and the Redis adapter's read waited in
  // the client's queue: a client that dropped during the outage hung in its handshake until Redis was
  // back, connected to nothing, refused nothing.
  it('lets a client that dropped during the outage connect fresh, not hang until Redis is back', {
    timeout: 20_000,
  }, async () => {
    const redis = await startRedis();
    const node = await startRelay({ redisUrl: redis.url, greeting: 'none' });
    const client = await connectClient(node.url, {
      auth: { name: 'carol' },
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 200,
    });
    // A message heard gives the client an offset: its reconnection then asks for a recovery.
    const heard = new Promise((resolve) => client.once('sendMessageFromBack', resolve));
    await node.server.relay.publish('before the outage', { from: { id: 'ops', name: 'ops', kind: 'http' } })
      .committed;
    await heard;
    await redis.stop('SIGKILL');
    const back = new Promise<number>((resolve) => {
      const dropped = Date.now();
      client.once('connect', () => resolve(Date.now() - dropped));
    });
    client.io.engine.close();
    // Well within the test's deadline, with Redis still away: the restore gave up after 2 s.
    expect(await back).toBeLessThan(8000);
    expect(client.recovered).toBe(false);
  });

  it('lets a node start while Redis is down: it listens, is not ready, and joins once Redis is up', {
    timeout: 40_000,
  }, async () => {
    const redis = await startRedis();
    const b = await startRelay({ redisUrl: redis.url, greeting: 'none' });
    await redis.stop();
    const a = await startRelay({ redisUrl: redis.url, greeting: 'none' }); // waits up to 5 s, then goes on
    expect(logged(a.logs, 'Redis unreachable; not ready until it is (still retrying)')).toBe(true);
    expect(await readiness(a.url)).toEqual({ status: 503, code: 'RELAY_ERR_NOT_READY' });

    await redis.start();
    await expect.poll(() => readiness(a.url), { timeout: 15_000 }).toEqual({ status: 200, code: undefined });
    await expect.poll(() => readiness(b.url), { timeout: 15_000 }).toEqual({ status: 200, code: undefined });
    const alice = await connectClient(a.url);
    const bob = await connectClient(b.url);
    const heardByBob = tally(bob);
    const ack = await alice.emitWithAck('sendMessage', 'hello from the late node');
    expect(ack.ok).toBe(true);
    await expect.poll(() => [...heardByBob.keys()], { timeout: 5000 }).toEqual([ack.ok ? ack.id : '']);
  });

  it('closes a node promptly while Redis is down, dropping the commands that waited for it', async () => {
    const redis = await startRedis();
    const a = await startRelay({ redisUrl: redis.url, greeting: 'none' });
    const alice = await connectClient(a.url);
    expect((await alice.emitWithAck('sendMessage', 'before')).ok).toBe(true);
    await redis.stop();
    await expect.poll(() => readiness(a.url), { timeout: 10_000 }).toMatchObject({ status: 503 });
    expect((await alice.emitWithAck('sendMessage', 'cannot reach Redis')).ok).toBe(false);
    const started = Date.now();
    await a.server.close();
    expect(Date.now() - started).toBeLessThan(8000);
    expect(logged(a.logs, 'relay closed')).toBe(true);
  });
});
