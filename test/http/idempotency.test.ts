// Idempotency-Key: a retried request gets the first answer and is not broadcast again.
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { type IdempotencyRedis, RedisIdempotencyStore } from '../../src/cluster/redis-idempotency-store.js';
import type { IdempotencyStore, StoredAnswer } from '../../src/http/idempotency-store.js';
import { IdempotentRequests } from '../../src/http/idempotent-requests.js';
import { MemoryIdempotencyStore } from '../../src/http/memory-idempotency-store.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { gate } from '../support/gate.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { listener, nextMessage, problemOf, startApiRelay } from './api-relay.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

describe('Idempotency-Key', () => {
  it('answers a retry with the first answer and broadcasts once', async () => {
    const { url, send } = await startApiRelay();
    const client = await listener(url);
    const heard: unknown[] = [];
    client.on('sendMessageFromBack', (content) => heard.push(content));
    const request = {
      body: { content: 'Release 42 shipped', room: null },
      headers: { 'idempotency-key': 'release-42' },
    };
    const first = await send('/v1/messages', request);
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const firstBody = await first.json();
    const retry = await send('/v1/messages', request);
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(firstBody);

    const marker = nextMessage(client);
    await send('/v1/messages', { body: { content: 'marker' } });
    await marker;
    expect(heard).toEqual(['Release 42 shipped', 'marker']);
  });

  // The path as written and the body's key order made a retry through /v1/messages/ or with its keys
  // reordered a 422, though Express routed it to the same place and it asked for the same thing.
  it('takes a retry by its route and parsed body: trailing slash, case and key order are the same request', async () => {
    const { url, send } = await startApiRelay();
    const client = await listener(url, 'ops');
    const heard: unknown[] = [];
    client.on('sendMessageFromBack', (content) => heard.push(content));
    const headers = { 'idempotency-key': 'case-1' };
    const first = await send('/v1/messages', {
      raw: '{"content":{"a":1,"b":[{"y":2,"x":1}]},"room":"ops"}',
      headers,
    });
    expect(first.status).toBe(202);
    const { id } = (await first.json()) as { id: string };
    for (const [path, raw] of [
      ['/v1/messages/', '{"content":{"a":1,"b":[{"y":2,"x":1}]},"room":"ops"}'],
      ['/V1/Messages', '{"room":"ops","content":{"b":[{"x":1,"y":2}],"a":1}}'],
    ] as const) {
      const retry = await send(path, { raw, headers });
      expect(retry.status, path).toBe(202);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(((await retry.json()) as { id: string }).id).toBe(id);
    }
    // Still another request: another value, another array order, a "__proto__" key.
    for (const raw of [
      '{"content":{"a":2,"b":[{"y":2,"x":1}]},"room":"ops"}',
      '{"content":{"a":1,"b":[{"x":1},{"y":2}]},"room":"ops"}',
      '{"content":{"a":1,"b":[{"y":2,"x":1}],"__proto__":{"a":1}},"room":"ops"}',
    ]) {
      expect((await send('/v1/messages', { raw, headers })).status, raw).toBe(422);
    }
    const marker = nextMessage(client);
    await send('/v1/messages', { body: { content: 'marker', room: 'ops' } });
    await marker;
    expect(heard).toEqual([{ a: 1, b: [{ y: 2, x: 1 }] }, 'marker']);
  });

  it('keys are per token: another token with the same key publishes its own message', async () => {
    const { send } = await startApiRelay();
    const headers = { 'idempotency-key': 'same-key' };
    const a = await (await send('/v1/messages', { body: { content: 'x' }, headers })).json();
    const b = await (
      await send('/v1/messages', { body: { content: 'x' }, headers, token: 'ops-s3cr3t' })
    ).json();
    expect((a as { id: string }).id).not.toBe((b as { id: string }).id);
  });

  it('refuses the same key for a different request with 422 and sends nothing', async () => {
    const { url, send } = await startApiRelay();
    const headers = { 'idempotency-key': 'deploy-7' };
    expect((await send('/v1/messages', { body: { content: 'deploy 7' }, headers })).status).toBe(202);
    const client = await listener(url);
    const hears = nextMessage(client);
    const reused = await send('/v1/messages', { body: { content: 'something else' }, headers });
    expect(reused.status).toBe(422);
    expect(await problemOf(reused)).toMatchObject({
      code: 'RELAY_ERR_IDEMPOTENCY_KEY_REUSED',
      field: 'Idempotency-Key',
    });
    const otherRoute = await send('/v1/messages/batch', {
      body: { messages: [{ content: 'deploy 7' }] },
      headers,
    });
    expect(otherRoute.status).toBe(422);
    await send('/v1/messages', { body: { content: 'marker' } });
    expect((await hears).content).toBe('marker');
  });

  it('does not remember refused requests: a corrected retry with the same key goes through', async () => {
    const { send } = await startApiRelay();
    const headers = { 'idempotency-key': 'fix-me' };
    expect((await send('/v1/messages', { body: { content: 'x', room: 'bad room' }, headers })).status).toBe(
      400,
    );
    expect((await send('/v1/messages', { body: { content: 'x', room: 'good' }, headers })).status).toBe(202);
  });

  it('refuses a malformed key with a 400 naming the header', async () => {
    const { send } = await startApiRelay();
    const response = await send('/v1/messages', {
      body: { content: 'x' },
      headers: { 'idempotency-key': 'k'.repeat(256) },
    });
    expect(response.status).toBe(400);
    expect(await problemOf(response)).toMatchObject({
      code: 'RELAY_ERR_INVALID_REQUEST',
      field: 'Idempotency-Key',
    });
  });

  it('forgets a key after the window (api.idempotencyWindowMs), not before', async () => {
    const windowMs = 1000;
    const { send } = await startApiRelay({ api: { idempotencyWindowMs: windowMs } });
    const request = { body: { content: 'x' }, headers: { 'idempotency-key': 'short' } };
    const sentAt = Date.now();
    const first = (await (await send('/v1/messages', request)).json()) as { id: string };
    let later = await send('/v1/messages', request);
    expect(later.headers.get('idempotent-replayed')).toBe('true');
    // Retried until the key is forgotten: a replayed retry publishes nothing, so retrying is harmless.
    for (const deadline = sentAt + 3 * windowMs; later.headers.get('idempotent-replayed'); ) {
      if (Date.now() > deadline) throw new Error(`key still remembered ${3 * windowMs} ms later`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      later = await send('/v1/messages', request);
    }
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual(windowMs);
    expect(((await later.json()) as { id: string }).id).not.toBe(first.id);
  });
});

/**
 * A real store whose reads wait until the test opens `reads`: requests started together are then all in
 * flight at once, and whatever keeps two of them from both running the work has to do it.
 */
class GatedStore implements IdempotencyStore {
  readonly reads = gate();
  readonly keysRead: string[] = [];
  claims = 0;
  /** Extensions still to fail, as while Redis is away. */
  failExtends = 0;
  readonly #inner: IdempotencyStore;
  readonly claim?: IdempotencyStore['claim'];
  readonly release?: IdempotencyStore['release'];
  readonly extend?: IdempotencyStore['extend'];

  constructor(inner: IdempotencyStore) {
    this.#inner = inner;
    const { claim, release, extend } = inner;
    if (extend) {
      this.extend = (key, ttlMs) => {
        if (this.failExtends === 0) return extend.call(inner, key, ttlMs);
        this.failExtends -= 1;
        return Promise.reject(new Error('Redis is unreachable'));
      };
    }
    if (claim) {
      this.claim = (key, ttlMs) => {
        this.claims += 1;
        return claim.call(inner, key, ttlMs);
      };
    }
    if (release) this.release = (key) => release.call(inner, key);
  }

  async get(key: string): Promise<StoredAnswer | undefined> {
    this.keysRead.push(key);
    await this.reads.promise;
    return this.#inner.get(key);
  }

  set(key: string, answer: StoredAnswer, ttlMs: number): Promise<void> {
    return this.#inner.set(key, answer, ttlMs);
  }
}

/** Work that counts its runs and finishes when the test opens `done`. */
function countedWork() {
  const done = gate();
  const work = {
    runs: 0,
    done,
    produce: async () => {
      work.runs += 1;
      const id = `m${work.runs}`;
      await done.promise;
      return { status: 202, body: { id } };
    },
  };
  return work;
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('IdempotentRequests with requests in flight together', () => {
  it('runs concurrent requests with one key once on one node (in memory): the others wait, then replay', async () => {
    const store = new GatedStore(new MemoryIdempotencyStore({ maxEntries: 10 }));
    const requests = new IdempotentRequests({ store, windowMs: 60_000 });
    const work = countedWork();
    const calls = [1, 2, 3].map(() => requests.run('ci', 'burst-1', 'same request', work.produce));
    const other = requests.run('ci', 'another-key', 'other request', work.produce);
    await settled();
    // Queued behind the first, not racing it; a different key is not held up.
    expect(store.keysRead).toEqual(['ci\nburst-1', 'ci\nanother-key']);
    store.reads.open();
    work.done.open();
    const answers = await Promise.all(calls);
    expect(answers.map((answer) => answer.replayed)).toEqual([false, true, true]);
    expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
    expect((await other).replayed).toBe(false);
    expect(work.runs).toBe(2);
  });

  describe.runIf(HAS_REDIS)('on Redis', () => {
    async function redisStore(): Promise<IdempotencyStore> {
      const redis = await startRedis();
      const client = track(createClient({ url: redis.url }), (c) => c.close());
      await client.connect();
      return new RedisIdempotencyStore(client as unknown as IdempotencyRedis);
    }

    it('runs concurrent requests with one key once on one node: the others wait, then replay', async () => {
      const store = new GatedStore(await redisStore());
      const requests = new IdempotentRequests({ store, windowMs: 60_000 });
      const work = countedWork();
      const calls = [1, 2, 3].map(() => requests.run('ci', 'burst-1', 'same request', work.produce));
      await settled();
      expect(store.keysRead).toEqual(['ci\nburst-1']);
      store.reads.open();
      work.done.open();
      const answers = await Promise.all(calls);
      expect(answers.map((answer) => answer.replayed)).toEqual([false, true, true]);
      expect(work.runs).toBe(1);
      expect(store.claims).toBe(1);
    });

    it('runs the same request reaching two nodes at once on one of them; the other waits for its answer', async () => {
      const shared = await redisStore();
      const stores = [new GatedStore(shared), new GatedStore(shared)];
      const nodes = stores.map((store) => new IdempotentRequests({ store, windowMs: 60_000 }));
      const work = countedWork();
      const calls = nodes.map((node) => node.run('ci', 'deploy-1', 'same request', work.produce));
      await settled();
      // Both nodes read the key before either has an answer: nothing local can order them.
      expect(stores.map((store) => store.keysRead)).toEqual([['ci\ndeploy-1'], ['ci\ndeploy-1']]);
      for (const store of stores) store.reads.open();
      // Both ask for the key; one gets it and runs, the other waits while that work is still going.
      // (the waiting node keeps asking, in case the running one fails and gives the key back).
      await expect.poll(() => Math.min(...stores.map((store) => store.claims))).toBeGreaterThanOrEqual(1);
      expect(work.runs).toBe(1);
      work.done.open();
      const answers = await Promise.all(calls);
      expect(answers.map((answer) => answer.replayed).sort()).toEqual([false, true]);
      expect(answers[0]?.body).toEqual(answers[1]?.body);
      expect(work.runs).toBe(1);
    });

    it('answers a retry that waited maxWaitMs for another node still running it IN_FLIGHT, and runs it once', async () => {
      const shared = await redisStore();
      const stores = [new GatedStore(shared), new GatedStore(shared)];
      for (const store of stores) store.reads.open();
      const [running, retrying] = stores.map(
        (store) => new IdempotentRequests({ store, windowMs: 60_000, claimMs: 100, maxWaitMs: 300 }),
      );
      const work = countedWork();
      const ran = running?.run('ci', 'hung-run', 'same request', work.produce);
      await expect.poll(() => work.runs).toBe(1);
      await expect(retrying?.run('ci', 'hung-run', 'same request', work.produce)).rejects.toMatchObject({
        code: 'RELAY_ERR_IDEMPOTENCY_KEY_IN_FLIGHT',
      });
      work.done.open();
      expect(await ran).toMatchObject({ replayed: false });
      expect(await retrying?.run('ci', 'hung-run', 'same request', work.produce)).toMatchObject({
        replayed: true,
      });
      expect(work.runs).toBe(1);
    });

    it('extends and releases only a claim it still holds: a lapsed claim taken by another node stays theirs', async () => {
      const redis = await startRedis();
      const client = track(createClient({ url: redis.url }), (c) => c.close());
      await client.connect();
      const stores = () =>
        [1, 2, 3].map(() => new RedisIdempotencyStore(client as unknown as IdempotencyRedis));
      const lapse = async (key: string, holder?: RedisIdempotencyStore, next?: RedisIdempotencyStore) => {
        expect(await holder?.claim(key, 100)).toBe(true);
        await expect
          .poll(() => client.exists(`relaykit:idempotency:claim:${key}`), { timeout: 2000 })
          .toBe(0);
        expect(await next?.claim(key, 60_000)).toBe(true);
      };
      // A late release of a lapsed claim does not free the claim another node took since.
      const [a, b, c] = stores();
      await lapse('ci\nreleased', a, b);
      await a?.release?.('ci\nreleased');
      expect(await c?.claim('ci\nreleased', 1000)).toBe(false);
      await b?.release?.('ci\nreleased');
      expect(await c?.claim('ci\nreleased', 1000)).toBe(true);
      // Nor does a late extension shorten (or keep) it.
      const [d, e] = stores();
      await lapse('ci\nextended', d, e);
      await d?.extend?.('ci\nextended', 100);
      expect(await client.pTTL('relaykit:idempotency:claim:ci\nextended')).toBeGreaterThan(1000);
    });

    // node-redis queues commands while it reconnects: the answer's SET waited for Redis, and so did the
    // 202 of a request whose messages were already out.
    it('answers at once when Redis goes away after the work ran, without replay protection', async () => {
      const redis = await startRedis();
      const client = track(createClient({ url: redis.url }), (c) => c.close());
      client.on('error', () => undefined);
      await client.connect();
      const store = new RedisIdempotencyStore(client as unknown as IdempotencyRedis);
      const requests = new IdempotentRequests({ store, windowMs: 60_000 });
      const answer = requests.run('ci', 'outage-1', 'same request', async () => {
        await redis.stop('SIGKILL');
        await expect.poll(() => client.isReady, { timeout: 3000 }).toBe(false);
        return { status: 202, body: { id: 'm1' } };
      });
      // Within the test's deadline, Redis still down.
      expect(await answer).toMatchObject({ status: 202, replayed: false });
      await expect(
        store.set('ci\nother', { fingerprint: 'f', status: 202, body: {} }, 1000),
      ).rejects.toMatchObject({
        code: 'RELAY_ERR_NOT_READY',
      });
    });

    it('keeps the claim of a request that outlives it, so a retry on another node waits instead of running', async () => {
      const shared = await redisStore();
      const claimMs = 200;
      const running = new GatedStore(shared);
      // Two extensions in a row fail (a short Redis outage): the next ones must come before the claim ends.
      running.failExtends = 2;
      const retrying = new GatedStore(shared);
      running.reads.open();
      retrying.reads.open();
      const [first, second] = [running, retrying].map(
        (store) => new IdempotentRequests({ store, windowMs: 60_000, claimMs }),
      );
      const work = countedWork();
      const ran = first?.run('ci', 'slow-run-1', 'same request', work.produce);
      await expect.poll(() => work.runs).toBe(1);
      const retried = second?.run('ci', 'slow-run-1', 'same request', work.produce);
      // A slow scheduled run: three claims' worth of time, which the running node's claim must outlast.
      await new Promise((resolve) => setTimeout(resolve, 3 * claimMs));
      expect(running.failExtends).toBe(0);
      expect(work.runs).toBe(1);
      work.done.open();
      const answers = await Promise.all([ran, retried]);
      expect(answers.map((answer) => answer?.replayed)).toEqual([false, true]);
      expect(work.runs).toBe(1);
    });
  });
});

describe('IdempotentRequests with a failing store', () => {
  it('keeps the answer of a request whose messages went out when the store cannot record it', async () => {
    const { logger, lines } = captureLogs();
    const store = new MemoryIdempotencyStore({ maxEntries: 10 });
    store.set = () => Promise.reject(new Error('Redis is away'));
    const requests = new IdempotentRequests({ store, windowMs: 60_000, logger });
    let published = 0;
    const answer = await requests.run('ci', 'deploy-9', 'fingerprint', () => {
      published += 1;
      return { status: 202, body: { id: 'm1' } };
    });
    expect(answer).toMatchObject({ status: 202, body: { id: 'm1' }, replayed: false });
    expect(published).toBe(1);
    expect(lines.find((line) => line.msg?.startsWith('idempotency store failed'))).toMatchObject({
      level: 50,
    });
  });
});

describe('MemoryIdempotencyStore', () => {
  const answer = (n: number) => ({ fingerprint: `f${n}`, status: 202, body: { n } });

  it('forgets entries after their TTL', async () => {
    let now = 1000;
    const store = new MemoryIdempotencyStore({ maxEntries: 10, now: () => now });
    await store.set('a', answer(1), 500);
    expect(await store.get('a')).toEqual(answer(1));
    now = 1499;
    expect(await store.get('a')).toEqual(answer(1));
    now = 1500;
    expect(await store.get('a')).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('keeps at most maxEntries, forgetting the oldest first, and drops expired ones as new ones come', async () => {
    let now = 0;
    const store = new MemoryIdempotencyStore({ maxEntries: 3, now: () => now });
    for (const n of [1, 2, 3, 4]) await store.set(`k${n}`, answer(n), 10_000);
    expect(store.size).toBe(3);
    expect(await store.get('k1')).toBeUndefined();
    expect(await store.get('k4')).toEqual(answer(4));
    now = 20_000;
    await store.set('k5', answer(5), 10_000);
    expect(store.size).toBe(1);
  });

  // Answers were kept as live objects, bounded only by their count: 1 500 batches of 1 000 messages
  // took 910 MB, and fewer than 8 000 ended the process.
  it('keeps at most maxBytes of answers, as their JSON text, forgetting the oldest first', async () => {
    const sized = (n: number) => ({ fingerprint: `f${n}`, status: 202, body: { pad: 'x'.repeat(60) } });
    const one = JSON.stringify(sized(1)).length;
    const store = new MemoryIdempotencyStore({ maxEntries: 100, maxBytes: 3 * one });
    for (const n of [1, 2, 3]) await store.set(`k${n}`, sized(n), 10_000);
    expect(store.size).toBe(3); // at the limit: all kept
    expect(store.bytes).toBe(3 * one);
    await store.set('k4', sized(4), 10_000); // one past it: the oldest goes
    expect(store.size).toBe(3);
    expect(await store.get('k1')).toBeUndefined();
    expect(await store.get('k4')).toEqual(sized(4));
    // A copy, not the stored answer itself: what a caller does with it cannot change the next replay.
    const first = await store.get('k2');
    expect(first).not.toBe(await store.get('k2'));
    // An answer bigger than the whole store is not kept, and keeps nothing else out.
    await store.set('huge', { fingerprint: 'h', status: 202, body: 'x'.repeat(4 * one) }, 10_000);
    expect(await store.get('huge')).toBeUndefined();
    expect(store.size).toBe(3);
    // Counted in UTF-8 bytes: an answer in another script takes more than its length in characters.
    const wide = new MemoryIdempotencyStore({ maxEntries: 100 });
    await wide.set('jp', { fingerprint: 'j', status: 202, body: '日本語' }, 10_000);
    expect(wide.bytes).toBe(
      Buffer.byteLength(JSON.stringify({ fingerprint: 'j', status: 202, body: '日本語' })),
    );
  });
});
