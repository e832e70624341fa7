import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import type { MessageMeta, RelayServerOptions } from '../../src/index.js';
import { track } from '../support/cleanup.js';
import { connectClient, type TestClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;
const BATCH = 10;
const SYSTEM = { id: 'code', name: 'code', kind: 'http' } as const;

// Every message id a client heard, with how many times, and how many messages of each batch it heard.
function tally(client: TestClient): Map<string, number> & { batches: Map<string, number> } {
  const seen = Object.assign(new Map<string, number>(), { batches: new Map<string, number>() });
  client.on('sendMessageFromBack', (content, meta: MessageMeta) => {
    seen.set(meta.id, (seen.get(meta.id) ?? 0) + 1);
    const batch = typeof content === 'string' ? /^(http \d+\.\d+)\./.exec(content)?.[1] : undefined;
    if (batch !== undefined) seen.batches.set(batch, (seen.batches.get(batch) ?? 0) + 1);
  });
  return seen;
}

const post = (url: string, body: unknown, key?: string) =>
  fetch(`${url}/v1/messages/batch`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer ci-s3cr3t',
      'content-type': 'application/json',
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });

const clusterOptions = (redisUrl: string): RelayServerOptions => ({
  redisUrl,
  greeting: 'none',
  rateLimit: false,
  api: { tokens: ['ci:ci-s3cr3t:publish'], rateLimit: false },
});

describe.runIf(HAS_REDIS)('acknowledged messages across a Redis crash', () => {
  // This Redis keeps what it acknowledged through a crash (append-only file, written before it answers),
  // so any acknowledged message that goes missing was lost by a node, not by Redis.
  it('all reach the other node; the others are refused with RELAY_ERR_NOT_READY', {
    timeout: 60_000,
  }, async () => {
    const redis = await startRedis({ persist: true });
    const a = await startRelay(clusterOptions(redis.url));
    const b = await startRelay(clusterOptions(redis.url));
    const alice = await connectClient(a.url, { auth: { name: 'alice' } });
    const bob = await connectClient(b.url, { auth: { name: 'bob' } });
    const heardOnA = tally(alice);
    const heardOnB = tally(bob);
    const acked = new Set<string>();
    const refusals = new Map<string, number>(); // by code and channel
    let refusedMessages = 0;
    const unexpected: string[] = [];
    let attempts = 0;
    let sending = true;
    const refused = async (what: string, messages: number) => {
      refusals.set(what, (refusals.get(what) ?? 0) + 1);
      refusedMessages += messages;
      await delay(20); // a sender backing off, not spinning while Redis is away
    };

    // Batches over HTTP and acknowledged socket messages to node A, several of each in flight at once.
    const postBatches = async (worker: number) => {
      for (let round = 0; sending; round += 1) {
        attempts += 1;
        const messages = Array.from({ length: BATCH }, (_, i) => ({
          content: `http ${worker}.${round}.${i}`,
        }));
        try {
          const response = await post(a.url, { messages });
          const body = (await response.json()) as { messages?: { id: string }[]; code?: string };
          if (response.status === 202) for (const { id } of body.messages ?? []) acked.add(id);
          else if (response.status === 503 && response.headers.has('retry-after'))
            await refused(`HTTP 503 ${body.code}`, BATCH);
          else unexpected.push(`HTTP ${response.status} ${body.code}`);
        } catch (error) {
          unexpected.push(`HTTP ${(error as Error).message}`);
        }
      }
    };
    const sendMessages = async (worker: number) => {
      for (let round = 0; sending; round += 1) {
        attempts += 1;
        try {
          const ack = await alice.timeout(10_000).emitWithAck('sendMessage', `socket ${worker}.${round}`);
          if (ack.ok) acked.add(ack.id);
          else await refused(`ack ${ack.error.code}`, 1);
        } catch (error) {
          unexpected.push(`ack ${(error as Error).message}`);
        }
      }
    };
    const workers = [...[1, 2, 3, 4].map(postBatches), ...[1, 2, 3, 4, 5, 6, 7, 8].map(sendMessages)];

    await expect.poll(() => acked.size, { timeout: 10_000 }).toBeGreaterThanOrEqual(300);
    await redis.stop('SIGKILL'); // batches and messages are in flight
    await expect.poll(() => a.server.checkReadiness().ready, { timeout: 10_000, interval: 5 }).toBe(false);
    const attemptsAtOutage = attempts;
    await expect
      .poll(() => attempts, { timeout: 10_000, interval: 5 })
      .toBeGreaterThan(attemptsAtOutage + 40);
    await redis.start();
    // The whole readiness, so that a failure says which check stayed down.
    await expect.poll(() => a.server.checkReadiness(), { timeout: 20_000 }).toMatchObject({ ready: true });
    const ackedWhenBack = acked.size;
    await expect.poll(() => acked.size, { timeout: 10_000 }).toBeGreaterThanOrEqual(ackedWhenBack + 200);
    sending = false;
    await Promise.all(workers);

    const missingOnB = () => [...acked].filter((id) => !heardOnB.has(id));
    await expect
      .poll(() => missingOnB().length, { timeout: 10_000 })
      .toBe(0)
      .catch(() => undefined); // the assertion below says how many
    expect(
      missingOnB(),
      `${missingOnB().length} of ${acked.size} acknowledged messages never reached node B`,
    ).toEqual([]);
    expect(unexpected).toEqual([]);
    // Every refusal is RELAY_ERR_NOT_READY. Which channels get one depends on timing: a sender whose message
    // was in flight when Redis died waits (node-redis keeps the command queued) and is acknowledged once
    // Redis is back, so a sender may see no refusal at all; none may see any other answer.
    expect(refusals.size).toBeGreaterThan(0);
    for (const what of refusals.keys()) {
      expect(['HTTP 503 RELAY_ERR_NOT_READY', 'ack RELAY_ERR_NOT_READY']).toContain(what);
    }
    // Every node delivers what is in the stream: every acknowledged message, and perhaps a refused one
    // that Redis took just before it died without answering (node A's reader reads it from the stream
    // as node B's does); nothing else.
    for (const heard of [heardOnA, heardOnB]) {
      expect([...acked].filter((id) => !heard.has(id))).toEqual([]);
      expect(heard.size - acked.size).toBeLessThanOrEqual(refusedMessages);
    }
    expect([...heardOnA.values(), ...heardOnB.values()].every((count) => count === 1)).toBe(true);
    // A batch is all or nothing, on every node.
    for (const { batches } of [heardOnA, heardOnB]) {
      expect([...batches.values()].filter((count) => count !== BATCH)).toEqual([]);
    }
  });

  // A full Redis refused the stream's XADD with OOM, answered as NOT_READY: "unreachable, retry shortly".
  it('refuses a message and a batch while Redis is full, saying so, and takes them once it has room', async () => {
    const redis = await startRedis();
    const a = await startRelay({ ...clusterOptions(redis.url), history: false });
    const alice = await connectClient(a.url, { auth: { name: 'alice' } });
    const admin = track(createClient({ url: redis.url }), (c) => c.close());
    await admin.connect();
    await admin.configSet('maxmemory', '1');
    const refused = await alice.emitWithAck('sendMessage', 'while full');
    expect(refused).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_STORE_UNAVAILABLE' } });
    expect(!refused.ok && refused.error.message).toMatch(/Redis is full .*raise its maxmemory/);
    const batch = await post(a.url, { messages: [{ content: 'one' }, { content: 'two' }] });
    expect(batch.status).toBe(503);
    expect(await batch.json()).toMatchObject({ code: 'RELAY_ERR_STORE_UNAVAILABLE' });
    await admin.configSet('maxmemory', '0');
    expect(await alice.emitWithAck('sendMessage', 'with room')).toMatchObject({ ok: true });
  });

  it('refuses what Redis never confirmed, and no node delivers it: messages, batches, scheduled runs', async () => {
    const redis = await startRedis();
    const schedules = [{ id: 'standup', cron: '0 9 * * 1', content: 'standup in 5' }];
    const a = await startRelay({ ...clusterOptions(redis.url), schedules });
    const b = await startRelay(clusterOptions(redis.url));
    const alice = await connectClient(a.url, { auth: { name: 'alice' } });
    const bob = await connectClient(b.url, { auth: { name: 'bob' } });
    const heard: string[] = [];
    for (const client of [alice, bob])
      client.on('sendMessageFromBack', (content) => heard.push(String(content)));
    expect(await alice.emitWithAck('sendMessage', 'before')).toMatchObject({ ok: true });
    await expect.poll(() => heard.filter((text) => text === 'before').length, { timeout: 5000 }).toBe(2);

    redis.pause(); // the commands below reach Redis and wait there, never run
    const ack = alice.timeout(10_000).emitWithAck('sendMessage', 'in flight');
    const batch = post(a.url, { messages: [{ content: 'one' }, { content: 'two' }] });
    const run = a.server.scheduler.runNow('standup');
    const pending = (await Promise.race([Promise.all([ack, batch, run]), delay(300, 'pending')])) as unknown;
    expect(pending).toBe('pending'); // nothing is acknowledged before Redis confirms it
    await redis.stop('SIGKILL');

    expect(await ack).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_NOT_READY' } });
    const refused = await batch;
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('2');
    expect(await refused.json()).toMatchObject({ code: 'RELAY_ERR_NOT_READY' });
    expect(await run).toMatchObject({ outcome: 'failed', error: { code: 'RELAY_ERR_NOT_READY' } });

    await redis.start();
    await expect.poll(() => a.server.checkReadiness().ready, { timeout: 15_000 }).toBe(true);
    await expect.poll(() => b.server.checkReadiness().ready, { timeout: 15_000 }).toBe(true);
    expect(await alice.emitWithAck('sendMessage', 'after')).toMatchObject({ ok: true });
    await expect.poll(() => heard.filter((text) => text === 'after').length, { timeout: 5000 }).toBe(2);
    expect(heard).toEqual(['before', 'before', 'after', 'after']);
  });

  it('refuses HTTP publishes at once while Redis is away, keyed or not; a retry once it is back runs once', async () => {
    const redis = await startRedis();
    const a = await startRelay(clusterOptions(redis.url));
    const b = await startRelay(clusterOptions(redis.url));
    const bob = await connectClient(b.url, { auth: { name: 'bob' } });
    const heardOnB = tally(bob);
    const batch = { messages: [{ content: 'freeze at noon' }, { content: 'freeze at noon', room: 'ops' }] };

    await redis.stop();
    const redisCheck = () => a.server.checkReadiness().checks.redis?.detail;
    await expect.poll(redisCheck, { timeout: 10_000 }).toMatch(/^0\//);
    for (const key of [undefined, 'freeze-1']) {
      const refused = await post(a.url, batch, key);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('2');
      expect(await refused.json()).toMatchObject({ code: 'RELAY_ERR_NOT_READY', status: 503 });
    }
    expect(a.server.relay.publish.bind(a.server.relay, 'from code', { from: SYSTEM })).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_NOT_READY' }),
    );
    // One line for the outage, however many refusals; an unreachable Redis is not a RelayKit bug.
    const refusalLines = a.logs.filter((line) => line.code === 'RELAY_ERR_NOT_READY');
    expect(refusalLines.map((line) => [line.level, line.msg])).toEqual([[40, 'input refused']]);

    await redis.start();
    // Each node finds Redis back on its own reconnect schedule; the retry below goes to both.
    for (const node of [a, b]) {
      const check = () => node.server.checkReadiness().checks.redis?.detail;
      await expect.poll(check, { timeout: 15_000 }).toMatch(/^(\d+)\/\1 /);
    }
    const first = await post(a.url, batch, 'freeze-1');
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBe(null);
    const body = await first.json();
    const again = await post(b.url, batch, 'freeze-1'); // the same retry, on the other node
    expect(again.status).toBe(202);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await again.json()).toEqual(body);
    await expect.poll(() => heardOnB.size, { timeout: 5000 }).toBe(1); // bob is in the lobby, not in ops
    expect([...heardOnB.entries()]).toEqual([[body.messages[0].id, 1]]);
  });
});
