// POST /v1/messages/batch: all validated before any is sent.
import { describe, expect, it } from 'vitest';
import { listener, nextMessage, problemOf, startApiRelay } from './api-relay.js';

describe('POST /v1/messages/batch', () => {
  it('sends every message in order, each to its room, and answers their ids in order', async () => {
    const { url, send } = await startApiRelay();
    const ops = await listener(url, 'ops');
    const lobby = await listener(url);
    const opsHeard: unknown[] = [];
    ops.on('sendMessageFromBack', (content) => opsHeard.push(content));
    const lobbyHears = nextMessage(lobby);
    const response = await send('/v1/messages/batch', {
      body: {
        messages: [{ content: 'one', room: 'ops' }, { content: { n: 2 }, room: 'ops' }, { content: 'all' }],
      },
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { messages: Array<{ id: string; room: string | null }> };
    expect(body.messages.map((message) => message.room)).toEqual(['ops', 'ops', null]);
    expect(new Set(body.messages.map((message) => message.id)).size).toBe(3);
    const lobbyMessage = await lobbyHears;
    expect(lobbyMessage.content).toBe('all');
    expect(lobbyMessage.meta.id).toBe(body.messages[2]?.id);
    await expect.poll(() => opsHeard).toEqual(['one', { n: 2 }, 'all']);
  });

  it('refuses the whole batch when one message is bad, naming it, and sends none', async () => {
    const { url, send } = await startApiRelay();
    const client = await listener(url, 'ops');
    const hears = nextMessage(client);
    const bad = await send('/v1/messages/batch', {
      body: {
        messages: [
          { content: 'fine', room: 'ops' },
          { content: 'also fine' },
          { content: null, room: 'ops' },
        ],
      },
    });
    expect(bad.status).toBe(400);
    expect(await problemOf(bad)).toMatchObject({
      code: 'RELAY_ERR_INVALID_CONTENT',
      field: 'messages[2].content',
    });
    const badRoom = await send('/v1/messages/batch', {
      body: { messages: [{ content: 'fine' }, { content: 'x', room: '' }] },
    });
    expect(await problemOf(badRoom)).toMatchObject({
      code: 'RELAY_ERR_INVALID_ROOM',
      field: 'messages[1].room',
    });
    await send('/v1/messages', { body: { content: 'marker' } });
    expect((await hears).content).toBe('marker');
  });

  it('refuses an empty batch, a batch over api.maxBatch and unknown fields with a 400 naming the field', async () => {
    const { send } = await startApiRelay({ api: { maxBatch: 3 } });
    const cases: Array<[unknown, string]> = [
      [{ messages: [] }, 'messages'],
      [{}, 'messages'],
      [{ messages: Array.from({ length: 4 }, () => ({ content: 'x' })) }, 'messages'],
      [{ messages: [{ content: 'x' }], dryRun: true }, 'dryRun'],
      [{ messages: ['x'] }, 'messages[0]'],
    ];
    for (const [body, field] of cases) {
      const response = await send('/v1/messages/batch', { body });
      expect(response.status).toBe(400);
      expect(await problemOf(response)).toMatchObject({ code: 'RELAY_ERR_INVALID_REQUEST', field });
    }
  });
});
