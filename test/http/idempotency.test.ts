// Idempotency-Key: a retried request gets the first answer and is not broadcast again.
import { describe, expect, it } from 'vitest';
import { IdempotentRequests } from '../../src/http/idempotent-requests.js';
import { MemoryIdempotencyStore } from '../../src/http/memory-idempotency-store.js';
import { captureLogs } from '../support/capture-logs.js';
import { listener, nextMessage, problemOf, startApiRelay } from './api-relay.js';

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

    // Concurrent retries wait for each other: still one broadcast.
    const together = await Promise.all(
      [1, 2, 3].map(() => send('/v1/messages', { ...request, headers: { 'idempotency-key': 'burst-1' } })),
    );
    const ids = await Promise.all(
      together.map(async (response) => ((await response.json()) as { id: string }).id),
    );
    expect(new Set(ids).size).toBe(1);

    const marker = nextMessage(client);
    await send('/v1/messages', { body: { content: 'marker' } });
    await marker;
    expect(heard).toEqual(['Release 42 shipped', 'Release 42 shipped', 'marker']);
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

  it('forgets a key after the window (api.idempotencyWindowMs)', async () => {
    const { send } = await startApiRelay({ api: { idempotencyWindowMs: 1000 } });
    const request = { body: { content: 'x' }, headers: { 'idempotency-key': 'short' } };
    const first = (await (await send('/v1/messages', request)).json()) as { id: string };
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const later = await send('/v1/messages', request);
    expect(later.headers.get('idempotent-replayed')).toBeNull();
    expect(((await later.json()) as { id: string }).id).not.toBe(first.id);
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
});
