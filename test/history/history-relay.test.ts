// History through a real relay: sockets' `history` event, the HTTP routes, acks that wait for the log,
// redaction, and a store that stops taking writes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HistoryAck, MessageContent, MessageMeta, SendAck } from '../../src/index.js';
import {
  ADMIN,
  adminCall,
  listener,
  nextMessage,
  PUBLISHER,
  problemOf,
  startApiRelay,
} from '../http/api-relay.js';
import { storeMissedJob, tempStore } from '../schedule/temp-store.js';
import { track } from '../support/cleanup.js';
import type { TestClient } from '../support/connect-client.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

const READ_ONLY = 'auditor:auditor-s3cr3t:read';

async function tempDir(): Promise<string> {
  return track(await mkdtemp(path.join(tmpdir(), 'relaykit-history-')), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );
}

function history(client: TestClient, request: Record<string, unknown>): Promise<HistoryAck> {
  return client.timeout(5000).emitWithAck('history', request as never) as Promise<HistoryAck>;
}
function send(client: TestClient, content: MessageContent): Promise<SendAck> {
  return client.timeout(5000).emitWithAck('sendMessage', content);
}
const texts = (ack: HistoryAck) => (ack.ok ? ack.messages.map(({ content }) => content) : ack);

describe('what reading history costs a socket', () => {
  it('takes one token more for each 256 KiB a page holds as sent: at 262 143 characters none, at 262 144 one', async () => {
    const { url, server } = await startApiRelay({
      greeting: 'none',
      rateLimit: { burst: 3, perSecond: 0.001 },
    });
    const from = { id: 'svc', name: 'svc', kind: 'http' } as const;
    // 64 messages of JSON text: their characters and two quotes each.
    for (const [room, last] of [
      ['a', 4095 - 128],
      ['b', 4096 - 128],
    ] as const) {
      for (let i = 0; i < 63; i++) await server.relay.publish('x'.repeat(4096), { from, room }).committed;
      await server.relay.publish('y'.repeat(last), { from, room }).committed;
    }
    const outcomes = async (room: string) => {
      const client = await listener(url, room);
      const results: string[] = [];
      for (let i = 0; i < 4; i++) {
        const ack = await history(client, { room, limit: 64 });
        results.push(ack.ok ? `${ack.messages.length}` : ack.error.code);
      }
      return results;
    };
    expect(await outcomes('a')).toEqual(['64', '64', '64', 'RELAY_ERR_RATE_LIMITED']);
    expect(await outcomes('b')).toEqual(['64', '64', 'RELAY_ERR_RATE_LIMITED', 'RELAY_ERR_RATE_LIMITED']);
  });
});

describe('message history', () => {
  it('lets a late joiner read what people, HTTP announcements and scheduled runs said before it came', async () => {
    const { url, send: call } = await startApiRelay({
      api: { tokens: [PUBLISHER, ADMIN] },
      schedules: [{ id: 'standup', cron: '0 0 1 1 *', content: 'Stand-up now', room: 'ops' }],
    });
    const early = await listener(url, 'ops');
    expect(await send(early, 'hello ops')).toMatchObject({ ok: true });
    expect((await call('/v1/messages', { body: { content: 'Deploy done', room: 'ops' } })).status).toBe(202);
    expect((await call('/v1/messages', { body: { content: 'Freeze for everyone' } })).status).toBe(202);
    expect((await call('/v1/messages', { body: { content: 'elsewhere', room: 'general' } })).status).toBe(
      202,
    );
    const run = await call('/v1/schedules/standup/run', { token: 'ops-s3cr3t' });
    expect(run.status).toBe(200);

    const late = await listener(url, 'ops');
    const page = await history(late, {});
    expect(texts(page)).toEqual(['hello ops', 'Deploy done', 'Freeze for everyone', 'Stand-up now']);
    expect(page).toMatchObject({ ok: true, more: false });
    if (!page.ok) throw new Error('history refused');
    expect(page.messages[0]?.meta).toMatchObject({ room: 'ops', from: { kind: 'user' } });
    expect(page.messages[2]?.meta).toMatchObject({ room: null, from: { kind: 'http' } });
    expect(page.messages[3]?.meta).toMatchObject({ room: 'ops', from: { kind: 'schedule' } });
    // Another room by name, and paging back from a cursor.
    expect(texts(await history(late, { room: 'general' }))).toEqual(['Freeze for everyone', 'elsewhere']);
    const older = await history(late, { before: page.messages[2]?.meta.id, limit: 1 });
    expect(older).toMatchObject({ ok: true, more: true });
    expect(texts(older)).toEqual(['Deploy done']);
  });

  it('keeps a missed-run catch-up, which runs once the relay listens, for the people who join after', async () => {
    const store = await tempStore();
    storeMissedJob(store, 'nightly', 2000);
    const { url, server } = await startApiRelay({ scheduler: { store, missedRunGraceMs: 60_000 } });
    await expect.poll(() => server.scheduler.get('nightly').runs, { timeout: 4000 }).toBe(1);
    const late = await listener(url);
    const page = await history(late, {});
    expect(texts(page)).toEqual(['missed nightly']);
    expect(page.ok && page.messages[0]?.meta.from.kind).toBe('schedule');
  });

  it('acknowledges a message only once it is in the log, and keeps no greeting', async () => {
    const { url, server } = await startApiRelay({ greeting: 'self' });
    const client = await listener(url, 'ops');
    const ack = await send(client, 'stored first');
    if (!ack.ok) throw new Error('refused');
    // The ack came: the message is readable at once, with the id the ack gave.
    const page = await server.relay.readHistory({ room: 'ops', limit: 10 });
    expect(page.messages.map(({ meta }) => meta.id)).toEqual([ack.id]);
    expect(
      server.relay.publish('x', { from: { id: 'a', name: 'a', kind: 'http' } }).committed,
    ).toBeInstanceOf(Promise);
  });

  it('answers bad history requests with typed errors: cursor, limit at and past its cap, room', async () => {
    const { url } = await startApiRelay();
    const client = await listener(url, 'ops');
    const code = async (request: Record<string, unknown>) => {
      const ack = await history(client, request);
      return ack.ok ? 'ok' : ack.error.code;
    };
    expect(await code({ before: 'not-an-id' })).toBe('RELAY_ERR_INVALID_CURSOR');
    expect(
      await code({
        before: '0190a5a0-0000-7000-8000-000000000000',
        after: '0190a5a0-0000-7000-8000-000000000001',
      }),
    ).toBe('RELAY_ERR_INVALID_CURSOR');
    // An id of a day ahead at most may come from a node whose clock is ahead; past that, none made it.
    const idAt = (ms: number) => {
      const time = ms.toString(16).padStart(12, '0');
      return `${time.slice(0, 8)}-${time.slice(8)}-7000-8000-000000000000`;
    };
    expect(await code({ after: idAt(Date.now() + 23 * 3_600_000) })).toBe('ok');
    expect(await code({ after: idAt(Date.now() + 25 * 3_600_000) })).toBe('RELAY_ERR_INVALID_CURSOR');
    expect(await code({ before: 'ffffffff-ffff-7fff-bfff-ffffffffffff' })).toBe('RELAY_ERR_INVALID_CURSOR');
    expect(await code({ limit: 200 })).toBe('ok');
    expect(await code({ limit: 201 })).toBe('RELAY_ERR_INVALID_OPTIONS');
    expect(await code({ limit: 0 })).toBe('RELAY_ERR_INVALID_OPTIONS');
    expect(await code({ limit: 1.5 })).toBe('RELAY_ERR_INVALID_OPTIONS');
    expect(await code({ room: 'no such room!' })).toBe('RELAY_ERR_INVALID_ROOM');
    // Over HTTP, the fix no longer tells a curl user about botMessage options.
    const zero = await problemOf(await adminCall(url)('GET', '/v1/rooms/ops/messages?limit=0'));
    expect(zero).toMatchObject({ code: 'RELAY_ERR_INVALID_OPTIONS' });
    expect(zero.detail).not.toContain('botMessage');
    expect(zero.detail).toContain('/openapi.json');
    // The socket is still fine.
    expect(await send(client, 'still here')).toMatchObject({ ok: true });
  });

  it('serves history over HTTP with the read scope (admin included), oldest first, and one message by id', async () => {
    const { send: call } = await startApiRelay({ api: { tokens: [PUBLISHER, ADMIN, READ_ONLY] } });
    const ids: string[] = [];
    for (const content of ['one', 'two', 'three']) {
      const response = await call('/v1/messages', { body: { content, room: 'ops' } });
      ids.push(((await response.json()) as { id: string }).id);
    }
    const get = (p: string, token: string) => call(p, { method: 'GET', token });
    const page = await get('/v1/rooms/ops/messages?limit=2', 'auditor-s3cr3t');
    expect(page.status).toBe(200);
    const body = (await page.json()) as { messages: { content: string; meta: MessageMeta }[]; more: boolean };
    expect(body.messages.map(({ content }) => content)).toEqual(['two', 'three']);
    expect(body.more).toBe(true);
    const before = await get(`/v1/rooms/ops/messages?before=${ids[1]}`, 'ops-s3cr3t');
    expect(((await before.json()) as typeof body).messages.map(({ content }) => content)).toEqual(['one']);
    const one = await get(`/v1/messages/${ids[0]}`, 'auditor-s3cr3t');
    expect(await one.json()).toMatchObject({ content: 'one', meta: { id: ids[0], room: 'ops' } });

    expect((await problemOf(await get('/v1/rooms/ops/messages', 'ci-s3cr3t'))).code).toBe(
      'RELAY_ERR_FORBIDDEN',
    );
    expect((await problemOf(await get('/v1/rooms/ops/messages?after=nope', 'ops-s3cr3t'))).code).toBe(
      'RELAY_ERR_INVALID_CURSOR',
    );
    const twice = await get('/v1/rooms/ops/messages?limit=1&limit=2', 'ops-s3cr3t');
    expect(await problemOf(twice)).toMatchObject({ code: 'RELAY_ERR_INVALID_REQUEST', field: 'limit' });
    const tooMany = await get('/v1/rooms/ops/messages?limit=201', 'ops-s3cr3t');
    expect(tooMany.status).toBe(400);
    expect((await get('/v1/rooms/ops/messages?limit=200', 'ops-s3cr3t')).status).toBe(200);
    expect((await problemOf(await get('/v1/rooms/bad%20room/messages', 'ops-s3cr3t'))).code).toBe(
      'RELAY_ERR_INVALID_ROOM',
    );
    const missing = await get('/v1/messages/0190a5a0-0000-7000-8000-000000000000', 'ops-s3cr3t');
    expect(missing.status).toBe(404);
    expect((await problemOf(missing)).code).toBe('RELAY_ERR_MESSAGE_NOT_FOUND');
  });

  it('pages over HTTP without skipping or repeating while writers keep publishing', async () => {
    const { send: call, server } = await startApiRelay({
      history: { store: ':memory:', maxMessagesPerRoom: 100_000 },
      api: { tokens: [PUBLISHER, ADMIN], rateLimit: false },
    });
    const from = { id: 'feed', name: 'feed', kind: 'http' } as const;
    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await server.relay.publish(`w${written++}`, { from, room: 'ops' }).committed;
        if (written % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    const page = async (query: string) => {
      const response = await call(`/v1/rooms/ops/messages?${query}`, { method: 'GET', token: 'ops-s3cr3t' });
      if (response.status !== 200) throw new Error(`${response.status} ${await response.text()}`);
      return (await response.json()) as { messages: { content: string; meta: MessageMeta }[]; more: boolean };
    };
    const seen: string[] = [];
    try {
      // Wait for some history, then follow it forwards with small pages while the writer runs.
      await expect.poll(() => written, { timeout: 5000 }).toBeGreaterThan(50);
      const first = await page('limit=1');
      let after = first.messages[0]?.meta.id as string;
      seen.push(first.messages[0]?.content as string);
      for (let reads = 0; reads < 40; reads += 1) {
        const next = await page(`after=${after}&limit=7`);
        seen.push(...next.messages.map(({ content }) => content));
        after = next.messages.at(-1)?.meta.id ?? after;
      }
    } finally {
      writing = false;
      await writer;
    }
    expect(seen.length).toBeGreaterThan(20);
    const start = Number(seen[0]?.slice(1));
    expect(seen).toEqual(seen.map((_, i) => `w${start + i}`));
  });

  it('redacts a message (admin): gone from the log, and live clients of its room are told', async () => {
    const { url, send: call } = await startApiRelay({ api: { tokens: [PUBLISHER, ADMIN, READ_ONLY] } });
    const ops = await listener(url, 'ops');
    const general = await listener(url, 'general');
    const heard = nextMessage(ops);
    const response = await call('/v1/messages', {
      body: { content: 'the password is hunter2', room: 'ops' },
    });
    const { id } = (await response.json()) as { id: string };
    await heard;
    const told = waitForEvent<[{ id: string; room: string | null }]>(ops, 'messageRedacted');
    const notTold = collectEvents(general, 'messageRedacted', 300);
    expect((await call(`/v1/messages/${id}`, { method: 'DELETE', token: 'auditor-s3cr3t' })).status).toBe(
      403,
    );
    expect((await call(`/v1/messages/${id}`, { method: 'DELETE', token: 'ops-s3cr3t' })).status).toBe(204);
    expect((await told)[0]).toEqual({ id, room: 'ops' });
    expect(await notTold).toEqual([]);
    expect(texts(await history(ops, {}))).toEqual([]);
    expect((await call(`/v1/messages/${id}`, { method: 'DELETE', token: 'ops-s3cr3t' })).status).toBe(404);
  });

  it('refuses new messages while its store cannot be written: /readyz 503, one error line, nothing delivered', async () => {
    const store = path.join(await tempDir(), 'history.db');
    const { url, send: call, logs } = await startApiRelay({ history: { store } });
    const client = await listener(url, 'ops');
    const other = await listener(url, 'ops');
    // The sender's ack can come before the other listener hears it: wait for both, so that the quiet
    // window below starts after everything that was accepted has arrived.
    const heardBefore = waitForEvent(other, 'sendMessageFromBack', {
      filter: (content) => content === 'before',
    });
    expect(await send(client, 'before')).toMatchObject({ ok: true });
    await heardBefore;
    await rm(store);
    const delivered = collectEvents(other, 'sendMessageFromBack', 500);
    const refused = await send(client, 'lost?');
    expect(refused).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_STORE_UNAVAILABLE' } });
    expect(await send(client, 'again')).toMatchObject({
      ok: false,
      error: { code: 'RELAY_ERR_STORE_UNAVAILABLE' },
    });
    const http = await call('/v1/messages', { body: { content: 'announce', room: 'ops' } });
    expect(http.status).toBe(503);
    // The OpenAPI document promises a Retry-After on every 503 of the publish routes.
    expect(http.headers.get('retry-after')).toBe('5');
    const problem = await problemOf(http);
    expect(problem.code).toBe('RELAY_ERR_STORE_UNAVAILABLE');
    expect(await delivered).toEqual([]);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    const readiness = JSON.stringify(await ready.json());
    expect(readiness).toContain('historyStore (the file was deleted while the relay ran)');
    // Where the file is, is the operator's to read in the log, not a caller's (/readyz needs no token).
    for (const told of [readiness, JSON.stringify(problem), JSON.stringify(refused)]) {
      expect(told).not.toContain(path.dirname(store));
    }
    const metrics = await (
      await fetch(`${url}/metrics`, { headers: { authorization: 'Bearer ops-s3cr3t' } })
    ).text();
    expect(metrics).toMatch(/relay_history_store_available 0/);
    const errors = logs.filter((line) => line.code === 'RELAY_ERR_STORE_UNAVAILABLE' && line.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ store });
  });

  it('names the file in its one error line when /readyz finds the store gone before any write does', async () => {
    const store = path.join(await tempDir(), 'history.db');
    const { url, logs } = await startApiRelay({ history: { store } });
    await rm(store);
    for (let i = 0; i < 3; i += 1) expect((await fetch(`${url}/readyz`)).status).toBe(503);
    const errors = logs.filter((line) => line.code === 'RELAY_ERR_STORE_UNAVAILABLE' && line.level === 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ store });
  });

  it('a scheduled run that the store refuses fails and names no message: it was not published', async () => {
    const store = path.join(await tempDir(), 'history.db');
    const { send: call } = await startApiRelay({ history: { store } });
    const admin = { token: 'ops-s3cr3t' };
    const added = await call('/v1/schedules', {
      ...admin,
      body: { id: 'standup', cron: '0 9 * * *', content: 'hi' },
    });
    expect(added.status).toBe(201);
    // The run is the first write after the file went: its publish is accepted, its commit refused.
    await rm(store);
    const run = await call('/v1/schedules/standup/run', { ...admin, body: {} });
    expect(run.status).toBe(200);
    const record = (await run.json()) as { outcome: string; messageId?: string; error?: { code: string } };
    expect(record).toMatchObject({ outcome: 'failed', error: { code: 'RELAY_ERR_STORE_UNAVAILABLE' } });
    expect(record).not.toHaveProperty('messageId');
  });

  it('a code job that publishes and then throws: its run fails, names the message it published, ends nothing', async () => {
    const store = path.join(await tempDir(), 'history.db');
    const { server } = await startApiRelay({ history: { store } });
    server.scheduler.every('bot:flaky', '0 9 * * *', ({ publish }) => {
      publish('first, then a bug');
      throw new Error('a bug after publishing');
    });
    const kept = await server.scheduler.runNow('bot:flaky');
    expect(kept).toMatchObject({ outcome: 'failed', messageId: expect.any(String) });
    expect(kept.error?.message).toContain('a bug after publishing');
    // With the store gone, the message's commit is refused too: nothing is left unhandled (that would
    // end the process, and vitest this run), and no message is named.
    await rm(store);
    const refused = await server.scheduler.runNow('bot:flaky');
    expect(refused).toMatchObject({ outcome: 'failed' });
    expect(refused).not.toHaveProperty('messageId');
  });

  it('costs nothing with history: false: no store, the history event answers RELAY_ERR_HISTORY_OFF', async () => {
    const { url, server } = await startApiRelay({ history: false });
    const client = await listener(url, 'ops');
    expect(
      server.relay.publish('x', { from: { id: 'a', name: 'a', kind: 'http' } }).committed,
    ).toBeUndefined();
    const ack = await history(client, {});
    expect(ack).toMatchObject({ ok: false, error: { code: 'RELAY_ERR_HISTORY_OFF' } });
    // Over HTTP too, on every history route: the history is off, the route is not unknown.
    const id = '01900000-0000-7000-8000-000000000000';
    const calls: Array<[string, string]> = [
      ['GET', '/v1/rooms/ops/messages'],
      ['GET', '/v1/rooms/ops/events'],
      ['GET', `/v1/messages/${id}`],
      ['DELETE', `/v1/messages/${id}`],
    ];
    for (const [method, path] of calls) {
      const response = await adminCall(url)(method, path);
      expect(response.status, `${method} ${path}`).toBe(404);
      const problem = await problemOf(response);
      expect(problem).toMatchObject({ code: 'RELAY_ERR_HISTORY_OFF' });
      // The detail said "this relay keeps no history (history: false)" twice, as message and as fix.
      expect(String(problem.detail).split('keeps no history')).toHaveLength(2);
    }
  });
});
