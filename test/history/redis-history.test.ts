// The history kept in Redis (redisUrl set): every node reads the same one, over sockets, HTTP and SSE.
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import type { HistoryAck, MessageMeta, MessageRedactedEvent, RelayServerOptions } from '../../src/index.js';
import { ADMIN, adminCall as api, PUBLISHER } from '../http/api-relay.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { openStream } from '../support/open-event-stream.js';
import { requireBinary } from '../support/require-binary.js';
import { type RedisProcess, startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

type Page = { messages: { content: unknown; meta: MessageMeta }[]; more: boolean };

// A node of the cluster with the publish and admin tokens of the HTTP tests.
function startNode(redis: RedisProcess, options: RelayServerOptions = {}) {
  return startRelay({
    redisUrl: redis.url,
    greeting: 'none',
    ...options,
    api: { tokens: [PUBLISHER, ADMIN] },
  });
}

async function announce(url: string, content: string, room: string | null = 'ops'): Promise<string> {
  const response = await api(url)('POST', '/v1/messages', { content, room });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

async function page(url: string, query: string): Promise<Page> {
  const response = await api(url)('GET', `/v1/rooms/ops/messages${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as Page;
}

const contents = (p: Page) => p.messages.map(({ content }) => content);

async function redisClient(redis: RedisProcess) {
  const client = createClient({ url: redis.url });
  await client.connect();
  return track(client, (c) => c.destroy());
}

// Polls `check` until it holds or the deadline passes (what the timers do happens on their own time).
async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.runIf(HAS_REDIS)('the history in Redis', () => {
  it('is one history for every node: written on A, read on B over a socket, HTTP and SSE', async () => {
    const redis = await startRedis();
    const a = await startNode(redis);
    const b = await startNode(redis);
    expect(b.server.checkReadiness()).toMatchObject({ ready: true, checks: { historyStore: { ok: true } } });

    const alice = await connectClient(a.url, { auth: { name: 'alice', room: 'ops' } });
    const sent = await alice.emitWithAck('sendMessage', 'from alice on A');
    expect(sent.ok).toBe(true);
    const everyone = await announce(a.url, 'to everyone', null);
    await announce(a.url, 'elsewhere', 'general');
    const third = await announce(a.url, 'third');

    // Over a socket on node B.
    const bob = await connectClient(b.url, { auth: { name: 'bob', room: 'ops' } });
    const answer = (await bob.emitWithAck('history', { limit: 10 })) as HistoryAck;
    expect(answer.ok && answer.messages.map(({ content }) => content)).toEqual([
      'from alice on A',
      'to everyone',
      'third',
    ]);
    expect(answer.ok && answer.messages[0]?.meta).toMatchObject({ room: 'ops', from: { name: 'alice' } });

    // Over HTTP on node B, with both cursors and `more`.
    expect(await page(b.url, '?limit=2')).toMatchObject({ more: true });
    expect(contents(await page(b.url, '?limit=2'))).toEqual(['to everyone', 'third']);
    expect(contents(await page(b.url, `?before=${everyone}`))).toEqual(['from alice on A']);
    const after = await page(b.url, `?after=${sent.ok ? sent.id : ''}&limit=1`);
    expect(after).toMatchObject({ more: true, messages: [{ content: 'to everyone' }] });
    expect(await page(b.url, `?after=${third}`)).toEqual({ messages: [], more: false });
    const one = await api(b.url)('GET', `/v1/messages/${everyone}`);
    expect(await one.json()).toMatchObject({ content: 'to everyone', meta: { id: everyone, room: null } });
    expect((await api(b.url)('GET', '/v1/messages/01890000-0000-7000-8000-000000000000')).status).toBe(404);

    // SSE on node B resumes after Last-Event-ID from the shared log, then follows what A writes.
    const stream = await openStream(`${b.url}/v1/rooms/ops/events`, { 'last-event-id': everyone });
    expect((await stream.next()).id).toBe(third);
    const live = await announce(a.url, 'live from A');
    const event = await stream.next();
    expect(event.id).toBe(live);
    expect(JSON.parse(event.data as string)).toMatchObject({ content: 'live from A', meta: { room: 'ops' } });

    // A burst from both nodes at once: the stream sends every message once, in the history's order.
    const burst = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        announce(n % 2 ? a.url : b.url, `burst ${n}`, n % 5 ? 'ops' : null),
      ),
    );
    const streamed: string[] = [];
    while (streamed.length < burst.length) streamed.push((await stream.next()).id as string);
    const kept = await page(b.url, `?after=${live}&limit=50`);
    expect(streamed).toEqual(kept.messages.map(({ meta }) => meta.id));
    expect([...streamed].sort()).toEqual([...burst].sort());
  });

  it('trims each room to maxMessagesPerRoom, and by age', async () => {
    const redis = await startRedis();
    const a = await startNode(redis, { history: { maxMessagesPerRoom: 3 } });
    for (const n of [1, 2, 3]) await announce(a.url, `m${n}`);
    expect(await page(a.url, '')).toEqual({ messages: expect.any(Array), more: false });
    expect(contents(await page(a.url, ''))).toEqual(['m1', 'm2', 'm3']); // at the limit: all kept
    await announce(a.url, 'm4');
    expect(contents(await page(a.url, ''))).toEqual(['m2', 'm3', 'm4']); // one past it: the oldest goes
    const client = await redisClient(redis);
    expect(await client.xLen('relaykit:history:room:ops')).toBe(3);

    const b = await startNode(redis, { history: { maxAgeMs: 1000 } });
    // Node B's timer deletes what is older than its maxAgeMs, from every room, and drops emptied streams.
    await eventually(async () => (await client.exists('relaykit:history:room:ops')) === 0);
    expect(await page(b.url, '')).toEqual({ messages: [], more: false });
  });

  it('redacts on one node: clients of both nodes, SSE readers of both nodes and the log hear of it', async () => {
    const redis = await startRedis();
    const a = await startNode(redis);
    const b = await startNode(redis);
    const onA = await connectClient(a.url, { auth: { room: 'ops' } });
    const onB = await connectClient(b.url, { auth: { room: 'ops' } });
    const id = await announce(a.url, 'the secret is hunter2');
    const streamA = await openStream(`${a.url}/v1/rooms/ops/events?lastEventId=${id}`);
    const streamB = await openStream(`${b.url}/v1/rooms/ops/events?lastEventId=${id}`);
    const heard = [onA, onB].map((client) =>
      waitForEvent<[MessageRedactedEvent]>(client, 'messageRedacted', { timeoutMs: 5000 }),
    );
    expect((await api(a.url)('DELETE', `/v1/messages/${id}`)).status).toBe(204);
    for (const [event] of await Promise.all(heard)) expect(event).toEqual({ id, room: 'ops' });
    for (const stream of [streamA, streamB]) {
      const event = await stream.next();
      expect(event.event).toBe('redacted');
      expect(JSON.parse(event.data as string)).toEqual({ id, room: 'ops' });
    }
    expect((await api(b.url)('GET', `/v1/messages/${id}`)).status).toBe(404);
    expect(await page(b.url, '')).toEqual({ messages: [], more: false });
    expect((await api(b.url)('DELETE', `/v1/messages/${id}`)).status).toBe(404);

    // A cursor naming a redacted message is placed by its id.
    const before = await announce(a.url, 'before');
    const gone = await announce(b.url, 'gone');
    await announce(a.url, 'after');
    expect((await api(b.url)('DELETE', `/v1/messages/${gone}`)).status).toBe(204);
    expect(contents(await page(a.url, `?after=${gone}`))).toEqual(['after']);
    expect(contents(await page(a.url, `?before=${gone}`))).toEqual(['before']);
    expect(contents(await page(a.url, `?after=${before}`))).toEqual(['after']);
  });

  it('refuses messages and reads while Redis is down, says so in /readyz, and takes them again after', async () => {
    const redis = await startRedis();
    const a = await startNode(redis);
    const alice = await connectClient(a.url, { auth: { room: 'ops' } });
    await announce(a.url, 'before the outage');
    const replaying = await startNode(redis, { history: { replayOnConnect: 5 } });
    await redis.stop('SIGKILL');
    await eventually(async () => (await fetch(`${a.url}/readyz`)).status === 503);
    const readiness = (await (await fetch(`${a.url}/readyz`)).json()) as { detail: string };
    expect(readiness.detail).toMatch(/historyStore \(Redis is unreachable/);
    expect(a.server.checkReadiness().checks.historyStore).toMatchObject({ ok: false });

    const refused = await alice.emitWithAck('sendMessage', 'during the outage');
    expect(refused).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_NOT_READY' } });
    const read = await api(a.url)('GET', '/v1/rooms/ops/messages');
    expect(read.status).toBe(503);
    expect(await read.json()).toMatchObject({ code: 'RELAY_ERR_NOT_READY' });
    const history = (await alice.emitWithAck('history', {})) as HistoryAck;
    expect(history).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_NOT_READY' } });

    // A new connection's replay is skipped, and said so; the connection itself works.
    const late = await connectClient(replaying.url, { auth: { room: 'ops' } });
    await eventually(async () =>
      replaying.logs.some((line) => line.msg === 'replay on connect failed; skipped'),
    );
    expect(late.connected).toBe(true);

    await redis.start(); // empty: this Redis kept nothing
    await eventually(async () => (await fetch(`${a.url}/readyz`)).status === 200, 15_000);
    expect((await alice.emitWithAck('sendMessage', 'after the outage')).ok).toBe(true);
    expect(contents(await page(a.url, ''))).toEqual(['after the outage']);
  });

  it('refuses messages while Redis is full (maxmemory), says so in /readyz, and takes them once it has room', {
    timeout: 15_000,
  }, async () => {
    const redis = await startRedis();
    const a = await startNode(redis);
    const admin = await redisClient(redis);
    const alice = await connectClient(a.url, { auth: { room: 'ops' } });
    await announce(a.url, 'before');
    const leaked = await announce(a.url, 'a leaked secret');
    await admin.configSet('maxmemory', '1'); // noeviction, Redis's default: every write is refused

    for (const text of ['full 1', 'full 2', 'full 3']) {
      const refused = await alice.emitWithAck('sendMessage', text);
      expect(refused).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_STORE_UNAVAILABLE' } });
      expect(!refused.ok && refused.error.message).toMatch(/Redis is full .*raise its maxmemory/);
    }
    const post = await api(a.url)('POST', '/v1/messages', { content: 'full over HTTP', room: 'ops' });
    expect(post.status).toBe(503);
    expect(await post.json()).toMatchObject({ code: 'RELAY_ERR_STORE_UNAVAILABLE' });
    const readiness = await fetch(`${a.url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(((await readiness.json()) as { detail: string }).detail).toMatch(/historyStore \(Redis is full/);
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/^relay_history_store_available 0$/m);
    const fullLines = () => a.logs.filter((line) => line.msg?.startsWith('Redis is full'));
    expect(fullLines()).toHaveLength(1);
    // Reads work: Redis refuses only what adds data.
    // Redaction and reads still work: Redis refuses only what adds data (and transactions, which the
    // reads avoid).
    expect((await api(a.url)('DELETE', `/v1/messages/${leaked}`)).status).toBe(204);
    expect(contents(await page(a.url, ''))).toEqual(['before']);
    const history = (await alice.emitWithAck('history', {})) as HistoryAck;
    expect(history.ok && history.messages.map(({ content }) => content)).toEqual(['before']);

    // Room again: /readyz says so without a publish (a node out of rotation gets none).
    await admin.configSet('maxmemory', '0');
    await eventually(async () => (await fetch(`${a.url}/readyz`)).status === 200);
    expect(a.logs.some((line) => line.msg === 'Redis has room again: the history keeps messages')).toBe(true);
    expect((await alice.emitWithAck('sendMessage', 'after')).ok).toBe(true);
    expect(contents(await page(a.url, ''))).toEqual(['before', 'after']);
    expect(fullLines()).toHaveLength(1);
  });

  it('keeps the history when both nodes restart', async () => {
    const redis = await startRedis();
    const a = await startNode(redis);
    const b = await startNode(redis);
    const ids = [await announce(a.url, 'one'), await announce(b.url, 'two'), await announce(a.url, 'three')];
    await a.server.close();
    await b.server.close();
    const a2 = await startNode(redis);
    const b2 = await startNode(redis);
    for (const node of [a2, b2]) {
      const kept = await page(node.url, '');
      expect(kept.messages.map(({ meta }) => meta.id)).toEqual(ids);
      expect(contents(kept)).toEqual(['one', 'two', 'three']);
    }
  });

  it("keeps each node's own SQLite history with history.backend sqlite", async () => {
    const redis = await startRedis();
    const a = await startNode(redis, { history: { backend: 'sqlite' } });
    const b = await startNode(redis, { history: { backend: 'sqlite' } });
    await announce(a.url, 'only in A');
    expect(contents(await page(a.url, ''))).toEqual(['only in A']);
    expect(contents(await page(b.url, ''))).toEqual([]);
    const client = await redisClient(redis);
    expect(await client.exists('relaykit:history:room:ops')).toBe(0);
  });
});

describe('history.backend', () => {
  it("refuses 'redis' without redisUrl, naming the setting", async () => {
    await expect(startRelay({ history: { backend: 'redis' } })).rejects.toMatchObject({
      code: 'RELAY_ERR_CONFIG_INVALID',
      key: 'history.backend',
    });
  });
});
