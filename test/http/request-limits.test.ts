// Every documented limit of the HTTP API, at the limit and one past it: content bytes, room names,
// Idempotency-Key length, body size, batch size.
import { describe, expect, it } from 'vitest';
import { listener, nextMessage, problemOf, startApiRelay } from './api-relay.js';

const MAX = 4096; // maxContentBytes' default
const EURO = '€'; // 3 UTF-8 bytes

const unlimited = { api: { rateLimit: false } } as const;

describe('HTTP API limits', () => {
  it('accepts content of exactly maxContentBytes (string, multibyte, object) and refuses one byte more with a 413', async () => {
    const { url, send } = await startApiRelay(unlimited);
    const client = await listener(url);
    // `{"text":"…"}` is 11 bytes around the text.
    const cases: Array<[unknown, unknown]> = [
      ['x'.repeat(MAX), 'x'.repeat(MAX + 1)],
      [`${EURO.repeat(1365)}a`, `${EURO.repeat(1365)}ab`],
      [{ text: 'x'.repeat(MAX - 11) }, { text: 'x'.repeat(MAX - 10) }],
      [{ text: `${EURO.repeat(1361)}ab` }, { text: `${EURO.repeat(1361)}abc` }],
    ];
    for (const [atLimit, past] of cases) {
      const heard = nextMessage(client);
      expect((await send('/v1/messages', { body: { content: atLimit } })).status).toBe(202);
      expect((await heard).content).toEqual(atLimit);
      const refused = await send('/v1/messages', { body: { content: past } });
      expect(refused.status).toBe(413);
      expect(await problemOf(refused)).toMatchObject({
        code: 'RELAY_ERR_CONTENT_TOO_LARGE',
        field: 'content',
      });
      // In a batch the same limit applies to each message, and the whole batch is refused.
      const batch = await send('/v1/messages/batch', {
        body: { messages: [{ content: atLimit }, { content: past }] },
      });
      expect(batch.status).toBe(413);
      expect(await problemOf(batch)).toMatchObject({ field: 'messages[1].content' });
    }
  });

  it('accepts a room name of 64 characters and refuses 65 with a 400 naming the field', async () => {
    const { url, send } = await startApiRelay(unlimited);
    const room = 'r'.repeat(64);
    const inRoom = await listener(url, room);
    const heard = nextMessage(inRoom);
    expect((await send('/v1/messages', { body: { content: 'hi', room } })).status).toBe(202);
    expect((await heard).meta.room).toBe(room);
    const refused = await send('/v1/messages', { body: { content: 'hi', room: `${room}r` } });
    expect(refused.status).toBe(400);
    expect(await problemOf(refused)).toMatchObject({ code: 'RELAY_ERR_INVALID_ROOM', field: 'room' });
  });

  it('takes an Idempotency-Key of 1 to 255 visible ASCII characters, and refuses 256 or a space', async () => {
    const { send } = await startApiRelay(unlimited);
    const longest = `!${'k'.repeat(253)}~`;
    for (const key of [longest, 'k']) {
      const request = { body: { content: `keyed ${key.length}` }, headers: { 'idempotency-key': key } };
      const first = await send('/v1/messages', request);
      expect(first.status).toBe(202);
      const retry = await send('/v1/messages', request);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(await retry.json()).toEqual(await first.json());
    }
    for (const key of [`${longest}k`, 'two words']) {
      const refused = await send('/v1/messages', {
        body: { content: 'x' },
        headers: { 'idempotency-key': key },
      });
      expect(refused.status).toBe(400);
      expect(await problemOf(refused)).toMatchObject({
        code: 'RELAY_ERR_INVALID_REQUEST',
        field: 'Idempotency-Key',
      });
    }
  });

  it('accepts a body of exactly api.bodyLimitBytes and refuses one byte more with a 413', async () => {
    const limit = 1024;
    const { send } = await startApiRelay({ api: { bodyLimitBytes: limit, rateLimit: false } });
    // `{"content":"…"}` is 14 bytes around the text.
    const body = (size: number) => `{"content":"${'b'.repeat(size - 14)}"}`;
    expect(Buffer.byteLength(body(limit))).toBe(limit);
    expect((await send('/v1/messages', { raw: body(limit) })).status).toBe(202);
    const refused = await send('/v1/messages', { raw: body(limit + 1) });
    expect(refused.status).toBe(413);
    expect(await problemOf(refused)).toMatchObject({ code: 'RELAY_ERR_BODY_TOO_LARGE' });
  });

  it('accepts a batch of exactly api.maxBatch messages and refuses one more', async () => {
    const { url, send } = await startApiRelay({ api: { maxBatch: 3, rateLimit: false } });
    const client = await listener(url);
    const heard: unknown[] = [];
    client.on('sendMessageFromBack', (content) => heard.push(content));
    const messages = (count: number) => Array.from({ length: count }, (_, i) => ({ content: `m${i}` }));
    const full = await send('/v1/messages/batch', { body: { messages: messages(3) } });
    expect(full.status).toBe(202);
    expect(((await full.json()) as { messages: unknown[] }).messages).toHaveLength(3);
    await expect.poll(() => heard).toEqual(['m0', 'm1', 'm2']);
    const over = await send('/v1/messages/batch', { body: { messages: messages(4) } });
    expect(over.status).toBe(400);
    expect(await problemOf(over)).toMatchObject({ code: 'RELAY_ERR_INVALID_REQUEST', field: 'messages' });
  });
});
