// GET /v1/rooms/{room}/events: Server-Sent Events read with a real fetch stream.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { MAX_STREAMS_PER_TOKEN } from '../../src/history/history-routes.js';
import { ADMIN, PUBLISHER, problemOf, READER, startApiRelay } from '../http/api-relay.js';
import { track } from '../support/cleanup.js';
import { openStream } from '../support/open-event-stream.js';

describe('GET /v1/rooms/{room}/events', () => {
  it('streams the room (announcements included) and resumes exactly after Last-Event-ID', async () => {
    const { url, send } = await startApiRelay({ api: { tokens: [PUBLISHER, ADMIN] } });
    const publish = async (content: string, room: string | null = 'ops') => {
      const response = await send('/v1/messages', { body: { content, room } });
      return ((await response.json()) as { id: string }).id;
    };
    await publish('before the stream');
    const first = await openStream(`${url}/v1/rooms/ops/events`);
    expect(first.response.status).toBe(200);
    expect(first.response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const ids = [await publish('one'), await publish('two', null), await publish('elsewhere', 'general')];
    const a = await first.next();
    const b = await first.next();
    expect(a.id).toBe(ids[0]);
    expect(JSON.parse(a.data as string)).toMatchObject({ content: 'one', meta: { id: ids[0], room: 'ops' } });
    expect(b.id).toBe(ids[1]);
    first.close();

    const later = [await publish('three'), await publish('four')];
    const resumed = await openStream(`${url}/v1/rooms/ops/events`, { 'last-event-id': a.id as string });
    const got = [await resumed.next(), await resumed.next(), await resumed.next()];
    expect(got.map(({ id }) => id)).toEqual([ids[1], ...later]);
    // Then live, nothing repeated.
    const live = await publish('five');
    expect((await resumed.next()).id).toBe(live);
  });

  it('refuses a malformed Last-Event-ID, one of no message yet, and a token without the read scope', async () => {
    const { url } = await startApiRelay({ api: { tokens: [PUBLISHER, ADMIN] } });
    const bad = await fetch(`${url}/v1/rooms/ops/events`, {
      headers: { authorization: 'Bearer ops-s3cr3t', 'last-event-id': 'x' },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('RELAY_ERR_INVALID_CURSOR');
    // Well formed, but of the year 10889: a stream from it would never deliver anything.
    const ahead = await fetch(`${url}/v1/rooms/ops/events`, {
      headers: {
        authorization: 'Bearer ops-s3cr3t',
        'last-event-id': 'ffffffff-ffff-7fff-bfff-ffffffffffff',
      },
    });
    expect(ahead.status).toBe(400);
    expect(((await ahead.json()) as { detail: string }).detail).toContain('more than a day past');
    const forbidden = await fetch(`${url}/v1/rooms/ops/events`, {
      headers: { authorization: 'Bearer ci-s3cr3t' },
    });
    expect(forbidden.status).toBe(403);
  });

  it('tells the stream of a redaction', async () => {
    const { url, send } = await startApiRelay({ api: { tokens: [PUBLISHER, ADMIN] } });
    const stream = await openStream(`${url}/v1/rooms/ops/events`);
    const response = await send('/v1/messages', { body: { content: 'oops', room: 'ops' } });
    const { id } = (await response.json()) as { id: string };
    expect((await stream.next()).id).toBe(id);
    await send(`/v1/messages/${id}`, { method: 'DELETE', token: 'ops-s3cr3t' });
    const told = await stream.next();
    expect(told.event).toBe('redacted');
    expect(JSON.parse(told.data as string)).toEqual({ id, room: 'ops' });
  });

  // Express routes HEAD to the GET handler: the stream began, never ended, held its token's slot and
  // left the keep-alive connection deaf to the next request.
  it('answers a HEAD with the headers alone, taking no slot and leaving the connection usable', async () => {
    const { url } = await startApiRelay({ api: { tokens: [PUBLISHER, ADMIN], rateLimit: false } });
    const { port } = new URL(url);
    const socket = track(net.connect(Number(port), '127.0.0.1'), (s) => s.destroy());
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
    });
    // Each answer on this one connection, within a deadline: its status line and headers.
    const answer = async (request: string) => {
      const from = received.length;
      socket.write(request);
      await expect.poll(() => received.indexOf('\r\n\r\n', from) >= 0, { timeout: 3000 }).toBe(true);
      return received.slice(from, received.indexOf('\r\n\r\n', from));
    };
    const head = (headers = '') =>
      answer(
        `HEAD /v1/rooms/ops/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ops-s3cr3t\r\n${headers}\r\n`,
      );
    for (let i = 0; i <= MAX_STREAMS_PER_TOKEN; i += 1) {
      const headers = await head();
      expect(headers).toMatch(/^HTTP\/1\.1 200 /);
      expect(headers).toMatch(/\r\nContent-Type: text\/event-stream/i);
    }
    expect(await answer('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 /);
    expect(await head('Last-Event-ID: x\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    const stream = await openStream(`${url}/v1/rooms/ops/events`);
    expect(stream.response.status).toBe(200);
  });
});

describe('event streams a token may hold', () => {
  it('opens 32 with one token, refuses the 33rd with a 429 problem, and one more once one closed', async () => {
    const { url } = await startApiRelay({ api: { tokens: [PUBLISHER, ADMIN, READER], rateLimit: false } });
    const events = `${url}/v1/rooms/ops/events`;
    const held = [];
    for (let i = 0; i < MAX_STREAMS_PER_TOKEN; i += 1) held.push(await openStream(events));
    expect(held.map(({ response }) => response.status)).toEqual(held.map(() => 200));
    const past = await fetch(events, { headers: { authorization: 'Bearer ops-s3cr3t' } });
    expect(past.status).toBe(429);
    expect(past.headers.get('retry-after')).toBe('5'); // as the OpenAPI document says
    expect(await problemOf(past)).toMatchObject({
      code: 'RELAY_ERR_TOO_MANY_STREAMS',
      detail: expect.stringContaining('holds 32 event streams'),
    });
    // Another token has its own 32.
    const other = await openStream(events, { authorization: 'Bearer reader-s3cr3t' });
    expect(other.response.status).toBe(200);
    held[0]?.close();
    await expect
      .poll(async () => {
        const again = await fetch(events, { headers: { authorization: 'Bearer ops-s3cr3t' } });
        await again.body?.cancel();
        return again.status;
      })
      .toBe(200);
  });
});
